import { createHash } from 'node:crypto';
import {
  AttachLoadBalancerTargetGroupsCommand,
  DescribeAutoScalingGroupsCommand,
  DetachLoadBalancerTargetGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand } from '@aws-sdk/client-eks';
import { EDGE_TARGET_GROUP_OUTPUTS } from '../plan/cloudformation';
import type { AwsClients } from './clients';
import type { Checkpoint } from './stackDeployer';
import type { ProgressLogger } from './stackEvents';

/** The IAM actions attaching the node groups to the load balancer needs. */
export const LOAD_BALANCER_TARGET_ACTIONS = [
  'autoscaling:AttachLoadBalancerTargetGroups',
  'autoscaling:DescribeAutoScalingGroups',
  'eks:DescribeNodegroup',
];

/** The IAM actions taking the node groups off the load balancer (teardown) needs. */
export const LOAD_BALANCER_DETACH_ACTIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DetachLoadBalancerTargetGroups',
  'eks:DescribeNodegroup',
];

/** A node group and what its Auto Scaling groups were given. */
export interface NodeGroupTargets {
  nodegroup: string;
  autoScalingGroups: string[];
  /** Target groups this run attached (those already attached are left out). */
  attachedTargetGroups: string[];
}

const reason = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** The edge stack's target group ARNs, from its outputs; fails naming a missing one. */
export function edgeTargetGroupArns(
  edgeOutputs: Record<string, string>,
  stackName: string,
): string[] {
  const missing = EDGE_TARGET_GROUP_OUTPUTS.filter(key => !edgeOutputs[key]);
  if (missing.length) {
    throw new Error(
      `Stack ${stackName} has no output ${missing.join(
        ', ',
      )}; is it fully deployed?`,
    );
  }
  return EDGE_TARGET_GROUP_OUTPUTS.map(key => edgeOutputs[key]);
}

/**
 * A node group's Auto Scaling groups; with `missingOk`, undefined for a node
 * group that does not exist (a teardown after the cluster went).
 */
async function nodegroupAutoScalingGroups(
  eks: AwsClients['eks'],
  clusterName: string,
  nodegroup: string,
  options: { missingOk: boolean },
): Promise<{ groups: string[]; status?: string } | undefined> {
  let found;
  try {
    found = await eks.send(
      new DescribeNodegroupCommand({ clusterName, nodegroupName: nodegroup }),
    );
  } catch (error) {
    if (
      options.missingOk &&
      (error as Error).name === 'ResourceNotFoundException'
    ) {
      return undefined;
    }
    throw new Error(
      `EKS DescribeNodegroup ${clusterName}/${nodegroup} failed: ${reason(
        error,
      )}`,
    );
  }
  return {
    groups: (found.nodegroup?.resources?.autoScalingGroups ?? [])
      .map(g => g.name)
      .filter((name): name is string => !!name),
    status: found.nodegroup?.status,
  };
}

async function autoScalingGroupsOf(
  eks: AwsClients['eks'],
  clusterName: string,
  nodegroup: string,
): Promise<string[]> {
  const { groups, status } = (await nodegroupAutoScalingGroups(
    eks,
    clusterName,
    nodegroup,
    { missingOk: false },
  ))!;
  if (!groups.length) {
    throw new Error(
      `EKS node group ${clusterName}/${nodegroup} has no Auto Scaling group yet (status ${
        status ?? 'unknown'
      }); run the step again once it is ACTIVE`,
    );
  }
  return groups;
}

async function attachedTargetGroups(
  autoScaling: AwsClients['autoScaling'],
  names: string[],
): Promise<Map<string, string[]>> {
  let found;
  try {
    found = await autoScaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }),
    );
  } catch (error) {
    throw new Error(
      `Auto Scaling DescribeAutoScalingGroups ${names.join(
        ', ',
      )} failed: ${reason(error)}`,
    );
  }
  return new Map(
    (found.AutoScalingGroups ?? []).map(g => [
      g.AutoScalingGroupName ?? '',
      g.TargetGroupARNs ?? [],
    ]),
  );
}

/** Attaches an Auto Scaling group to target groups, or detaches it from them. */
async function changeTargetGroups(
  autoScaling: AwsClients['autoScaling'],
  change: 'Attach' | 'Detach',
  group: string,
  targetGroupArns: string[],
): Promise<void> {
  const input = {
    AutoScalingGroupName: group,
    TargetGroupARNs: targetGroupArns,
  };
  try {
    await autoScaling.send(
      change === 'Attach'
        ? new AttachLoadBalancerTargetGroupsCommand(input)
        : new DetachLoadBalancerTargetGroupsCommand(input),
    );
  } catch (error) {
    throw new Error(
      `Auto Scaling ${change}LoadBalancerTargetGroups ${group} failed: ${reason(
        error,
      )}`,
    );
  }
}

/**
 * Puts the cluster's nodes behind the load balancer: EKS owns the node
 * groups' Auto Scaling groups, so CloudFormation cannot name them as
 * targets; each group is attached to every target group of the edge stack
 * (the groups then register their instances, now and when replaced).
 * Additive and idempotent: only missing attachments are made, each in its
 * own checkpoint.
 */
export async function attachNodeGroupsToTargetGroups(options: {
  clients: Pick<AwsClients, 'eks' | 'autoScaling'>;
  environment: string;
  clusterName: string;
  nodegroups: string[];
  targetGroupArns: string[];
  logger: ProgressLogger;
  checkpoint?: Checkpoint;
}): Promise<NodeGroupTargets[]> {
  const { clients, clusterName, targetGroupArns, logger } = options;
  const checkpoint: Checkpoint = options.checkpoint ?? ((_key, fn) => fn());
  const groupsByNodegroup = new Map<string, string[]>();
  for (const nodegroup of options.nodegroups) {
    groupsByNodegroup.set(
      nodegroup,
      await autoScalingGroupsOf(clients.eks, clusterName, nodegroup),
    );
  }
  const allGroups = [...groupsByNodegroup.values()].flat();
  const attached = await attachedTargetGroups(clients.autoScaling, allGroups);
  const unknown = allGroups.filter(n => !attached.has(n));
  if (unknown.length) {
    throw new Error(`Auto Scaling group ${unknown.join(', ')} does not exist`);
  }

  const result: NodeGroupTargets[] = [];
  for (const [nodegroup, groups] of groupsByNodegroup) {
    const made: string[] = [];
    for (const group of groups) {
      const missing = targetGroupArns.filter(
        arn => !attached.get(group)!.includes(arn),
      );
      if (!missing.length) continue;
      const digest = createHash('sha256')
        .update(missing.join(','))
        .digest('hex')
        .slice(0, 12);
      await checkpoint(
        `${options.environment}-edge-targets-${group}-${digest}`,
        async () => {
          await changeTargetGroups(
            clients.autoScaling,
            'Attach',
            group,
            missing,
          );
          return { attached: missing.length };
        },
      );
      made.push(...missing.filter(arn => !made.includes(arn)));
      logger.info(
        `Node group ${nodegroup}: Auto Scaling group ${group} attached to ${missing.join(
          ', ',
        )}`,
      );
    }
    if (!made.length) {
      logger.info(
        `Node group ${nodegroup}: Auto Scaling group ${groups.join(
          ', ',
        )} already behind the load balancer`,
      );
    }
    result.push({
      nodegroup,
      autoScalingGroups: groups,
      attachedTargetGroups: made,
    });
  }
  return result;
}

/**
 * Takes the cluster's nodes off the load balancer before its stack goes:
 * detaches every node group's Auto Scaling groups from the edge stack's
 * target groups, so no group is left naming a deleted target group. Node groups or
 * Auto Scaling groups already gone are skipped; idempotent.
 * Returns the Auto Scaling groups detached.
 */
export async function detachNodeGroupsFromTargetGroups(options: {
  clients: Pick<AwsClients, 'eks' | 'autoScaling'>;
  environment: string;
  clusterName: string;
  nodegroups: string[];
  /** The edge stack's outputs, which name its target groups. */
  edgeOutputs: Record<string, string>;
  logger: ProgressLogger;
  checkpoint?: Checkpoint;
}): Promise<string[]> {
  const { clients, clusterName, logger } = options;
  const targetGroupArns = EDGE_TARGET_GROUP_OUTPUTS.map(
    key => options.edgeOutputs[key],
  ).filter(Boolean);
  const checkpoint: Checkpoint = options.checkpoint ?? ((_key, fn) => fn());
  if (!targetGroupArns.length) return [];
  const names: string[] = [];
  for (const nodegroup of options.nodegroups) {
    const found = await nodegroupAutoScalingGroups(
      clients.eks,
      clusterName,
      nodegroup,
      { missingOk: true },
    );
    names.push(...(found?.groups ?? []));
  }
  if (!names.length) return [];
  const attachedNow = await attachedTargetGroups(clients.autoScaling, names);
  const detached: string[] = [];
  // Groups already gone are not in the answer: nothing to detach there.
  for (const [name, arns] of attachedNow) {
    const attached = arns.filter(arn => targetGroupArns.includes(arn));
    if (!name || !attached.length) continue;
    await checkpoint(`${options.environment}-edge-detach-${name}`, async () => {
      await changeTargetGroups(clients.autoScaling, 'Detach', name, attached);
      return { detached: attached.length };
    });
    detached.push(name);
    logger.info(
      `Auto Scaling group ${name} taken off the load balancer (${attached.join(
        ', ',
      )})`,
    );
  }
  return detached;
}
