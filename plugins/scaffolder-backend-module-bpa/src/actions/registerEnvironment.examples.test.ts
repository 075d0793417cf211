import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { REFERENCE_SPEC_INPUT } from '@internal/backstage-plugin-bpa-common';
import { createRegisterEnvironmentAction } from './registerEnvironment';
import { examples } from './registerEnvironment.examples';

describe('bpa:catalog:register examples', () => {
  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ex-'));
      const entitiesDirectory = await fs.mkdtemp(
        path.join(os.tmpdir(), 'bpa-ex-envs-'),
      );
      try {
        const action = createRegisterEnvironmentAction({ entitiesDirectory });
        const step = yaml.parse(example).steps[0];
        expect(step.action).toBe(action.id);
        const run = (input: any) =>
          action.handler(
            createMockActionContext({ workspacePath, input }) as any,
          );
        // A removal takes what the describe step's output renders to: the registered request.
        const removing = step.input.state === 'removed';
        const spec = removing ? (REFERENCE_SPEC_INPUT as any) : step.input.spec;
        if (removing) await run({ spec, state: 'applied' });
        await run({ ...step.input, spec });
        expect(await fs.readdir(entitiesDirectory)).toEqual(
          removing ? [] : [`${spec.name}.yaml`],
        );
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
        await fs.rm(entitiesDirectory, { recursive: true, force: true });
      }
    },
  );
});
