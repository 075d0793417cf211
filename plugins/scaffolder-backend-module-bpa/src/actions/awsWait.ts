import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  LOAD_BALANCER_TARGET_ACTIONS,
  StackDeployment,
  verifyAwsAccess,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './awsWait.examples';
import {
  ATTACH_EDGE_TARGETS_NOTE,
  AwsActionOptions,
  allOrReport,
  attachEdgeTargets,
  stackDeployer,
} from './awsCommon';
import { loadBalancerTargetsOutput, parseSpecInput, specInput } from './util';

/** A stack to wait for: a record from bpa:aws:deploy, or just its kind (whatever it is doing now). */
type WaitTarget = StackKind | (Partial<StackDeployment> & { kind: StackKind });

function deploymentOf(
  target: WaitTarget,
  stackName: (kind: StackKind) => string,
): StackDeployment {
  if (typeof target === 'string') {
    return {
      kind: target,
      stackName: stackName(target),
      stackId: null,
      change: 'update',
      token: null,
    };
  }
  if (target.stackName && target.stackName !== stackName(target.kind)) {
    throw new InputError(
      `Stack ${target.stackName} is not this environment's ${
        target.kind
      } stack (${stackName(target.kind)})`,
    );
  }
  return {
    kind: target.kind,
    stackName: stackName(target.kind),
    stackId: target.stackId ?? null,
    change: target.change ?? 'update',
    token: target.token ?? null,
  };
}

/**
 * `bpa:aws:wait` — waits for stacks that `bpa:aws:deploy` started with
 * `wait: false`, all at once, with their progress in the task log; returns
 * their outputs, or fails naming every stack that failed and why. When the
 * edge stack is among them, the node groups' Auto Scaling groups are then
 * attached to its target groups (the cluster must be complete by then: wait
 * for both together).
 */
export function createAwsWaitAction(options: AwsActionOptions) {
  return createTemplateAction({
    id: 'bpa:aws:wait',
    description:
      "Waits for a BPA environment's CloudFormation stacks started by bpa:aws:deploy (wait: false), logging every resource transition, and returns their outputs; once the edge stack is complete, attaches the node groups' Auto Scaling groups to the load balancer's target groups.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        stacks: z =>
          z
            .array(
              z.union([
                z.enum(STACK_KINDS),
                z.object({
                  kind: z.enum(STACK_KINDS),
                  stackName: z.string().optional(),
                  stackId: z.string().nullable().optional(),
                  change: z.enum(['create', 'update', 'unchanged']).optional(),
                  token: z.string().nullable().optional(),
                }),
              ]),
            )
            .min(1)
            .describe(
              'The `stacks` output of bpa:aws:deploy, or stack kinds (network, cluster, data, registry, edge) to wait for whatever they are doing',
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
                status: z.string(),
              }),
            )
            .describe('Each stack and the status it ended in'),
        outputs: z =>
          z
            .record(z.string(), z.record(z.string(), z.string()))
            .describe('Stack outputs by stack kind (no secrets)'),
        loadBalancerTargets: loadBalancerTargetsOutput,
      },
    },
    async handler(ctx) {
      const spec = parseSpecInput(ctx.input.spec, options.supportedVersions);
      const names = resourceNames(spec);
      const deployments = ctx.input.stacks.map(t =>
        deploymentOf(t as WaitTarget, names.stack),
      );
      const withEdge = deployments.some(d => d.kind === 'edge');

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would wait for ${deployments
            .map(d => d.stackName)
            .join(', ')}${
            withEdge ? `, then ${ATTACH_EDGE_TARGETS_NOTE}` : ''
          }`,
        );
        ctx.output('stacks', []);
        ctx.output('outputs', {});
        return;
      }

      const clients = await options.clients.forTarget({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      await verifyAwsAccess({
        clients,
        environment: spec.name,
        actions: [
          'cloudformation:DescribeStackEvents',
          'cloudformation:DescribeStacks',
          ...(withEdge ? LOAD_BALANCER_TARGET_ACTIONS : []),
        ],
        operation: 'wait',
        logger: ctx.logger,
      });
      const deployer = stackDeployer(
        ctx,
        clients,
        options,
        ctx.input.timeoutMinutes,
      );
      const results = await allOrReport(deployments.map(d => deployer.wait(d)));
      ctx.output(
        'stacks',
        results.map(r => ({
          kind: r.kind,
          stackName: r.stackName,
          status: r.status,
        })),
      );
      const outputs = Object.fromEntries(results.map(r => [r.kind, r.outputs]));
      if (outputs.edge) {
        ctx.output(
          'loadBalancerTargets',
          await attachEdgeTargets(ctx, clients, spec, outputs.edge),
        );
      }
      ctx.output('outputs', outputs);
    },
  });
}
