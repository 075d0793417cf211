import os from 'node:os';
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
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { JsonObject } from '@backstage/types';
import { capturingLogger } from '@internal/backstage-plugin-bpa-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  AWSInterfaceEndpoint,
  AWSPrivateLinkConnection,
  AtlasApi,
  AtlasApiError,
  AtlasAwsClients,
  AtlasClock,
  CloudDatabaseUser,
  ClusterDescription20240805,
  atlasRegionName,
} from '@internal/backstage-plugin-bpa-node';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Test doubles for the Atlas actions: an in-memory Atlas whose resources
 * progress as Atlas's do (CREATING → IDLE, INITIATING → AVAILABLE …) one
 * step per look, AWS clients mocked with aws-sdk-client-mock over a small
 * state, a clock that never waits, and a logger that keeps every line.
 */

const conflict = (errorCode: string, detail: string) =>
  new AtlasApiError({ operationId: 'fake', status: 409, errorCode, detail });

export class FakeAtlas implements AtlasApi {
  /** Every call, by method name, in order. */
  readonly calls: string[] = [];
  readonly clusters = new Map<string, ClusterDescription20240805>();
  readonly users = new Map<string, CloudDatabaseUser>();
  readonly services = new Map<string, AWSPrivateLinkConnection>();
  readonly endpoints = new Map<string, AWSInterfaceEndpoint>();
  /** What listGroupClusterProviderRegions and getGroupMongoDbVersions answer. */
  offering = {
    tiers: {
      M30: ['US_EAST_1', 'EU_WEST_1'],
      M40: ['US_EAST_1', 'EU_WEST_1'],
    } as Record<string, string[]>,
    versions: ['7.0', '8.0'],
  };
  /** Looks a resource stays in its transitional state. */
  looksUntilReady = 2;
  /** Atlas rejects registered endpoints (e.g. wrong account). */
  rejectEndpoints = false;
  private readonly pending = new Map<string, number>();

  count(method: string) {
    return this.calls.filter(c => c === method).length;
  }

  /** True once a transitional resource has been looked at often enough. */
  private ready(key: string) {
    const left = this.pending.get(key) ?? this.looksUntilReady;
    this.pending.set(key, left - 1);
    return left - 1 <= 0;
  }

  async getCluster(_groupId: string, name: string) {
    this.calls.push('getCluster');
    const cluster = this.clusters.get(name);
    if (!cluster) return undefined;
    if (cluster.stateName === 'CREATING' && this.ready(`cluster/${name}`)) {
      cluster.stateName = 'IDLE';
      cluster.connectionStrings = {
        standardSrv: `mongodb+srv://${name}.ab1cd.mongodb.net`,
      };
    }
    if (cluster.stateName === 'DELETING' && this.ready(`cluster/${name}`)) {
      this.clusters.delete(name);
      return undefined;
    }
    const available = [...this.endpoints.entries()].filter(
      ([, e]) => e.connectionStatus === 'AVAILABLE',
    );
    const privateEndpoint =
      cluster.stateName === 'IDLE' && available.length
        ? [
            {
              type: 'MONGOD' as const,
              srvConnectionString: `mongodb+srv://${name}-pl-0.ab1cd.mongodb.net`,
              endpoints: available.map(([key]) => ({
                endpointId: key.split('/')[1],
                providerName: 'AWS' as const,
                region: 'US_EAST_1',
              })),
            },
          ]
        : undefined;
    return structuredClone(
      privateEndpoint
        ? {
            ...cluster,
            connectionStrings: {
              ...cluster.connectionStrings,
              privateEndpoint,
            },
          }
        : cluster,
    );
  }

  async createCluster(_groupId: string, cluster: ClusterDescription20240805) {
    this.calls.push('createCluster');
    const name = cluster.name!;
    if (this.clusters.has(name)) {
      throw conflict(
        'DUPLICATE_CLUSTER_NAME',
        `A cluster named ${name} is already present.`,
      );
    }
    const created = {
      ...structuredClone(cluster),
      stateName: 'CREATING' as const,
      mongoDBVersion: `${cluster.mongoDBMajorVersion}.4`,
    };
    this.clusters.set(name, created);
    return structuredClone(created);
  }

  async updateCluster(
    _groupId: string,
    name: string,
    change: ClusterDescription20240805,
  ) {
    this.calls.push('updateCluster');
    const cluster = this.clusters.get(name)!;
    Object.assign(cluster, change);
    return structuredClone(cluster);
  }

  async deleteCluster(_groupId: string, name: string) {
    this.calls.push('deleteCluster');
    const cluster = this.clusters.get(name)!;
    if (cluster.terminationProtectionEnabled) {
      throw new AtlasApiError({
        operationId: 'deleteGroupCluster',
        status: 400,
        errorCode:
          'CANNOT_TERMINATE_CLUSTER_WHEN_TERMINATION_PROTECTION_ENABLED',
      });
    }
    cluster.stateName = 'DELETING';
  }

  async listProviderRegions(_groupId: string, tier: string) {
    this.calls.push('listProviderRegions');
    return {
      results: [
        {
          provider: 'AWS' as const,
          instanceSizes: Object.entries(this.offering.tiers)
            .filter(([name]) => name === tier)
            .map(([name, regions]) => ({
              name,
              availableRegions: regions.map(r => ({ name: r })),
            })),
        },
      ],
    };
  }

  async listMongoDBVersions() {
    this.calls.push('listMongoDBVersions');
    return {
      results: this.offering.versions.map(version => ({
        cloudProvider: 'AWS',
        version,
      })),
    };
  }

  async getDatabaseUser(_groupId: string, username: string) {
    this.calls.push('getDatabaseUser');
    const user = this.users.get(username);
    if (!user) return undefined;
    const { password: _writeOnly, ...visible } = user;
    return structuredClone(visible);
  }

  async createDatabaseUser(_groupId: string, user: CloudDatabaseUser) {
    this.calls.push('createDatabaseUser');
    if (this.users.has(user.username)) {
      throw conflict(
        'USER_ALREADY_EXISTS',
        `The user ${user.username} already exists.`,
      );
    }
    this.users.set(user.username, structuredClone(user));
    return structuredClone(user);
  }

  async updateDatabaseUser(
    _groupId: string,
    username: string,
    user: CloudDatabaseUser,
  ) {
    this.calls.push('updateDatabaseUser');
    this.users.set(username, structuredClone(user));
    return structuredClone(user);
  }

  async deleteDatabaseUser(_groupId: string, username: string) {
    this.calls.push('deleteDatabaseUser');
    this.users.delete(username);
  }

  private lookAtService(id: string) {
    const service = this.services.get(id);
    if (service?.status === 'INITIATING' && this.ready(`service/${id}`)) {
      service.status = 'AVAILABLE';
      service.endpointServiceName = `com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718`;
    }
    return service && structuredClone(service);
  }

  async listEndpointServices() {
    this.calls.push('listEndpointServices');
    return [...this.services.keys()].map(id => this.lookAtService(id)!);
  }

  async createEndpointService(
    _groupId: string,
    request: { providerName: 'AWS'; region: string },
  ) {
    this.calls.push('createEndpointService');
    const id = `65${String(this.services.size + 1).padStart(22, '0')}`;
    const service: AWSPrivateLinkConnection = {
      cloudProvider: 'AWS',
      id,
      regionName: atlasRegionName(request.region),
      status: 'INITIATING',
      endpointServiceName: null,
      interfaceEndpoints: [],
    };
    this.services.set(id, service);
    return structuredClone(service);
  }

  async getEndpointService(_groupId: string, id: string) {
    this.calls.push('getEndpointService');
    return this.lookAtService(id);
  }

  async deleteEndpointService(_groupId: string, id: string) {
    this.calls.push('deleteEndpointService');
    this.services.delete(id);
  }

  async createInterfaceEndpoint(
    _groupId: string,
    serviceId: string,
    request: { id: string },
  ) {
    this.calls.push('createInterfaceEndpoint');
    const endpoint: AWSInterfaceEndpoint = {
      cloudProvider: 'AWS',
      connectionStatus: 'PENDING_ACCEPTANCE',
    };
    this.endpoints.set(`${serviceId}/${request.id}`, endpoint);
    this.services.get(serviceId)!.interfaceEndpoints!.push(request.id);
    return structuredClone(endpoint);
  }

  async getInterfaceEndpoint(_groupId: string, serviceId: string, id: string) {
    this.calls.push('getInterfaceEndpoint');
    const key = `${serviceId}/${id}`;
    const endpoint = this.endpoints.get(key);
    if (!endpoint) return undefined;
    if (
      endpoint.connectionStatus === 'PENDING_ACCEPTANCE' &&
      this.ready(`endpoint/${key}`)
    ) {
      endpoint.connectionStatus = this.rejectEndpoints
        ? 'REJECTED'
        : 'AVAILABLE';
      if (this.rejectEndpoints)
        endpoint.errorMessage = 'The endpoint is in another AWS account';
    }
    if (
      endpoint.connectionStatus === 'DELETING' &&
      this.ready(`endpoint/${key}`)
    ) {
      this.endpoints.delete(key);
      const service = this.services.get(serviceId)!;
      service.interfaceEndpoints = service.interfaceEndpoints!.filter(
        e => e !== id,
      );
      return undefined;
    }
    return structuredClone(endpoint);
  }

  async deleteInterfaceEndpoint(
    _groupId: string,
    serviceId: string,
    id: string,
  ) {
    this.calls.push('deleteInterfaceEndpoint');
    this.endpoints.get(`${serviceId}/${id}`)!.connectionStatus = 'DELETING';
  }
}

export const NETWORK_OUTPUTS = {
  VpcId: 'vpc-0123456789abcdef0',
  PrivateSubnetIds:
    'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3',
  AtlasEndpointSecurityGroupId: 'sg-0123456789abcdef0',
};

/** AWS clients mocked with aws-sdk-client-mock, over a small state: secrets, VPC endpoints, the network stack. */
export function fakeAws(
  options: { networkOutputs?: Record<string, string> } = {},
) {
  const clients: AtlasAwsClients = {
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
  };
  const secrets = new Map<string, string>();
  const deletedSecrets: string[] = [];
  const vpcEndpoints: VpcEndpoint[] = [];
  const arn = (name: string) =>
    `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

  const secretsManager = mockClient(clients.secretsManager);
  secretsManager.on(GetSecretValueCommand).callsFake(({ SecretId }) => {
    if (!secrets.has(SecretId)) {
      throw new ResourceNotFoundException({
        message: 'not found',
        $metadata: {},
      });
    }
    return {
      ARN: arn(SecretId),
      Name: SecretId,
      SecretString: secrets.get(SecretId),
    };
  });
  secretsManager.on(CreateSecretCommand).callsFake(({ Name, SecretString }) => {
    if (secrets.has(Name)) {
      throw new ResourceExistsException({ message: 'exists', $metadata: {} });
    }
    secrets.set(Name, SecretString);
    return { ARN: arn(Name), Name };
  });
  secretsManager
    .on(PutSecretValueCommand)
    .callsFake(({ SecretId, SecretString }) => {
      secrets.set(SecretId, SecretString);
      return { ARN: arn(SecretId), Name: SecretId };
    });
  secretsManager.on(DeleteSecretCommand).callsFake(({ SecretId }) => {
    deletedSecrets.push(SecretId);
    secrets.delete(SecretId);
    return { ARN: arn(SecretId) };
  });

  const ec2 = mockClient(clients.ec2);
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake(({ Filters = [], VpcEndpointIds }) => ({
      VpcEndpoints: structuredClone(
        vpcEndpoints.filter(
          e =>
            (!VpcEndpointIds || VpcEndpointIds.includes(e.VpcEndpointId)) &&
            Filters.every((f: { Name: string; Values: string[] }) => {
              if (f.Name === 'vpc-id') return f.Values.includes(e.VpcId!);
              if (f.Name === 'service-name')
                return f.Values.includes(e.ServiceName!);
              if (f.Name.startsWith('tag:')) {
                const key = f.Name.slice(4);
                return (e.Tags ?? []).some(
                  t => t.Key === key && f.Values.includes(t.Value!),
                );
              }
              throw new Error(`fake EC2 does not know filter ${f.Name}`);
            }),
        ),
      ),
    }));
  ec2.on(CreateVpcEndpointCommand).callsFake(input => {
    const endpoint: VpcEndpoint = {
      VpcEndpointId: `vpce-0${String(vpcEndpoints.length + 1).padStart(
        16,
        '0',
      )}`,
      VpcEndpointType: input.VpcEndpointType,
      VpcId: input.VpcId,
      ServiceName: input.ServiceName,
      SubnetIds: input.SubnetIds,
      // EC2 answers in lower camel case, whatever the SDK's enum says.
      State: 'pendingAcceptance' as VpcEndpoint['State'],
      Tags: input.TagSpecifications?.[0]?.Tags,
    };
    vpcEndpoints.push(endpoint);
    return { VpcEndpoint: structuredClone(endpoint) };
  });
  ec2.on(DeleteVpcEndpointsCommand).callsFake(({ VpcEndpointIds }) => {
    for (const e of vpcEndpoints) {
      if (VpcEndpointIds.includes(e.VpcEndpointId))
        e.State = 'deleted' as VpcEndpoint['State'];
    }
    return { Unsuccessful: [] };
  });

  const cloudFormation = mockClient(clients.cloudFormation);
  cloudFormation.on(DescribeStacksCommand).callsFake(({ StackName }) => ({
    Stacks: [
      {
        StackName,
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: Object.entries(options.networkOutputs ?? NETWORK_OUTPUTS).map(
          ([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }),
        ),
      },
    ],
  }));

  return {
    clients,
    factory: async () => clients,
    secrets,
    deletedSecrets,
    vpcEndpoints,
    mocks: { secretsManager, ec2, cloudFormation },
  };
}

/** A clock whose sleeps pass at once. */
export function fakeClock(): AtlasClock & { elapsedMs(): number } {
  let now = 0;
  return {
    now: () => now,
    sleep: async ms => {
      now += ms;
    },
    elapsedMs: () => now,
  };
}

export { capturingLogger };

/**
 * Runs an action handler in a mock context and returns its outputs and log.
 * `checkpoints` persists between runs like a task's, to test resuming.
 */
export async function runAction(
  action: { handler(ctx: any): Promise<void> },
  input: JsonObject,
  options: { isDryRun?: boolean; checkpoints?: Map<string, unknown> } = {},
) {
  const { logger, lines } = capturingLogger();
  const checkpoints = options.checkpoints ?? new Map<string, unknown>();
  const ctx = {
    // A fixed workspace: these actions write no files, and a mock directory per run adds exit hooks.
    ...createMockActionContext({ input, logger, workspacePath: os.tmpdir() }),
    isDryRun: options.isDryRun ?? false,
    async checkpoint({ key, fn }: { key: string; fn: () => Promise<unknown> }) {
      if (checkpoints.has(key)) return checkpoints.get(key);
      const value = await fn();
      checkpoints.set(key, value);
      return value;
    },
  };
  const outputs: Record<string, unknown> = {};
  (ctx.output as jest.Mock).mockImplementation(
    (name: string, value: unknown) => {
      outputs[name] = value;
    },
  );
  let error: Error | undefined;
  try {
    await action.handler(ctx);
  } catch (e) {
    error = e as Error;
  }
  return { outputs, lines, error, checkpoints };
}
