import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { generateSelfSignedCertificate } from '@internal/backstage-plugin-bpa-node';
import { writePlan } from '@internal/backstage-plugin-bpa-test-utils';
import { createKubernetesBootstrapAction } from './kubernetesBootstrap';
import { examples } from './kubernetesBootstrap.examples';

describe('bpa:kubernetes:bootstrap examples', () => {
  const connect = jest.fn();
  const secretsManager = jest.fn();
  const action = createKubernetesBootstrapAction({
    connector: { connect },
    referenceValues: { forEnvironment: jest.fn() },
    secretsManager,
  });
  const tls = generateSelfSignedCertificate({
    commonName: 'bpa.example.com',
    dnsNames: ['bpa.example.com'],
  });

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ex-'));
      try {
        const step = yaml.parse(example).steps[0];
        expect(step.action).toBe(action.id);
        await writePlan(
          parseEnvironmentSpec(step.input.spec),
          path.join(workspacePath, step.input.planDirectory),
        );
        // What the scaffolder renders ${{ parameters.tlsCertificate }} to.
        const input = step.input.certificate
          ? { ...step.input, certificate: tls.certificate }
          : step.input;
        const ctx = {
          ...createMockActionContext({
            workspacePath,
            input,
            secrets: { tlsPrivateKey: tls.privateKey },
          }),
          // The mock context leaves isDryRun out.
          isDryRun: true,
        };
        await action.handler(ctx as any);
        expect(ctx.output).toHaveBeenCalledWith('namespace', 'bpa-ns');
        expect(connect).not.toHaveBeenCalled();
        expect(secretsManager).not.toHaveBeenCalled();
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
      }
    },
  );
});
