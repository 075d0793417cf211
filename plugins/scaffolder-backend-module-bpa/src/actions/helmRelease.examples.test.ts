import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import {
  writePlan,
  testHelmBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createHelmReleaseAction } from './helmRelease';
import { examples } from './helmRelease.examples';

describe('bpa:helm:release examples', () => {
  const connect = jest.fn();
  const action = createHelmReleaseAction({
    connector: { connect },
    helmBinary: testHelmBinary(),
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
        if (step.input.chart) {
          await fs.cp(
            path.resolve(
              __dirname,
              '../../../bpa-node/test-charts/bpa-standin',
            ),
            path.join(workspacePath, step.input.chart),
            {
              recursive: true,
            },
          );
        }
        // The mock context leaves isDryRun out.
        const ctx = {
          ...createMockActionContext({ workspacePath, input: step.input }),
          isDryRun: true,
        };
        await action.handler(ctx as any);
        expect(ctx.output).toHaveBeenCalledWith('release', 'bpa-rel');
        expect(connect).not.toHaveBeenCalled();
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
      }
    },
  );
});
