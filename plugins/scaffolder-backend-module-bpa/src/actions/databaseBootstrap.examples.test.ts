import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { writePlan } from '@internal/backstage-plugin-bpa-test-utils';
import { createDatabaseBootstrapAction } from './databaseBootstrap';
import { examples } from './databaseBootstrap.examples';

describe('bpa:database:bootstrap examples', () => {
  const connect = jest.fn();
  const forEnvironment = jest.fn();
  const action = createDatabaseBootstrapAction({
    connector: { connect },
    referenceValues: { forEnvironment },
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
        // The mock context leaves isDryRun out.
        await action.handler({
          ...createMockActionContext({ workspacePath, input: step.input }),
          isDryRun: true,
        } as any);
        expect(connect).not.toHaveBeenCalled();
        expect(forEnvironment).not.toHaveBeenCalled();
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
      }
    },
  );
});
