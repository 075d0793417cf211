import {
  AttachLoadBalancerTargetGroupsCommandInput,
  DetachLoadBalancerTargetGroupsCommandInput,
  AutoScalingServiceException,
  DescribeAutoScalingGroupsCommandInput,
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeClusterCommandInput,
  DescribeNodegroupCommandInput,
  ResourceNotFoundException as EksResourceNotFoundException,
} from '@aws-sdk/client-eks';
import { SimulatedCloudFormation } from './cloudFormation';
import { SimulatedAwsOptions } from './options';

/**
 * EKS's clusters and node groups, and Auto Scaling's groups for the node
 * groups the simulated stacks hold: one Auto Scaling group each, named as
 * EKS names them, and the target groups attached to it.
 */
export class SimulatedNodeGroups {
  private readonly attached = new Map<string, string[]>();

  constructor(
    private readonly cloudFormation: SimulatedCloudFormation,
    private readonly options: Pick<
      SimulatedAwsOptions,
      'eksEndpoint' | 'region' | 'accountId'
    > = { region: 'us-east-1', accountId: '123456789012' },
  ) {}

  /** A cluster the stacks created: ACTIVE, at the configured endpoint (a lab API server) or a made-up one. */
  describeCluster(input: DescribeClusterCommandInput) {
    const found = this.cloudFormation
      .eksClusters()
      .find(c => c.name === input.name);
    if (!found) {
      throw new EksResourceNotFoundException({
        $metadata: { httpStatusCode: 404 },
        message: `No cluster found for name: ${input.name}.`,
      });
    }
    const { region, accountId, eksEndpoint } = this.options;
    return {
      cluster: {
        name: found.name,
        arn: `arn:aws:eks:${region}:${accountId}:cluster/${found.name}`,
        version: found.version,
        status: 'ACTIVE' as const,
        endpoint:
          eksEndpoint?.endpoint ??
          `https://${found.name}.gr7.${region}.eks.amazonaws.com`,
        certificateAuthority: { data: eksEndpoint?.caData ?? '' },
      },
    };
  }

  private groups() {
    return this.cloudFormation.nodegroups().map(ng => ({
      ...ng,
      autoScalingGroup: `eks-${ng.name}-${ng.stackId.split('/').pop()}`,
    }));
  }

  /** The target groups attached to an Auto Scaling group. */
  targetGroupsOf(autoScalingGroup: string): string[] {
    return this.attached.get(autoScalingGroup) ?? [];
  }

  /** Every node group's Auto Scaling group. */
  autoScalingGroups(): Record<string, string> {
    return Object.fromEntries(
      this.groups().map(g => [g.name, g.autoScalingGroup]),
    );
  }

  describeNodegroup(input: DescribeNodegroupCommandInput) {
    const found = this.groups().find(
      g => g.cluster === input.clusterName && g.name === input.nodegroupName,
    );
    if (!found) {
      throw new EksResourceNotFoundException({
        $metadata: { httpStatusCode: 404 },
        message: `No node group found for name: ${input.nodegroupName}.`,
      });
    }
    return {
      nodegroup: {
        nodegroupName: found.name,
        clusterName: found.cluster,
        status: 'ACTIVE' as const,
        resources: { autoScalingGroups: [{ name: found.autoScalingGroup }] },
      },
    };
  }

  describeAutoScalingGroups(input: DescribeAutoScalingGroupsCommandInput) {
    const names = new Set(input.AutoScalingGroupNames ?? []);
    return {
      AutoScalingGroups: this.groups()
        .filter(g => names.has(g.autoScalingGroup))
        .map(g => ({
          AutoScalingGroupName: g.autoScalingGroup,
          TargetGroupARNs: [...this.targetGroupsOf(g.autoScalingGroup)],
          MinSize: 1,
          MaxSize: 1,
          DesiredCapacity: 1,
          DefaultCooldown: 300,
          AvailabilityZones: [],
          HealthCheckType: 'EC2',
          CreatedTime: new Date(0),
        })),
    };
  }

  private requireGroup(group: string) {
    if (!this.groups().some(g => g.autoScalingGroup === group)) {
      throw new AutoScalingServiceException({
        name: 'ValidationError',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: `AutoScalingGroup name not found - AutoScalingGroup ${group} not found`,
      });
    }
  }

  attachLoadBalancerTargetGroups(
    input: AttachLoadBalancerTargetGroupsCommandInput,
  ) {
    const group = input.AutoScalingGroupName!;
    this.requireGroup(group);
    const current = this.targetGroupsOf(group);
    this.attached.set(group, [
      ...current,
      ...(input.TargetGroupARNs ?? []).filter(arn => !current.includes(arn)),
    ]);
    return {};
  }

  detachLoadBalancerTargetGroups(
    input: DetachLoadBalancerTargetGroupsCommandInput,
  ) {
    const group = input.AutoScalingGroupName!;
    this.requireGroup(group);
    const detach = input.TargetGroupARNs ?? [];
    this.attached.set(
      group,
      this.targetGroupsOf(group).filter(arn => !detach.includes(arn)),
    );
    return {};
  }
}
