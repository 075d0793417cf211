import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  AtlasClusterStatus,
  ClusterStatus,
  DatabaseStatus,
  PrivateEndpointStatus,
  STACK_KINDS,
  StackKind,
  StackStatus,
} from '@internal/backstage-plugin-bpa-common';
import { AtlasApi, describeStack } from '@internal/backstage-plugin-bpa-node';
import {
  NOT_FOUND,
  atlasClusterLevel,
  databaseLevel,
  eksClusterLevel,
  stackLevel,
  vpcEndpointLevel,
} from './levels';

const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

async function readStack(
  cloudFormation: CloudFormationClient,
  kind: StackKind,
  stackName: string,
): Promise<StackStatus> {
  const stack = await describeStack(cloudFormation, stackName);
  const status = stack?.StackStatus ?? NOT_FOUND;
  return {
    kind,
    stackName,
    status,
    level: stackLevel(status),
    ...(stack?.StackStatusReason && { reason: stack.StackStatusReason }),
  };
}

/** Every stack of the environment, in deployment order. */
export function readStacks(
  cloudFormation: CloudFormationClient,
  stackName: (kind: StackKind) => string,
): Promise<StackStatus[]> {
  return Promise.all(
    STACK_KINDS.map(kind => readStack(cloudFormation, kind, stackName(kind))),
  );
}

export async function readEksCluster(
  eks: EKSClient,
  name: string,
): Promise<ClusterStatus> {
  try {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    const status = cluster?.status ?? NOT_FOUND;
    return {
      name,
      status,
      level: eksClusterLevel(status),
      ...(cluster?.version && { kubernetesVersion: cluster.version }),
    };
  } catch (error) {
    if ((error as Error)?.name === 'ResourceNotFoundException') {
      return { name, status: NOT_FOUND, level: 'absent' };
    }
    throw new Error(`DescribeCluster ${name}: ${messageOf(error)}`);
  }
}

export async function readAtlasCluster(
  atlas: Pick<AtlasApi, 'getCluster'>,
  projectId: string,
  name: string,
): Promise<AtlasClusterStatus> {
  // AtlasApiError messages name the operation and Atlas's error code already.
  const cluster = await atlas.getCluster(projectId, name);
  const status = cluster ? cluster.stateName ?? 'UNKNOWN' : NOT_FOUND;
  return {
    name,
    status,
    level: atlasClusterLevel(status),
    ...(cluster?.mongoDBVersion && { mongoDBVersion: cluster.mongoDBVersion }),
  };
}

/** The RDS instance: its status, and the zones of the primary and (Multi-AZ) the standby. */
export async function readDatabase(
  rds: RDSClient,
  identifier: string,
): Promise<DatabaseStatus> {
  try {
    const { DBInstances } = await rds.send(
      new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }),
    );
    const instance = DBInstances?.[0];
    const status = instance?.DBInstanceStatus ?? NOT_FOUND;
    return {
      identifier,
      status,
      level: databaseLevel(status),
      ...(instance?.AvailabilityZone && { zone: instance.AvailabilityZone }),
      ...(instance?.MultiAZ &&
        instance.SecondaryAvailabilityZone && {
          standbyZone: instance.SecondaryAvailabilityZone,
        }),
    };
  } catch (error) {
    if ((error as Error)?.name === 'DBInstanceNotFoundFault') {
      return { identifier, status: NOT_FOUND, level: 'absent' };
    }
    throw new Error(`DescribeDBInstances ${identifier}: ${messageOf(error)}`);
  }
}

/**
 * The environment's interface endpoint to Atlas: bpa:atlas:private-endpoint
 * tags it with the environment and names it `<environment>-atlas`.
 */
export async function readPrivateEndpoint(
  ec2: EC2Client,
  environment: string,
): Promise<PrivateEndpointStatus> {
  let endpoints;
  try {
    ({ VpcEndpoints: endpoints } = await ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: 'tag:bpa:environment', Values: [environment] },
          { Name: 'tag:Name', Values: [`${environment}-atlas`] },
        ],
      }),
    ));
  } catch (error) {
    throw new Error(`DescribeVpcEndpoints: ${messageOf(error)}`);
  }
  // A deleted endpoint lingers in the answers for a while: it is not there.
  const endpoint = (endpoints ?? []).find(
    e => (e.State ?? '').toLowerCase() !== 'deleted',
  );
  const status = endpoint?.State ?? NOT_FOUND;
  return {
    ...(endpoint?.VpcEndpointId && { id: endpoint.VpcEndpointId }),
    status,
    level: vpcEndpointLevel(status),
  };
}
