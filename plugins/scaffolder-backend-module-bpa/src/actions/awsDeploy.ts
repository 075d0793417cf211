import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  StackDeployment,
  StackResult,
  environmentTags,
  requiredActions,
  resourceTypes,
  listenerCertificateProblem,
  verifyAwsAccess,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './awsDeploy.examples';
import {
  ATTACH_EDGE_TARGETS_NOTE,
  AwsActionOptions,
  allOrReport,
  attachEdgeTargets,
  checkStackParameters,
  orderedKinds,
  readPlannedTemplates,
  stackDeployer,
  stackParameters,
} from './awsCommon';
import {
  loadBalancerTargetsOutput,
  parseSpecInput,
  planDigestInput,
  planDirectoryInput,
  reviewedPlanDirectory,
  specInput,
} from './util';

/**
 * When a stack may start: CloudFormation resolves a stack's imports of the
 * network's exports when it starts, so the network comes first; the others
 * need nothing but the network and run side by side. The edge's targets (the
 * cluster's node groups) are attached once the edge and the cluster are both
 * complete.
 */
const DEPLOY_LEVEL: Record<StackKind, number> = {
  network: 0,
  cluster: 1,
  data: 1,
  registry: 1,
  edge: 1,
};

/**
 * `bpa:aws:deploy` — creates or updates the environment's CloudFormation
 * stacks from the plan in the workspace, through change sets (an empty one
 * changes nothing). With `wait: false` the stacks are started and the action
 * returns, so the slow ones run side by side; `bpa:aws:wait` then follows them.
 * Once the edge stack is complete, the node groups' Auto Scaling groups are
 * attached to its target groups.
 */
export function createAwsDeployAction(options: AwsActionOptions) {
  return createTemplateAction({
    id: 'bpa:aws:deploy',
    description:
      "Creates or updates a BPA environment's CloudFormation stacks (network, cluster, data, registry, edge) from the plan's templates, through change sets, with progress from the stack events; optionally returns once they are started. After the edge stack, attaches the node groups' Auto Scaling groups to the load balancer's target groups.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        stacks: z =>
          z
            .array(z.enum(STACK_KINDS))
            .min(1)
            .describe(
              'The stacks to deploy: network, cluster, data, registry, edge',
            ),
        planDirectory: planDirectoryInput,
        planDigest: planDigestInput,
        wait: z =>
          z
            .boolean()
            .default(true)
            .describe(
              'Wait until the stacks are complete; false returns once they are started (follow them with bpa:aws:wait)',
            ),
        certificateArn: z =>
          z
            .string()
            .optional()
            .describe(
              'ACM certificate of the load balancer listeners; required for the edge stack',
            ),
        replaceRolledBackStacks: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'Delete and create again a stack whose creation failed earlier (ROLLBACK_COMPLETE); otherwise such a stack is refused',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .optional()
            .describe(
              'Minutes to wait for each stack; default per stack (cluster 40, data 60, others less)',
            ),
      },
      output: {
        stacks: z =>
          z
            .array(
              z.object({
                kind: z.enum(STACK_KINDS),
                stackName: z.string(),
                stackId: z.string().nullable(),
                change: z.enum(['create', 'update', 'unchanged']),
                token: z.string().nullable(),
              }),
            )
            .describe(
              'What was started for each stack; give it to bpa:aws:wait (a dry run lists the stacks it would start, change unknown)',
            ),
        outputs: z =>
          z
            .record(z.string(), z.record(z.string(), z.string()))
            .describe(
              'Stack outputs by stack kind, once waited for (no secrets)',
            ),
        principalArn: z =>
          z
            .string()
            .optional()
            .describe(
              "The portal's IAM principal, given cluster access in the cluster stack",
            ),
        loadBalancerTargets: loadBalancerTargetsOutput,
      },
    },
    async handler(ctx) {
      const spec = parseSpecInput(ctx.input.spec, options.supportedVersions);
      const names = resourceNames(spec);
      const kinds = orderedKinds(ctx.input.stacks);
      const wait = ctx.input.wait !== false;
      if (!wait && kinds.includes('network') && kinds.length > 1) {
        throw new InputError(
          "The other stacks import the network stack's exports: deploy network with wait: true first, then start the others",
        );
      }
      if (kinds.includes('edge') && !ctx.input.certificateArn) {
        throw new InputError(
          'The edge stack needs certificateArn (the ACM certificate of its HTTPS listeners)',
        );
      }
      await reviewedPlanDirectory(ctx, spec);
      const templates = await readPlannedTemplates(
        ctx.workspacePath,
        ctx.input.planDirectory ?? 'bpa-plan',
        kinds,
        spec,
      );
      const provided = [
        'PortalPrincipalArn',
        ...(ctx.input.certificateArn ? ['CertificateArn'] : []),
      ];
      for (const kind of kinds) {
        checkStackParameters(kind, templates.get(kind)!.parsed, provided);
      }

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ${wait ? 'deploy' : 'start'} stacks ${kinds
            .map(k => names.stack(k))
            .join(', ')} in account ${spec.aws.accountId}, ${
            spec.aws.region
          }, from ${ctx.input.planDirectory ?? 'bpa-plan'}${
            kinds.includes('edge') && wait
              ? `, then ${ATTACH_EDGE_TARGETS_NOTE}`
              : ''
          }`,
        );
        // What bpa:aws:wait makes of a bare kind: the stack, whatever it is doing.
        ctx.output(
          'stacks',
          kinds.map(kind => ({
            kind,
            stackName: names.stack(kind),
            stackId: null,
            change: 'update' as const,
            token: null,
          })),
        );
        ctx.output('outputs', {});
        return;
      }

      const clients = await options.clients.forTarget({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      const parsed = kinds.map(k => templates.get(k)!.parsed);
      const replaceRolledBack = ctx.input.replaceRolledBackStacks === true;
      const access = await verifyAwsAccess({
        clients,
        environment: spec.name,
        actions: requiredActions({
          operation: 'deploy',
          resourceTypes: parsed.flatMap(resourceTypes),
          replacesStacks: replaceRolledBack,
        }),
        operation: 'deploy',
        logger: ctx.logger,
      });
      if (kinds.includes('edge')) {
        const problem = await listenerCertificateProblem(
          clients.acm,
          ctx.input.certificateArn!,
        );
        if (problem) throw new InputError(`certificateArn: ${problem}`);
      }
      const deployer = stackDeployer(
        ctx,
        clients,
        options,
        ctx.input.timeoutMinutes,
      );
      const request = (kind: StackKind) => ({
        environment: spec.name,
        kind,
        stackName: names.stack(kind),
        templateBody: templates.get(kind)!.body,
        parameters: stackParameters(templates.get(kind)!.parsed, {
          PortalPrincipalArn: access.principalArn,
          CertificateArn: ctx.input.certificateArn,
        }),
        tags: environmentTags(spec),
      });
      const start = (kind: StackKind) =>
        deployer.start(request(kind), { replaceRolledBack });

      const deployments: StackDeployment[] = [];
      const outputs: Record<string, Record<string, string>> = {};
      if (!wait) {
        deployments.push(...(await allOrReport(kinds.map(start))));
      } else {
        for (const level of [...new Set(kinds.map(k => DEPLOY_LEVEL[k]))]) {
          const started = await allOrReport(
            kinds.filter(k => DEPLOY_LEVEL[k] === level).map(start),
          );
          deployments.push(...started);
          const results: StackResult[] = await allOrReport(
            started.map(d => deployer.wait(d)),
          );
          results.forEach(r => (outputs[r.kind] = r.outputs));
        }
      }

      if (!wait && kinds.includes('edge')) {
        ctx.logger.info(
          "bpa:aws:wait attaches the node groups' Auto Scaling groups to the load balancer's target groups once the edge and cluster stacks are complete",
        );
      }
      if (outputs.edge) {
        ctx.output(
          'loadBalancerTargets',
          await attachEdgeTargets(ctx, clients, spec, outputs.edge),
        );
      }
      ctx.output('stacks', deployments);
      ctx.output('outputs', outputs);
      ctx.output('principalArn', access.principalArn);
    },
  });
}
