import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import {
  AtlasClusterStatus,
  ClusterStatus,
  STACK_KINDS,
  StackKind,
  StackStatus,
} from '@internal/backstage-plugin-bpa-common';
import { AtlasApi, describeStack } from '@internal/backstage-plugin-bpa-node';
import {
  NOT_FOUND,
  atlasClusterLevel,
  eksClusterLevel,
  stackLevel,
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
