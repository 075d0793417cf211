import {
  AWSInterfaceEndpoint,
  AWSPrivateLinkConnection,
  AtlasApi,
  AtlasApiError,
  CloudDatabaseUser,
  ClusterDescription20240805,
  atlasRegionName,
} from '@internal/backstage-plugin-bpa-node';

/** How long Atlas's resources stay in their transitional states, in clock milliseconds. */
export interface FakeAtlasLatencies {
  /** CREATING → IDLE. */
  cluster: number;
  /** DELETING → gone. */
  clusterDeletion: number;
  /** The endpoint service, INITIATING → AVAILABLE. */
  endpointService: number;
  /** A registered interface endpoint, PENDING_ACCEPTANCE → AVAILABLE (or DELETING → gone). */
  interfaceEndpoint: number;
}

export interface FakeAtlasOptions {
  /**
   * Resources progress with time on this clock, after `latencyMs`; without
   * them, one state per `looksUntilReady` looks (tests that never wait).
   */
  clock?: { now(): number };
  latencyMs?: FakeAtlasLatencies;
}

const conflict = (errorCode: string, detail: string) =>
  new AtlasApiError({ operationId: 'fake', status: 409, errorCode, detail });

/**
 * An in-memory Atlas whose resources progress as Atlas's do (CREATING →
 * IDLE, INITIATING → AVAILABLE …): after a number of looks, or with time on
 * a clock. Every call is recorded by method name.
 */
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
  /** When each transitional state began, on the options' clock. */
  private readonly since = new Map<string, number>();

  constructor(private readonly options: FakeAtlasOptions = {}) {}

  count(method: string) {
    return this.calls.filter(c => c === method).length;
  }

  /** A resource entered a transitional state now. */
  private began(key: string) {
    if (this.options.clock) this.since.set(key, this.options.clock.now());
  }

  private readonly held = new Set<keyof FakeAtlasLatencies>();

  /** Keeps resources of a kind in their transitional state (CREATING…) until released: a test decides when Atlas is done. */
  hold(kind: keyof FakeAtlasLatencies) {
    this.held.add(kind);
  }

  /** Lets them finish: at once if their latency has passed meanwhile. */
  release(kind: keyof FakeAtlasLatencies) {
    this.held.delete(kind);
  }

  /** True once a transitional resource has waited long enough, or been looked at often enough. */
  private ready(key: string, latency: keyof FakeAtlasLatencies) {
    if (this.held.has(latency)) return false;
    const { clock, latencyMs } = this.options;
    if (clock && latencyMs) {
      return clock.now() - (this.since.get(key) ?? 0) >= latencyMs[latency];
    }
    const left = this.pending.get(key) ?? this.looksUntilReady;
    this.pending.set(key, left - 1);
    return left - 1 <= 0;
  }

  async getCluster(_groupId: string, name: string) {
    this.calls.push('getCluster');
    const cluster = this.clusters.get(name);
    if (!cluster) return undefined;
    if (
      cluster.stateName === 'CREATING' &&
      this.ready(`cluster/${name}`, 'cluster')
    ) {
      cluster.stateName = 'IDLE';
      cluster.connectionStrings = {
        standardSrv: `mongodb+srv://${name}.ab1cd.mongodb.net`,
      };
    }
    if (
      cluster.stateName === 'DELETING' &&
      this.ready(`cluster/${name}`, 'clusterDeletion')
    ) {
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
    this.began(`cluster/${name}`);
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
    this.began(`cluster/${name}`);
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
    if (
      service?.status === 'INITIATING' &&
      this.ready(`service/${id}`, 'endpointService')
    ) {
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
    this.began(`service/${id}`);
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
    this.began(`endpoint/${serviceId}/${request.id}`);
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
      this.ready(`endpoint/${key}`, 'interfaceEndpoint')
    ) {
      endpoint.connectionStatus = this.rejectEndpoints
        ? 'REJECTED'
        : 'AVAILABLE';
      if (this.rejectEndpoints)
        endpoint.errorMessage = 'The endpoint is in another AWS account';
    }
    if (
      endpoint.connectionStatus === 'DELETING' &&
      this.ready(`endpoint/${key}`, 'interfaceEndpoint')
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
    this.began(`endpoint/${serviceId}/${id}`);
  }
}
