import {
  AttachLoadBalancerTargetGroupsCommand,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { recordingLogger } from '@internal/backstage-plugin-bpa-test-utils';
import {
  attachNodeGroupsToTargetGroups,
  edgeTargetGroupArns,
} from './loadBalancerTargets';

const HTTPS =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bpa-demo-https/1a2b3c4d5e6f7a8b';
const PORT_30101 =
  'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/bpa-demo-30101/8b7a6f5e4d3c2b1a';

const eks = mockClient(EKSClient);
const autoScaling = mockClient(AutoScalingClient);

function nodegroup(name: string, groups: string[], status = 'ACTIVE') {
  eks
    .on(DescribeNodegroupCommand, {
      clusterName: 'bpa-demo-eks',
      nodegroupName: name,
    })
    .resolves({
      nodegroup: {
        nodegroupName: name,
        status: status as 'ACTIVE',
        resources: { autoScalingGroups: groups.map(g => ({ name: g })) },
      },
    });
}

const attach = (
  nodegroups: string[],
  checkpoints = new Map<string, unknown>(),
) => {
  const logger = recordingLogger();
  return {
    logger,
    checkpoints,
    result: attachNodeGroupsToTargetGroups({
      clients: {
        eks: new EKSClient({ region: 'us-east-1' }),
        autoScaling: new AutoScalingClient({ region: 'us-east-1' }),
      },
      environment: 'bpa-demo',
      clusterName: 'bpa-demo-eks',
      nodegroups,
      targetGroupArns: [HTTPS, PORT_30101],
      logger,
      async checkpoint(key, fn) {
        if (!checkpoints.has(key)) checkpoints.set(key, await fn());
        return checkpoints.get(key) as any;
      },
    }),
  };
};

describe('attachNodeGroupsToTargetGroups', () => {
  beforeEach(() => {
    eks.reset();
    autoScaling.reset();
  });

  it('attaches each Auto Scaling group to the target groups it is not attached to yet', async () => {
    nodegroup('node-1', ['eks-node-1-aa']);
    nodegroup('node-2', ['eks-node-2-bb']);
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        {
          AutoScalingGroupName: 'eks-node-1-aa',
          TargetGroupARNs: [HTTPS],
        },
        {
          AutoScalingGroupName: 'eks-node-2-bb',
          TargetGroupARNs: [HTTPS, PORT_30101],
        },
      ] as any,
    });
    autoScaling.on(AttachLoadBalancerTargetGroupsCommand).resolves({});

    const { result, logger, checkpoints } = attach(['node-1', 'node-2']);

    expect(await result).toEqual([
      {
        nodegroup: 'node-1',
        autoScalingGroups: ['eks-node-1-aa'],
        attachedTargetGroups: [PORT_30101],
      },
      {
        nodegroup: 'node-2',
        autoScalingGroups: ['eks-node-2-bb'],
        attachedTargetGroups: [],
      },
    ]);
    expect(
      autoScaling
        .commandCalls(AttachLoadBalancerTargetGroupsCommand)
        .map(c => c.args[0].input),
    ).toEqual([
      { AutoScalingGroupName: 'eks-node-1-aa', TargetGroupARNs: [PORT_30101] },
    ]);
    expect([...checkpoints.keys()]).toEqual([
      expect.stringMatching(
        /^bpa-demo-edge-targets-eks-node-1-aa-[0-9a-f]{12}$/,
      ),
    ]);
    expect(logger.messages()).toEqual([
      `Node group node-1: Auto Scaling group eks-node-1-aa attached to ${PORT_30101}`,
      'Node group node-2: Auto Scaling group eks-node-2-bb already behind the load balancer',
    ]);
  });

  it('stops before attaching anything while a node group has no Auto Scaling group yet', async () => {
    nodegroup('node-1', ['eks-node-1-aa']);
    nodegroup('node-2', [], 'CREATING');

    await expect(attach(['node-1', 'node-2']).result).rejects.toThrow(
      'EKS node group bpa-demo-eks/node-2 has no Auto Scaling group yet (status CREATING); run the step again once it is ACTIVE',
    );
    expect(autoScaling.calls()).toEqual([]);
  });

  it('fails naming the Auto Scaling call and group when AWS refuses', async () => {
    nodegroup('node-1', ['eks-node-1-aa']);
    autoScaling.on(DescribeAutoScalingGroupsCommand).resolves({
      AutoScalingGroups: [
        { AutoScalingGroupName: 'eks-node-1-aa', TargetGroupARNs: [] },
      ] as any,
    });
    const denied = new Error(
      'User is not authorized to perform: autoscaling:AttachLoadBalancerTargetGroups',
    );
    denied.name = 'AccessDenied';
    autoScaling.on(AttachLoadBalancerTargetGroupsCommand).rejects(denied);

    await expect(attach(['node-1']).result).rejects.toThrow(
      'Auto Scaling AttachLoadBalancerTargetGroups eks-node-1-aa failed: AccessDenied: User is not authorized',
    );
  });
});

describe('edgeTargetGroupArns', () => {
  it("reads the edge stack's target group outputs, or names the missing one", () => {
    expect(
      edgeTargetGroupArns(
        {
          LoadBalancerDnsName: 'bpa-demo-alb-1.us-east-1.elb.amazonaws.com',
          HttpsTargetGroupArn: HTTPS,
          Port30101TargetGroupArn: PORT_30101,
        },
        'bpa-demo-edge',
      ),
    ).toEqual([HTTPS, PORT_30101]);
    expect(() =>
      edgeTargetGroupArns({ HttpsTargetGroupArn: HTTPS }, 'bpa-demo-edge'),
    ).toThrow(
      'Stack bpa-demo-edge has no output Port30101TargetGroupArn; is it fully deployed?',
    );
  });
});
