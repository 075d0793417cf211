import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  SupportedVersions,
  quoted,
} from '@internal/backstage-plugin-bpa-common';
import {
  AwsClientFactory,
  PlanChangedError,
  PlanDigest,
  latestBastionImageId,
  planDifferences,
  planDigestOf,
  refusedChanges,
  renderPlan,
} from '@internal/backstage-plugin-bpa-node';
import {
  ApplyPrerequisites,
  ApplyPrerequisitesError,
  MissingPrerequisite,
  missingApplyPrerequisites,
} from './applyPrerequisites';
import { parseSpecForTeardown } from './atlasCommon';
import { examples } from './planEnvironment.examples';
import { parseSpecInput, planDigestOutput } from './util';

export interface PlanEnvironmentActionOptions {
  /** Versions and tiers accepted by validation; defaults to the built-in list. */
  supportedVersions?: SupportedVersions;
  /**
   * What "plan and apply" is checked against before anything is registered
   * or created (AWS, Atlas, helm); the module always gives it. Without it,
   * apply mode checks the certificate only.
   */
  applyPrerequisites?: ApplyPrerequisites;
  /** `bpa.aws.portalEgressCidrs`: admitted on the EKS public endpoint of requests that name none. */
  portalEgressCidrs?: string[];
}

/** The request with the portal's egress CIDRs, unless it names its own (read from the form, before validation). */
function withPortalEgress(
  input: Record<string, unknown>,
  portalEgressCidrs: string[] | undefined,
): Record<string, unknown> {
  const network = (input.network ?? {}) as Record<string, unknown>;
  if (!portalEgressCidrs?.length || network.portalEgressCidrs !== undefined)
    return input;
  return { ...input, network: { ...network, portalEgressCidrs } };
}

type ActionCheckpoint = (options: {
  key: string;
  fn: () => Promise<string>;
}) => Promise<unknown>;

/**
 * The request with its bastion's AMI, when planning for apply: the one it
 * records, else the latest Amazon Linux 2023, looked up once per task (a
 * checkpoint) and then recorded in the request the step outputs, so that no
 * later run or update moves the bastion to another AMI unasked. A lookup
 * that fails is one more missing prerequisite.
 */
async function withBastionImage(
  spec: EnvironmentSpec,
  ctx: { checkpoint: ActionCheckpoint; logger: { info(m: string): void } },
  clients: AwsClientFactory,
): Promise<{ spec: EnvironmentSpec; missing: MissingPrerequisite[] }> {
  if (!spec.network.bastion || spec.network.bastionImageId) {
    return { spec, missing: [] };
  }
  try {
    const imageId = (await ctx.checkpoint({
      key: `bpa-bastion-image-${spec.name}`,
      fn: async () =>
        latestBastionImageId(
          (
            await clients.forTarget({
              accountId: spec.aws.accountId,
              region: spec.aws.region,
            })
          ).ssm,
        ),
    })) as string;
    ctx.logger.info(
      `Bastion AMI pinned: ${imageId} (the latest Amazon Linux 2023 in ${spec.aws.region}), recorded in the request; later runs keep it until the request changes network.bastionImageId`,
    );
    return {
      spec: { ...spec, network: { ...spec.network, bastionImageId: imageId } },
      missing: [],
    };
  } catch (error) {
    return {
      spec,
      missing: [
        { what: 'network.bastionImageId', fix: (error as Error).message },
      ],
    };
  }
}

const ACM_CERTIFICATE_ARN =
  /^arn:aws[a-z-]*:acm:([a-z0-9-]+):([0-9]{12}):certificate\/[A-Za-z0-9-]+$/;

/**
 * What is wrong with the load balancer certificate for the edge stack, if
 * anything: the apply needs one, in the environment's account and region
 * (ALB listeners take ACM certificates of their own region only).
 */
function certificateProblem(
  arn: string | undefined,
  mode: string,
  spec: EnvironmentSpec,
): string | undefined {
  const where = `account ${spec.aws.accountId}, region ${spec.aws.region}`;
  if (!arn) {
    return mode === 'apply'
      ? `"plan and apply" needs the ACM certificate of the load balancer's HTTPS listeners (${where}); give its ARN on the Ingress page`
      : undefined;
  }
  const match = ACM_CERTIFICATE_ARN.exec(arn);
  if (!match) {
    return `${quoted(
      arn,
    )} is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)`;
  }
  if (match[1] !== spec.aws.region || match[2] !== spec.aws.accountId) {
    return `the certificate is in account ${match[2]}, region ${match[1]}; the load balancer needs one in ${where}`;
  }
  return undefined;
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
              "What the task goes on to do: `plan` stops at the plan (no cloud is asked anything); `apply` (the template's later steps) creates the environment from it, so certificateArn is required, everything the apply needs is checked first (AWS credentials and permissions, Atlas credentials and project, helm), every missing one reported at once, and a bastion without an AMI in the request gets the latest Amazon Linux 2023 pinned (recorded in the output spec). The plan is that of the completed request either way",
            ),
        certificateArn: z =>
          z
            .string()
            .optional()
            .describe(
              "ACM certificate of the load balancer's HTTPS listeners, in the environment's account and region; required when mode is apply, checked here so a wrong one fails before anything is created",
            ),
        outputDir: z =>
          z
            .string()
            .default('bpa-plan')
            .describe('Workspace directory the plan is written to'),
        recordedSpec: z =>
          z
            .record(z.string(), z.unknown())
            .optional()
            .describe(
              "The applied environment's recorded request (bpa:environment:describe's spec), when this plan changes it: changes its stacks cannot take in place (zones, CIDRs, a node role's zone, shrinking volumes, downgrades, skipped Kubernetes versions, another master user) are refused with the reason and what to do",
            ),
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
          z
            .number()
            .describe('Estimated number of resources the apply creates'),
        planDigest: planDigestOutput,
        spec: z =>
          z
            .record(z.string(), z.unknown())
            .describe(
              "The request as planned, every default filled in and completed (the portal's egress CIDRs; when planning for apply, the bastion's AMI): what the later steps take and the catalog records",
            ),
      },
    },
    async handler(ctx) {
      let spec = parseSpecInput(
        withPortalEgress(ctx.input.spec, options.portalEgressCidrs),
        options.supportedVersions,
      );
      const outputDir = ctx.input.outputDir ?? 'bpa-plan';
      const planDirectory = resolveSafeChildPath(ctx.workspacePath, outputDir);
      const mode = ctx.input.mode ?? 'plan';
      const certificate = certificateProblem(
        ctx.input.certificateArn,
        mode,
        spec,
      );
      if (certificate && mode === 'plan') {
        throw new InputError(`certificateArn: ${certificate}`);
      }
      if (ctx.input.recordedSpec) {
        const recorded = parseSpecForTeardown(
          ctx.input.recordedSpec,
          options.supportedVersions,
        );
        // The bastion keeps its AMI unless the change names another.
        if (!spec.network.bastionImageId && recorded.network.bastionImageId) {
          spec = {
            ...spec,
            network: {
              ...spec.network,
              bastionImageId: recorded.network.bastionImageId,
            },
          };
        }
        const refused = refusedChanges(recorded, spec);
        if (refused.length) {
          throw new InputError(
            `This change cannot be made to the applied environment ${
              spec.name
            }; nothing was written: ${refused
              .map(r => `${r.path}: ${r.message}`)
              .join('; ')}`,
          );
        }
      }

      const missing: MissingPrerequisite[] = [];
      if (mode === 'apply' && options.applyPrerequisites && !ctx.isDryRun) {
        const completed = await withBastionImage(
          spec,
          {
            checkpoint: ctx.checkpoint as ActionCheckpoint,
            logger: ctx.logger,
          },
          options.applyPrerequisites.awsClients,
        );
        spec = completed.spec;
        missing.push(...completed.missing);
      }

      const plan = renderPlan(spec);
      if (mode === 'apply') {
        missing.push(
          ...(certificate
            ? [{ what: 'certificateArn', fix: certificate }]
            : []),
          ...(options.applyPrerequisites
            ? await missingApplyPrerequisites(
                options.applyPrerequisites,
                spec,
                plan.artifacts,
                ctx.logger,
                certificate ? undefined : ctx.input.certificateArn,
              )
            : []),
        );
        if (missing.length) throw new ApplyPrerequisitesError(missing);
      }
      const digest = planDigestOf(plan.artifacts);
      // Recorded on the first run: a re-run of this step (a retried task)
      // must render the same plan, or the apply steps would apply one
      // nobody previewed.
      const recorded: PlanDigest = await ctx.checkpoint({
        key: `plan-digest:${outputDir}`,
        fn: async () => digest,
      });
      const differences = planDifferences(recorded, digest);
      if (differences.length) {
        throw new PlanChangedError(
          `This task recorded plan ${recorded.sha256.slice(
            0,
            12,
          )} on its first run, and the portal now renders a different one from the same request: ${differences
            .map(d => `${outputDir}/${d}`)
            .join(
              ', ',
            )}. The portal's version or configuration changed in between. Nothing was written; run the template again to review the new plan.`,
          differences,
        );
      }
      for (const artifact of plan.artifacts) {
        const target = resolveSafeChildPath(planDirectory, artifact.path);
        await fs.mkdir(path.dirname(target), { recursive: true });
        await fs.writeFile(target, artifact.content, 'utf8');
      }
      ctx.logger.info(
        `Planned BPA environment ${spec.name}: ${
          plan.artifacts.length
        } files in ${outputDir}, about ${
          plan.resourceCount
        } resources; plan ${digest.sha256.slice(0, 12)}`,
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
      ctx.output('planDigest', digest);
      ctx.output('spec', spec as unknown as Record<string, unknown>);
    },
  });
}
