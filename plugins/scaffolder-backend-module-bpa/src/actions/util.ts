import { InputError } from '@backstage/errors';
import type { TemplateActionOptions } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  SupportedVersions,
  validateEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';

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
