import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
  VpcEndpoint,
} from '@aws-sdk/client-ec2';
import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { environmentTags } from '../plan/cloudformation/common';
import { NETWORK_EXPORTS } from '../plan/cloudformation/network';
import { AtlasAwsClients } from './aws';
import { AtlasApi } from './client';
import { atlasRegionOf } from './cluster';
import { AtlasStepContext } from './context';
import {
  AWSPrivateLinkConnection,
  CloudProviderEndpointServiceRequest,
  ClusterDescription20240805,
} from './types';
import { WaitOptions, waitUntil } from './wait';

/** What the PrivateLink endpoint needs from the environment's network stack. */
export interface AtlasEndpointNetwork {
  vpcId: string;
  /** One per zone: an interface endpoint takes one subnet per zone. */
  privateSubnetIds: string[];
  /** Admits the pod CIDR (and the VPC) on Atlas's private endpoint ports. */
  securityGroupId: string;
}

/** The PrivateLink connection of an environment to its Atlas cluster. */
export interface AtlasPrivateEndpoint {
  endpointServiceId: string;
  /** The AWS endpoint service Atlas exposes, `com.amazonaws.vpce.<region>.vpce-svc-…`. */
  endpointServiceName: string;
  vpcEndpointId: string;
  /** `mongodb+srv://…` through the endpoint; it carries no credentials. */
  privateConnectionString: string;
}

/**
 * EC2 states of a VPC endpoint that still exists or is on its way. Compared
 * in lower case: EC2 answers `pendingAcceptance`, the SDK's enum says
 * `PendingAcceptance`.
 */
const LIVE_VPC_ENDPOINT_STATES = [
  'pendingacceptance',
  'pending',
  'available',
  'partial',
];

/** Outputs of the network stack (`DescribeStacks`), by the keys the network template exports. */
export async function readAtlasEndpointNetwork(
  cloudFormation: CloudFormationClient,
  spec: EnvironmentSpec,
): Promise<AtlasEndpointNetwork> {
  const stackName = resourceNames(spec).stack('network');
  let outputs: Record<string, string>;
  try {
    const { Stacks } = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = Object.fromEntries(
      (Stacks?.[0]?.Outputs ?? []).map(o => [
        o.OutputKey ?? '',
        o.OutputValue ?? '',
      ]),
    );
  } catch (error) {
    throw new Error(
      `Could not read the outputs of network stack ${stackName} in ${
        spec.aws.region
      } (deploy the network stack before the Atlas private endpoint): ${
        (error as Error).message
      }`,
    );
  }
  const wanted = [
    NETWORK_EXPORTS.vpcId,
    NETWORK_EXPORTS.privateSubnetIds,
    NETWORK_EXPORTS.atlasEndpointSecurityGroupId,
  ];
  const missing = wanted.filter(key => !outputs[key]);
  if (missing.length) {
    throw new Error(
      `Network stack ${stackName} has no output ${missing.join(
        ', ',
      )}; is it fully deployed?`,
    );
  }
  return {
    vpcId: outputs[NETWORK_EXPORTS.vpcId],
    privateSubnetIds: outputs[NETWORK_EXPORTS.privateSubnetIds]
      .split(',')
      .map(s => s.trim())
      .filter(Boolean),
    securityGroupId: outputs[NETWORK_EXPORTS.atlasEndpointSecurityGroupId],
  };
}

/** The createGroupPrivateEndpointEndpointService body: AWS, in the environment's region. */
export function atlasEndpointServiceRequest(
  spec: EnvironmentSpec,
): CloudProviderEndpointServiceRequest {
  return { providerName: 'AWS', region: spec.aws.region };
}

/** Atlas answers `US_EAST_1`; accept `us-east-1` as well. */
const sameRegion = (atlasName: string | undefined, region: string) =>
  (atlasName ?? '').toUpperCase().replace(/-/g, '_') === region;

/** The project's AWS endpoint service in the environment's region, if there is one. */
export async function findAtlasEndpointService(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
): Promise<AWSPrivateLinkConnection | undefined> {
  const region = atlasRegionOf(spec);
  const services = await atlas.listEndpointServices(spec.atlas.projectId);
  return services.find(s => sameRegion(s.regionName, region));
}

/**
 * The endpoint service of the project in the region: Atlas allows one per
 * region and project, shared by every environment there, so an existing one
 * is reused.
 */
async function ensureEndpointService(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
): Promise<string> {
  const groupId = spec.atlas.projectId;
  const existing = await findAtlasEndpointService(atlas, spec);
  if (existing?.id) {
    if (existing.status === 'FAILED' || existing.status === 'DELETING') {
      throw new Error(
        `The Atlas private endpoint service ${
          existing.id
        } of project ${groupId} in ${spec.aws.region} is ${existing.status}${
          existing.errorMessage ? ` (${existing.errorMessage})` : ''
        }; remove it in Atlas (Network Access → Private Endpoint) and run the step again`,
      );
    }
    ctx.logger.info(
      `Reusing Atlas private endpoint service ${existing.id} in ${
        spec.aws.region
      } (${existing.status ?? 'status unknown'})`,
    );
    return existing.id;
  }
  return ctx.checkpoint(
    `atlas-endpoint-service-${groupId}-${spec.aws.region}`,
    async () => {
      ctx.logger.info(
        `Creating the Atlas private endpoint service of project ${groupId} in ${spec.aws.region}`,
      );
      const created = await atlas.createEndpointService(
        groupId,
        atlasEndpointServiceRequest(spec),
      );
      if (!created.id) {
        throw new Error(
          'Atlas created the private endpoint service but returned no id',
        );
      }
      return created.id;
    },
  );
}

/** Waits until Atlas has created the AWS endpoint service and named it. */
function waitForEndpointService(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  endpointServiceId: string,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<AWSPrivateLinkConnection> {
  return waitUntil(
    {
      subject: `Atlas private endpoint service ${endpointServiceId}`,
      goal: 'AVAILABLE',
      poll: () =>
        atlas.getEndpointService(spec.atlas.projectId, endpointServiceId),
      state: s => s?.status ?? 'missing',
      done: s => s?.status === 'AVAILABLE' && !!s.endpointServiceName,
      failure: s => {
        if (!s) return 'it no longer exists';
        if (s.status === 'FAILED' || s.status === 'DELETING') {
          return `it is ${s.status}${
            s.errorMessage ? `: ${s.errorMessage}` : ''
          }`;
        }
        return undefined;
      },
      onTimeout: 'Atlas keeps creating it; run the step again to keep waiting.',
    },
    options,
    ctx.logger,
    ctx.clock,
  ) as Promise<AWSPrivateLinkConnection>;
}

/** Live interface endpoints in the VPC to the Atlas endpoint service. */
async function findVpcEndpoints(
  ec2: EC2Client,
  filters: { vpcId?: string; serviceName: string; environment?: string },
): Promise<VpcEndpoint[]> {
  const { VpcEndpoints } = await ec2.send(
    new DescribeVpcEndpointsCommand({
      Filters: [
        { Name: 'service-name', Values: [filters.serviceName] },
        ...(filters.vpcId ? [{ Name: 'vpc-id', Values: [filters.vpcId] }] : []),
        ...(filters.environment
          ? [{ Name: 'tag:bpa:environment', Values: [filters.environment] }]
          : []),
      ],
    }),
  );
  return (VpcEndpoints ?? []).filter(e =>
    LIVE_VPC_ENDPOINT_STATES.includes((e.State ?? '').toLowerCase()),
  );
}

/**
 * The interface VPC endpoint in the private subnets: an existing one to the
 * same service in the VPC is reused; a new one is created with a client
 * token derived from the environment and service, so a retried call
 * returns the same endpoint.
 */
async function ensureVpcEndpoint(
  ec2: EC2Client,
  spec: EnvironmentSpec,
  network: AtlasEndpointNetwork,
  endpointServiceId: string,
  endpointServiceName: string,
  ctx: AtlasStepContext,
): Promise<string> {
  const [existing] = await findVpcEndpoints(ec2, {
    vpcId: network.vpcId,
    serviceName: endpointServiceName,
  });
  if (existing?.VpcEndpointId) {
    ctx.logger.info(
      `Reusing VPC endpoint ${existing.VpcEndpointId} to ${endpointServiceName} (${existing.State})`,
    );
    return existing.VpcEndpointId;
  }
  return ctx.checkpoint(
    `atlas-vpc-endpoint-${spec.name}-${endpointServiceId}`,
    async () => {
      ctx.logger.info(
        `Creating an interface VPC endpoint to ${endpointServiceName} in ${
          network.vpcId
        } (subnets ${network.privateSubnetIds.join(', ')}, security group ${
          network.securityGroupId
        })`,
      );
      const { VpcEndpoint: created } = await ec2.send(
        new CreateVpcEndpointCommand({
          VpcEndpointType: 'Interface',
          VpcId: network.vpcId,
          ServiceName: endpointServiceName,
          SubnetIds: network.privateSubnetIds,
          SecurityGroupIds: [network.securityGroupId],
          // Atlas publishes its own DNS records for private endpoints.
          PrivateDnsEnabled: false,
          ClientToken: `${spec.name}-atlas-${endpointServiceId}`,
          TagSpecifications: [
            {
              ResourceType: 'vpc-endpoint',
              Tags: Object.entries({
                ...environmentTags(spec),
                Name: `${spec.name}-atlas`,
              }).map(([Key, Value]) => ({ Key, Value })),
            },
          ],
        }),
      );
      if (!created?.VpcEndpointId) {
        throw new Error(
          `EC2 CreateVpcEndpoint to ${endpointServiceName} returned no endpoint id`,
        );
      }
      return created.VpcEndpointId;
    },
  );
}

/** Tells Atlas about the VPC endpoint (once) and waits for it to accept it. */
async function registerInterfaceEndpoint(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
  endpointServiceId: string,
  vpcEndpointId: string,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<void> {
  const groupId = spec.atlas.projectId;
  const registered = await atlas.getInterfaceEndpoint(
    groupId,
    endpointServiceId,
    vpcEndpointId,
  );
  if (!registered) {
    await ctx.checkpoint(
      `atlas-interface-endpoint-${groupId}-${endpointServiceId}-${vpcEndpointId}`,
      async () => {
        ctx.logger.info(
          `Registering VPC endpoint ${vpcEndpointId} with Atlas private endpoint service ${endpointServiceId}`,
        );
        await atlas.createInterfaceEndpoint(groupId, endpointServiceId, {
          id: vpcEndpointId,
        });
      },
    );
  }
  await waitUntil(
    {
      subject: `Atlas private endpoint ${vpcEndpointId}`,
      goal: 'AVAILABLE',
      poll: () =>
        atlas.getInterfaceEndpoint(groupId, endpointServiceId, vpcEndpointId),
      state: e => e?.connectionStatus ?? 'missing',
      done: e => e?.connectionStatus === 'AVAILABLE',
      failure: e => {
        if (!e) return 'Atlas no longer knows it';
        if (
          e.connectionStatus === 'REJECTED' ||
          e.connectionStatus === 'DELETING'
        ) {
          return `it is ${e.connectionStatus}${
            e.errorMessage ? `: ${e.errorMessage}` : ''
          }`;
        }
        return undefined;
      },
      onTimeout: 'Run the step again to keep waiting; it reuses the endpoint.',
    },
    options,
    ctx.logger,
    ctx.clock,
  );
}

/** The cluster's `mongodb+srv://` string through the given VPC endpoint, once Atlas publishes it. */
export function privateConnectionString(
  cluster: ClusterDescription20240805,
  vpcEndpointId: string,
): string | undefined {
  return cluster.connectionStrings?.privateEndpoint?.find(pe =>
    (pe.endpoints ?? []).some(e => e.endpointId === vpcEndpointId),
  )?.srvConnectionString;
}

/**
 * Connects the environment's VPC to its Atlas cluster over AWS PrivateLink:
 * endpoint service → its AWS service name → interface VPC endpoint in the
 * private subnets → registered with Atlas → `AVAILABLE` → the private
 * connection string of the cluster. Every step reuses what exists.
 */
export async function provisionAtlasPrivateEndpoint(
  atlas: AtlasApi,
  aws: Pick<AtlasAwsClients, 'ec2' | 'cloudFormation'>,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<AtlasPrivateEndpoint> {
  const clusterName = resourceNames(spec).atlasCluster;
  const missingCluster = `Atlas cluster ${clusterName} does not exist in project ${spec.atlas.projectId}; run bpa:atlas:cluster first`;
  if (!(await atlas.getCluster(spec.atlas.projectId, clusterName))) {
    throw new Error(missingCluster);
  }
  const network = await readAtlasEndpointNetwork(aws.cloudFormation, spec);
  const endpointServiceId = await ensureEndpointService(atlas, spec, ctx);
  const service = await waitForEndpointService(
    atlas,
    spec,
    endpointServiceId,
    ctx,
    options,
  );
  const endpointServiceName = service.endpointServiceName as string;
  const vpcEndpointId = await ensureVpcEndpoint(
    aws.ec2,
    spec,
    network,
    endpointServiceId,
    endpointServiceName,
    ctx,
  );
  await registerInterfaceEndpoint(
    atlas,
    spec,
    endpointServiceId,
    vpcEndpointId,
    ctx,
    options,
  );
  const cluster = await waitUntil(
    {
      subject: `Atlas cluster ${clusterName}'s private connection string`,
      goal: 'published',
      poll: () => atlas.getCluster(spec.atlas.projectId, clusterName),
      state: c => {
        if (!c) return 'missing';
        if (privateConnectionString(c, vpcEndpointId)) return 'published';
        return `not published yet (cluster ${c.stateName ?? 'state unknown'})`;
      },
      done: c => !!c && !!privateConnectionString(c, vpcEndpointId),
      failure: c => (c ? undefined : missingCluster),
      onTimeout:
        'Atlas publishes it once the cluster is deployed; run the step again to keep waiting.',
    },
    options,
    ctx.logger,
    ctx.clock,
  );
  return {
    endpointServiceId,
    endpointServiceName,
    vpcEndpointId,
    privateConnectionString: privateConnectionString(
      cluster as ClusterDescription20240805,
      vpcEndpointId,
    ) as string,
  };
}

/** What teardown removed. */
export interface AtlasPrivateEndpointRemoval {
  vpcEndpointIds: string[];
  endpointServiceDeleted: boolean;
}

/**
 * Removes the environment's private endpoint: Atlas's side first (Atlas
 * refuses to delete a service with endpoints), then the VPC endpoint (found
 * by the environment's tag), then the endpoint service if no other
 * environment's endpoint still uses it.
 */
export async function removeAtlasPrivateEndpoint(
  atlas: AtlasApi,
  ec2: EC2Client,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
  options: WaitOptions,
): Promise<AtlasPrivateEndpointRemoval> {
  const groupId = spec.atlas.projectId;
  const service = await findAtlasEndpointService(atlas, spec);
  if (!service?.id) {
    ctx.logger.info(
      `Atlas project ${groupId} has no private endpoint service in ${spec.aws.region}: nothing to remove`,
    );
    return { vpcEndpointIds: [], endpointServiceDeleted: false };
  }
  const serviceId = service.id;
  const serviceName = service.endpointServiceName;
  const ourEndpoints = () =>
    serviceName
      ? findVpcEndpoints(ec2, { serviceName, environment: spec.name })
      : Promise.resolve([]);
  const vpcEndpointIds = (await ourEndpoints()).map(
    e => e.VpcEndpointId as string,
  );

  for (const id of vpcEndpointIds) {
    if (await atlas.getInterfaceEndpoint(groupId, serviceId, id)) {
      await ctx.checkpoint(
        `atlas-interface-endpoint-delete-${serviceId}-${id}`,
        async () => {
          ctx.logger.info(`Removing private endpoint ${id} from Atlas`);
          await atlas.deleteInterfaceEndpoint(groupId, serviceId, id);
        },
      );
      await waitUntil(
        {
          subject: `Atlas private endpoint ${id}`,
          goal: 'removed',
          poll: () => atlas.getInterfaceEndpoint(groupId, serviceId, id),
          state: e => (e ? e.connectionStatus ?? 'present' : 'removed'),
          done: e => !e,
        },
        options,
        ctx.logger,
        ctx.clock,
      );
    }
    await ctx.checkpoint(`atlas-vpc-endpoint-delete-${id}`, async () => {
      ctx.logger.info(`Deleting VPC endpoint ${id}`);
      await ec2.send(new DeleteVpcEndpointsCommand({ VpcEndpointIds: [id] }));
    });
  }
  if (vpcEndpointIds.length) {
    // The VPC (network stack) cannot be deleted while the endpoint's interfaces remain.
    await waitUntil(
      {
        subject: `VPC endpoint ${vpcEndpointIds.join(', ')}`,
        goal: 'deleted',
        poll: ourEndpoints,
        state: left =>
          left.length ? left.map(e => e.State).join(', ') : 'deleted',
        done: left => left.length === 0,
      },
      options,
      ctx.logger,
      ctx.clock,
    );
  }

  const after = await atlas.getEndpointService(groupId, serviceId);
  const stillUsed = (after?.interfaceEndpoints ?? []).filter(
    id => !vpcEndpointIds.includes(id),
  );
  if (!after || stillUsed.length) {
    if (stillUsed.length) {
      ctx.logger.info(
        `Keeping Atlas private endpoint service ${serviceId}: other endpoints still use it (${stillUsed.join(
          ', ',
        )})`,
      );
    }
    return { vpcEndpointIds, endpointServiceDeleted: false };
  }
  await ctx.checkpoint(
    `atlas-endpoint-service-delete-${serviceId}`,
    async () => {
      ctx.logger.info(`Deleting Atlas private endpoint service ${serviceId}`);
      await atlas.deleteEndpointService(groupId, serviceId);
    },
  );
  return { vpcEndpointIds, endpointServiceDeleted: true };
}
