import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateClusterCommand,
  CreateNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import {
  CreateTargetGroupCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { ConfigReader } from '@backstage/config';
import { DefaultAwsCredentialsManager } from '@backstage/integration-aws-node';
import {
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  motoAppConfig,
  recordingLogger,
  startMoto,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createKubernetesConnector } from '../kubernetes/connection';
import { EDGE_TARGET_GROUP_OUTPUTS } from '../plan/cloudformation';
import { awsClientFactoryFromConfig, AwsClients } from './clients';
import {
  attachNodeGroupsToTargetGroups,
  detachNodeGroupsFromTargetGroups,
} from './loadBalancerTargets';

/**
 * EKS (DescribeCluster for the connection, DescribeNodegroup for the load
 * balancer's targets) and Auto Scaling target group attach and detach,
 * against moto. moto's CloudFormation cannot create `AWS::EKS::*`, so the
 * cluster and node groups are made with EKS's own API; and moto's EKS names
 * a node group's Auto Scaling group without creating it (AWS does), so the
 * test creates that group under the name EKS reports.
 */
const region = 'us-east-1';
const CLUSTER = 'bpa-demo-eks';
const NODEGROUPS = ['bpa-demo-node-1', 'bpa-demo-node-2'];

let moto: MotoServer;
let clients: AwsClients;
let autoScaling: AutoScalingClient;
let targetGroupArns: string[];

beforeAll(async () => {
  moto = await startMoto({ asDefaultEndpoint: true });
  const sdk = {
    region,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  };
  clients = await awsClientFactoryFromConfig(
    new ConfigReader(motoAppConfig()),
    { endpoint: moto.endpoint, maxAttempts: 1 },
  ).forTarget({ accountId: MOTO_ACCOUNT_ID, region });
  autoScaling = new AutoScalingClient(sdk);
  const ec2 = new EC2Client(sdk);
  const eks = new EKSClient(sdk);
  const elb = new ElasticLoadBalancingV2Client(sdk);

  const { Vpc } = await ec2.send(
    new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }),
  );
  const subnets = await Promise.all(
    ['a', 'b'].map(async (zone, i) => {
      const { Subnet } = await ec2.send(
        new CreateSubnetCommand({
          VpcId: Vpc!.VpcId,
          CidrBlock: `10.0.${i}.0/24`,
          AvailabilityZone: `${region}${zone}`,
        }),
      );
      return Subnet!.SubnetId!;
    }),
  );
  await eks.send(
    new CreateClusterCommand({
      name: CLUSTER,
      roleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/bpa-demo-cluster`,
      resourcesVpcConfig: { subnetIds: subnets },
    }),
  );
  await autoScaling.send(
    new CreateLaunchConfigurationCommand({
      LaunchConfigurationName: 'eks-nodes',
      ImageId: 'ami-12c6146b',
      InstanceType: 'm5.large',
    }),
  );
  for (const nodegroupName of NODEGROUPS) {
    const { nodegroup } = await eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName,
        nodeRole: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/bpa-demo-node`,
        subnets,
      }),
    );
    for (const group of nodegroup!.resources!.autoScalingGroups!) {
      await autoScaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: group.name,
          LaunchConfigurationName: 'eks-nodes',
          MinSize: 1,
          MaxSize: 1,
          VPCZoneIdentifier: subnets.join(','),
        }),
      );
    }
  }
  // One target group per entry point of the edge stack.
  targetGroupArns = await Promise.all(
    EDGE_TARGET_GROUP_OUTPUTS.map(async (_output, i) => {
      const port = 30100 + i;
      const { TargetGroups } = await elb.send(
        new CreateTargetGroupCommand({
          Name: `bpa-demo-${port}`,
          Protocol: 'HTTPS',
          Port: port,
          VpcId: Vpc!.VpcId,
          TargetType: 'instance',
        }),
      );
      return TargetGroups![0].TargetGroupArn!;
    }),
  );
}, MOTO_TEST_TIMEOUT_MS);
afterAll(() => moto?.stop());

async function attachedTargetGroups(): Promise<string[][]> {
  const { AutoScalingGroups = [] } = await autoScaling.send(
    new DescribeAutoScalingGroupsCommand({}),
  );
  return AutoScalingGroups.map(g => [...(g.TargetGroupARNs ?? [])].sort());
}

describe('EKS and Auto Scaling on moto', () => {
  jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

  it('connects to the cluster from DescribeCluster: its endpoint and CA, an STS-signed token', async () => {
    const connector = createKubernetesConnector({
      credentialsManager: DefaultAwsCredentialsManager.fromConfig(
        new ConfigReader(motoAppConfig()),
      ),
    });

    const connection = await connector.connect({
      accountId: MOTO_ACCOUNT_ID,
      region,
      clusterName: CLUSTER,
    });
    const kc = await connection.kubeConfig();

    const cluster = kc.getCurrentCluster()!;
    expect(cluster.server).toMatch(/^https:\/\//);
    expect(cluster.caData).toBeTruthy();
    expect(kc.getCurrentUser()!.token).toMatch(/^k8s-aws-v1\./);
  });

  it("attaches every node group's Auto Scaling group to the target groups, once", async () => {
    const logger = recordingLogger();
    const attach = () =>
      attachNodeGroupsToTargetGroups({
        clients,
        environment: 'bpa-demo',
        clusterName: CLUSTER,
        nodegroups: NODEGROUPS,
        targetGroupArns,
        logger,
      });

    const first = await attach();

    expect(first.map(r => r.attachedTargetGroups)).toEqual([
      targetGroupArns,
      targetGroupArns,
    ]);
    expect(await attachedTargetGroups()).toEqual([
      [...targetGroupArns].sort(),
      [...targetGroupArns].sort(),
    ]);
    const again = await attach();
    expect(again.map(r => r.attachedTargetGroups)).toEqual([[], []]);
  });

  it('detaches them for the teardown, and finds nothing left to detach afterwards', async () => {
    const detach = () =>
      detachNodeGroupsFromTargetGroups({
        clients,
        environment: 'bpa-demo',
        clusterName: CLUSTER,
        nodegroups: NODEGROUPS,
        edgeOutputs: Object.fromEntries(
          EDGE_TARGET_GROUP_OUTPUTS.map((key, i) => [key, targetGroupArns[i]]),
        ),
        logger: recordingLogger(),
      });

    expect(await detach()).toHaveLength(2);
    expect(await attachedTargetGroups()).toEqual([[], []]);
    expect(await detach()).toEqual([]);
  });

  it('says a node group that does not exist is missing, naming it', async () => {
    const error = await attachNodeGroupsToTargetGroups({
      clients,
      environment: 'bpa-demo',
      clusterName: CLUSTER,
      nodegroups: ['bpa-demo-node-9'],
      targetGroupArns,
      logger: recordingLogger(),
    }).catch(e => e);

    expect(error.message).toContain(
      `EKS DescribeNodegroup ${CLUSTER}/bpa-demo-node-9 failed: ResourceNotFoundException`,
    );
  });
});
