import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { SupportedVersions } from '@internal/backstage-plugin-bpa-common';
import { renderPlan } from '@internal/backstage-plugin-bpa-node';
import { examples } from './planEnvironment.examples';
import { parseSpecInput } from './util';

export interface PlanEnvironmentActionOptions {
  /** Versions and tiers accepted by validation; defaults to the built-in list. */
  supportedVersions?: SupportedVersions;
}

/**
 * `bpa:environment:plan` — validates a BPA environment request and renders
 * its complete plan (every artifact the apply uses, and a summary) into the
 * workspace.
 */
export function createPlanEnvironmentAction(
  options: PlanEnvironmentActionOptions = {},
) {
  return createTemplateAction({
    id: 'bpa:environment:plan',
    description:
      'Validates a BPA environment request and writes its plan (CloudFormation, Kubernetes manifests, Helm values, environment.txt, bootstrap SQL, IAM policies, summary) into the workspace.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: z =>
          z
            .record(z.string(), z.unknown())
            .describe(
              'The environment request (EnvironmentSpec): name, owner, aws, network, cluster, rds, atlas, ecr, bpa, ingress, tags. Fields left out take the reference deployment defaults.',
            ),
        mode: z =>
          z
            .enum(['plan', 'apply'])
            .default('plan')
            .describe(
              '`plan` renders the plan only; `apply` also creates the environment',
            ),
        outputDir: z =>
          z
            .string()
            .default('bpa-plan')
            .describe('Workspace directory the plan is written to'),
      },
      output: {
        environment: z => z.string().describe('Environment name'),
        summary: z => z.string().describe('Markdown summary of the plan'),
        planDirectory: z =>
          z.string().describe('Workspace-relative directory of the plan'),
        artifacts: z =>
          z
            .array(
              z.object({
                path: z.string(),
                kind: z.string(),
                description: z.string(),
              }),
            )
            .describe('The plan files, relative to planDirectory'),
        resourceCount: z =>
          z.number().describe('Estimated number of resources the apply creates'),
      },
    },
    async handler(ctx) {
      const spec = parseSpecInput(ctx.input.spec, options.supportedVersions);
      const outputDir = ctx.input.outputDir ?? 'bpa-plan';
      const planDirectory = resolveSafeChildPath(ctx.workspacePath, outputDir);
      if (ctx.input.mode === 'apply') {
        throw new InputError(
          'mode "apply" is not available yet: this portal can plan BPA environments but not apply them. Choose "plan only" and review the plan.',
        );
      }

      const plan = renderPlan(spec);
      for (const artifact of plan.artifacts) {
        const target = resolveSafeChildPath(planDirectory, artifact.path);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, artifact.content, 'utf8');
      }
      ctx.logger.info(
        `Planned BPA environment ${spec.name}: ${plan.artifacts.length} files in ${outputDir}, about ${plan.resourceCount} resources`,
      );

      ctx.output('environment', spec.name);
      ctx.output('summary', plan.summary);
      ctx.output('planDirectory', outputDir);
      ctx.output(
        'artifacts',
        plan.artifacts.map(({ path: p, kind, description }) => ({
          path: p,
          kind,
          description,
        })),
      );
      ctx.output('resourceCount', plan.resourceCount);
    },
  });
}
