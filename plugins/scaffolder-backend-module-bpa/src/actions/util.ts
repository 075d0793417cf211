import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type {
  ActionContext,
  TemplateActionOptions,
} from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  SupportedVersions,
  validateEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  PlanDigest,
  renderPlan,
  restorePlan,
} from '@internal/backstage-plugin-bpa-node';

/** Validates a request; refuses it with every problem named by field, before anything else happens. */
export function parseSpecInput(
  input: unknown,
  supportedVersions: SupportedVersions | undefined,
): EnvironmentSpec {
  const result = validateEnvironmentSpec(input, { supportedVersions });
  if (!result.success) {
    throw new InputError(
      `Invalid BPA environment request: ${result.issues
        .map(i => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return result.spec;
}

/** A schema function, as the scaffolder calls it with its own copy of zod. */
type ActionSchema = NonNullable<
  NonNullable<TemplateActionOptions['schema']>['input']
>[string];
/** The scaffolder's zod (types named through it: declarations cannot name its path). */
type ActionZod = Parameters<ActionSchema>[0];
type RecordSchema = ReturnType<ActionZod['record']>;
type StringWithDefault = ReturnType<ReturnType<ActionZod['string']>['default']>;

/** Input `spec` of the actions that act on a planned environment. */
export const specInput = (z: ActionZod): RecordSchema =>
  z
    .record(z.string(), z.unknown())
    .describe('The environment request, as given to bpa:environment:plan');

/** Input `spec` of the teardown actions. */
export const teardownSpecInput = (z: ActionZod): RecordSchema =>
  z
    .record(z.string(), z.unknown())
    .describe('The environment request the environment was created from');

/** Input `planDirectory` of the actions that apply the plan's files. */
export const planDirectoryInput = (z: ActionZod): StringWithDefault =>
  z
    .string()
    .default('bpa-plan')
    .describe(
      'Workspace directory bpa:environment:plan wrote the plan to (its outputDir); its files are applied as reviewed',
    );

/** A plan's digest (PlanDigest), as bpa:environment:plan outputs it and the apply steps take it. */
const planDigestSchema = (z: ActionZod) =>
  z.object({
    sha256: z.string().describe('SHA-256 over the files and their digests'),
    files: z
      .record(z.string(), z.string())
      .describe('SHA-256 of every plan file, by its path in the plan'),
  });

/** Output `planDigest` of bpa:environment:plan. */
export const planDigestOutput: ActionSchema = z =>
  planDigestSchema(z).describe(
    'The SHA-256 of every file of the plan and of the whole plan: give it to every step that applies the plan (planDigest: ${{ steps.plan.output.planDigest }}), so it applies these bytes, or refuses',
  );

/** Input `planDigest` of the actions that apply the plan's files. */
export const planDigestInput: ActionSchema = z =>
  planDigestSchema(z)
    .optional()
    .describe(
      "What bpa:environment:plan recorded of the plan (its output planDigest): the plan's files are applied only if they are these bytes. Files the workspace lacks (a task recovered on another replica, or retried) are rendered again from the request, and must be these bytes too",
    );

/**
 * The plan directory of a step that applies the plan, holding the previewed
 * plan: with `planDigest`, its files are checked against the plan step's
 * record, and rendered again from the request where the workspace lost them.
 */
export async function reviewedPlanDirectory(
  ctx: Pick<ActionContext<any, any>, 'input' | 'workspacePath' | 'logger'>,
  spec: EnvironmentSpec,
): Promise<string> {
  const input = ctx.input as {
    planDirectory?: string;
    planDigest?: PlanDigest;
  };
  const relative = input.planDirectory ?? 'bpa-plan';
  const planDirectory = resolveSafeChildPath(ctx.workspacePath, relative);
  const recorded = input.planDigest;
  if (!recorded) return planDirectory;
  const restored = await restorePlan({
    planDirectory,
    displayDirectory: relative,
    recorded,
    render: () => renderPlan(spec).artifacts,
  });
  ctx.logger.info(
    restored.length
      ? `The workspace had lost the plan: rendered ${restored.length} of its ${
          Object.keys(recorded.files).length
        } files again from the request into ${relative}, byte for byte the previewed plan ${recorded.sha256.slice(
          0,
          12,
        )}`
      : `${relative} holds the previewed plan ${recorded.sha256.slice(0, 12)}`,
  );
  return planDirectory;
}

/** Output `loadBalancerTargets` of the actions that put the nodes behind the load balancer. */
export const loadBalancerTargetsOutput: ActionSchema = z =>
  z
    .array(
      z.object({
        nodegroup: z.string(),
        autoScalingGroups: z.array(z.string()),
        attachedTargetGroups: z.array(z.string()),
      }),
    )
    .optional()
    .describe(
      "When the edge stack was deployed or waited for: each node group's Auto Scaling groups, and the load balancer target groups this run attached them to",
    );
