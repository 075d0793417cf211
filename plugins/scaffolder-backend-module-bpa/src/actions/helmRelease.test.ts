import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import {
  writePlan,
  testHelmBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createHelmReleaseAction } from './helmRelease';

const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;

describe('bpa:helm:release', () => {
  let workspacePath: string;
  const connect = jest.fn(async () => {
    throw new Error('must not connect');
  });

  beforeAll(async () => {
    workspacePath = await fs.mkdtemp(
      path.join(os.tmpdir(), 'bpa-helm-action-'),
    );
    await writePlan(
      parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
      path.join(workspacePath, 'bpa-plan'),
    );
    await fs.mkdir(path.join(workspacePath, 'charts', 'bpa'), {
      recursive: true,
    });
  });
  afterAll(async () => {
    if (workspacePath)
      await fs.rm(workspacePath, { recursive: true, force: true });
  });
  beforeEach(() => connect.mockClear());

  const run = (input: JsonObject, helmBinary?: string, isDryRun = false) =>
    createHelmReleaseAction({ connector: { connect }, helmBinary }).handler({
      // The mock context leaves isDryRun out.
      ...createMockActionContext({ workspacePath, input }),
      isDryRun,
    } as any);

  it('fails on a missing helm before connecting to the cluster', async () => {
    await expect(
      run({ spec, chart: 'charts/bpa' }, '/opt/nowhere/helm'),
    ).rejects.toThrow(
      'Helm at /opt/nowhere/helm (bpa.helm.binary) does not run',
    );
    expect(connect).not.toHaveBeenCalled();
  });

  it('refuses chart references it cannot use, before connecting', async () => {
    await expect(
      run({ spec, chart: 'charts/missing' }, testHelmBinary()),
    ).rejects.toThrow('Chart charts/missing is not in the workspace');
    await expect(
      run(
        { spec, chart: 'http://charts.example.com/bpa.tgz' },
        testHelmBinary(),
      ),
    ).rejects.toThrow(
      'use an oci:// or https:// reference, or a path in the workspace',
    );
    await expect(
      run({ spec, chart: '../../etc' }, testHelmBinary()),
    ).rejects.toThrow(/outside/);
    expect(connect).not.toHaveBeenCalled();
  });

  it('reports the release it would make in a dry run, even without helm', async () => {
    await run({ spec }, '/opt/nowhere/helm', true);
    expect(connect).not.toHaveBeenCalled();
  });
});
