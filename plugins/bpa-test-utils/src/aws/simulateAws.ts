import { mockClient } from 'aws-sdk-client-mock';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import {
  AttachLoadBalancerTargetGroupsCommand,
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DetachLoadBalancerTargetGroupsCommand,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
} from '@aws-sdk/client-eks';
import {
  ACMClient,
  DescribeCertificateCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-acm';
import { STSClient } from '@aws-sdk/client-sts';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { answer } from './answer';
import { SimulatedCloudFormation } from './cloudFormation';
import { SimulatedDatabases } from './databases';
import { simulateIdentity } from './identity';
import { SimulatedNodeGroups } from './nodeGroups';
import { TEST_PARAMETERS } from './fixtures';
import { SimulatedAwsOptions } from './options';
import { SimulatedSsm } from './ssm';
import { SimulatedLogs } from './logs';
import { SimulatedRds } from './rds';
import { SimulatedVpcEndpoints } from './vpcEndpoints';

/**
 * A simulated AWS account, installed with aws-sdk-client-mock so that every
 * SDK client the code under test builds talks to it: CloudFormation
 * (./cloudFormation), EKS node groups and Auto Scaling (./nodeGroups), STS
 * and IAM (./identity), ACM's certificate, SSM parameters (./ssm), RDS
 * snapshots (./rds) and instances of the stacks (./databases), VPC endpoints
 * (./vpcEndpoints), and the log groups stacks and EKS make (./logs), on the
 * clock of the options (./clock).
 */
/** The simulated AWS, wired into every CloudFormation, STS, IAM, EKS, Auto Scaling, ACM, SSM, RDS and EC2 client. */
export function simulateAws(options: SimulatedAwsOptions) {
  const cloudFormation = new SimulatedCloudFormation(options);
  const nodeGroups = new SimulatedNodeGroups(cloudFormation, options);
  const parameters = new SimulatedSsm();
  const rdsSnapshots = new SimulatedRds(cloudFormation);
  const logs = new SimulatedLogs(cloudFormation);
  const databases = new SimulatedDatabases(cloudFormation, options.region);
  const vpcEndpoints = new SimulatedVpcEndpoints();
  const cfn = mockClient(CloudFormationClient);
  const sts = mockClient(STSClient);
  const iam = mockClient(IAMClient);
  const eks = mockClient(EKSClient);
  const autoScaling = mockClient(AutoScalingClient);
  const acm = mockClient(ACMClient);
  const ssm = mockClient(SSMClient);
  const rds = mockClient(RDSClient);
  const ec2 = mockClient(EC2Client);
  const callerArn =
    options.callerArn ??
    `arn:aws:sts::${
      options.callerAccountId ?? options.accountId
    }:assumed-role/bpa-portal/backstage-session`;
  const handle = answer;

  cfn
    .on(DescribeStacksCommand)
    .callsFake(handle(i => cloudFormation.describeStacks(i)));
  cfn
    .on(DescribeStackEventsCommand)
    .callsFake(handle(i => cloudFormation.describeStackEvents(i)));
  cfn
    .on(GetTemplateCommand)
    .callsFake(handle(i => cloudFormation.getTemplate(i)));
  cfn
    .on(CreateChangeSetCommand)
    .callsFake(handle(i => cloudFormation.createChangeSet(i)));
  cfn
    .on(DescribeChangeSetCommand)
    .callsFake(handle(i => cloudFormation.describeChangeSet(i)));
  cfn
    .on(DeleteChangeSetCommand)
    .callsFake(handle(i => cloudFormation.deleteChangeSet(i)));
  cfn
    .on(ExecuteChangeSetCommand)
    .callsFake(handle(i => cloudFormation.executeChangeSet(i)));
  cfn
    .on(DeleteStackCommand)
    .callsFake(handle(i => cloudFormation.deleteStack(i)));

  eks
    .on(DescribeClusterCommand)
    .callsFake(handle(i => nodeGroups.describeCluster(i)));
  eks
    .on(DescribeNodegroupCommand)
    .callsFake(handle(i => nodeGroups.describeNodegroup(i)));
  autoScaling
    .on(DescribeAutoScalingGroupsCommand)
    .callsFake(handle(i => nodeGroups.describeAutoScalingGroups(i)));
  autoScaling
    .on(AttachLoadBalancerTargetGroupsCommand)
    .callsFake(handle(i => nodeGroups.attachLoadBalancerTargetGroups(i)));
  autoScaling
    .on(DetachLoadBalancerTargetGroupsCommand)
    .callsFake(handle(i => nodeGroups.detachLoadBalancerTargetGroups(i)));

  // ACM holds one certificate, issued and valid: the fixtures' (TEST_PARAMETERS).
  acm.on(DescribeCertificateCommand).callsFake(async ({ CertificateArn }) => {
    if (CertificateArn !== TEST_PARAMETERS.CertificateArn) {
      throw new ResourceNotFoundException({
        $metadata: {},
        message: `Could not find certificate ${CertificateArn}.`,
      });
    }
    return {
      Certificate: {
        CertificateArn,
        DomainName: 'bpa.example.com',
        Status: 'ISSUED',
        NotAfter: new Date(Date.now() + 365 * 86_400_000),
      },
    };
  });
  ssm
    .on(GetParameterCommand)
    .callsFake(handle(i => parameters.getParameter(i)));
  rds
    .on(DescribeDBSnapshotsCommand)
    .callsFake(handle(i => rdsSnapshots.describeDBSnapshots(i)));
  rds
    .on(DescribeDBInstancesCommand)
    .callsFake(handle(i => databases.describeDBInstances(i)));
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake(handle(i => vpcEndpoints.describeVpcEndpoints(i)));
  ec2
    .on(CreateVpcEndpointCommand)
    .callsFake(handle(i => vpcEndpoints.createVpcEndpoint(i)));
  ec2
    .on(DeleteVpcEndpointsCommand)
    .callsFake(handle(i => vpcEndpoints.deleteVpcEndpoints(i)));

  simulateIdentity(options, sts, iam, callerArn);

  const all: Array<{
    calls(): unknown[];
    resetHistory(): unknown;
    restore(): unknown;
  }> = [cfn, sts, iam, eks, autoScaling, acm, ssm, rds, ec2];
  return {
    cloudFormation,
    nodeGroups,
    ssm: parameters,
    rds: rdsSnapshots,
    logs,
    vpcEndpoints,
    mocks: { cfn, sts, iam, eks, autoScaling, acm, ssm, rds, ec2 },
    /** AWS API calls made so far, every service. */
    callCount: () => all.reduce((n, m) => n + m.calls().length, 0),
    /** CloudFormation calls so far, in order, by command name (`CreateChangeSet`). */
    cloudFormationCalls: () =>
      cfn.calls().map(c => {
        const command = c.args[0] as {
          constructor: { name: string };
          input: Record<string, any>;
        };
        return {
          command: command.constructor.name.replace(/Command$/, ''),
          input: command.input,
        };
      }),
    /** The inputs of every call of one command so far (`CreateChangeSet`, `DescribeNodegroup`), any service. */
    inputsOf: (command: string): Record<string, any>[] =>
      all
        .flatMap(m => m.calls() as Array<{ args: unknown[] }>)
        .map(
          c =>
            c.args[0] as {
              constructor: { name: string };
              input: Record<string, any>;
            },
        )
        .filter(c => c.constructor.name === `${command}Command`)
        .map(c => c.input),
    /** Forgets the calls made so far (the simulated account keeps its state). */
    resetHistory() {
      all.forEach(m => m.resetHistory());
    },
    restore() {
      all.forEach(m => m.restore());
    },
  };
}

export type SimulatedAws = ReturnType<typeof simulateAws>;
