import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createPlanEnvironmentAction } from './planEnvironment';
import { examples } from './planEnvironment.examples';

describe('bpa:environment:plan examples', () => {
  const action = createPlanEnvironmentAction();

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ex-'));
      try {
        const step = yaml.parse(example).steps[0];
        expect(step.action).toBe(action.id);
        const ctx = createMockActionContext({
          workspacePath,
          input: step.input,
        });
        await action.handler(ctx as any);
        const outDir = step.input.outputDir ?? 'bpa-plan';
        const summary = await fs.readFile(
          path.join(workspacePath, outDir, 'SUMMARY.md'),
          'utf8',
        );
        expect(summary).toContain(`\`${step.input.spec.name}\``);
        expect(summary).toContain(step.input.spec.aws.region);
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
      }
    },
  );
});
