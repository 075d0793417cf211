import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import yaml from 'yaml';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { mirrorPlan } from '@internal/backstage-plugin-bpa-node';
import {
  capturingLogger,
  testSkopeoBinary,
  writePlan,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createEcrMirrorAction } from './ecrMirror';
import { examples } from './ecrMirror.examples';

describe('bpa:ecr:mirror examples', () => {
  const ecr = jest.fn();
  const s3 = jest.fn();
  const action = createEcrMirrorAction({
    skopeoBinary: testSkopeoBinary(),
    registries: [],
    ecr,
    s3,
  });

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ex-'));
      try {
        const step = yaml.parse(example).steps[0];
        expect(step.action).toBe(action.id);
        const spec = parseEnvironmentSpec(step.input.spec);
        await writePlan(
          spec,
          path.join(workspacePath, step.input.planDirectory),
        );
        const { logger, lines } = capturingLogger();
        // The mock context leaves isDryRun out.
        const ctx = {
          ...createMockActionContext({
            workspacePath,
            input: step.input,
            logger,
          }),
          isDryRun: true,
        };
        await action.handler(ctx as any);
        for (const copy of mirrorPlan(spec).copies) {
          expect(lines).toContainEqual(
            expect.stringContaining(
              `would copy ${copy.kind} ${copy.source} → `,
            ),
          );
        }
        expect(ctx.output).toHaveBeenCalledWith(
          'chart',
          'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart',
        );
        expect(ecr).not.toHaveBeenCalled();
        expect(s3).not.toHaveBeenCalled();
      } finally {
        await fs.rm(workspacePath, { recursive: true, force: true });
      }
    },
  );
});
