import { AtlasApiError, atlasApiErrorFrom } from './errors';
import {
  AtlasAuthenticator,
  AtlasCredentials,
  createAuthenticator,
} from './auth';
import {
  AWSInterfaceEndpoint,
  AWSPrivateLinkConnection,
  CloudDatabaseUser,
  CloudProviderEndpointServiceRequest,
  ClusterDescription20240805,
  CreateAWSEndpointRequest,
  PaginatedApiAtlasProviderRegionsView,
  PaginatedAvailableVersionView,
} from './types';

export const ATLAS_BASE_URL = 'https://cloud.mongodb.com';

/** Retries of throttled (429) and failed (5xx) calls. */
export interface AtlasRetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff when Atlas sends no `Retry-After`; doubles per retry. */
  baseDelayMs: number;
  /** Longest single wait, also for a `Retry-After` asking for more. */
  maxDelayMs: number;
}

export const DEFAULT_ATLAS_RETRY_POLICY: AtlasRetryPolicy = {
  maxRetries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
};

export interface AtlasClientOptions {
  credentials: AtlasCredentials;
  /** Defaults to {@link ATLAS_BASE_URL}; a Prism mock in contract tests. */
  baseUrl?: string;
  retry?: Partial<AtlasRetryPolicy>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** The Atlas operations BPA uses; {@link AtlasClient} implements it, tests may fake it. */
export interface AtlasApi {
  getCluster(
    groupId: string,
    clusterName: string,
  ): Promise<ClusterDescription20240805 | undefined>;
  createCluster(
    groupId: string,
    cluster: ClusterDescription20240805,
  ): Promise<ClusterDescription20240805>;
  updateCluster(
    groupId: string,
    clusterName: string,
    change: ClusterDescription20240805,
  ): Promise<ClusterDescription20240805>;
  deleteCluster(groupId: string, clusterName: string): Promise<void>;
  listProviderRegions(
    groupId: string,
    tier: string,
  ): Promise<PaginatedApiAtlasProviderRegionsView>;
  listMongoDBVersions(
    groupId: string,
    tier: string,
  ): Promise<PaginatedAvailableVersionView>;
  getDatabaseUser(
    groupId: string,
    username: string,
  ): Promise<CloudDatabaseUser | undefined>;
  createDatabaseUser(
    groupId: string,
    user: CloudDatabaseUser,
  ): Promise<CloudDatabaseUser>;
  updateDatabaseUser(
    groupId: string,
    username: string,
    user: CloudDatabaseUser,
  ): Promise<CloudDatabaseUser>;
  deleteDatabaseUser(groupId: string, username: string): Promise<void>;
  listEndpointServices(groupId: string): Promise<AWSPrivateLinkConnection[]>;
  createEndpointService(
    groupId: string,
    request: CloudProviderEndpointServiceRequest,
  ): Promise<AWSPrivateLinkConnection>;
  getEndpointService(
    groupId: string,
    endpointServiceId: string,
  ): Promise<AWSPrivateLinkConnection | undefined>;
  deleteEndpointService(
    groupId: string,
    endpointServiceId: string,
  ): Promise<void>;
  createInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    request: CreateAWSEndpointRequest,
  ): Promise<AWSInterfaceEndpoint>;
  getInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    endpointId: string,
  ): Promise<AWSInterfaceEndpoint | undefined>;
  deleteInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    endpointId: string,
  ): Promise<void>;
}

interface Call {
  operationId: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** The resource version of this operation, `application/vnd.atlas.<version>+json`. */
  version: string;
  query?: Record<string, string>;
  body?: unknown;
}

const p = encodeURIComponent;
const RETRYABLE = (status: number) => status === 429 || status >= 500;

/** Milliseconds a `Retry-After` header (seconds or an HTTP date) asks for, if it is readable. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Atlas Admin API v2 client: versioned media types per operation, service
 * account or Digest auth, bounded retries of 429 and 5xx honouring
 * `Retry-After`, and {@link AtlasApiError}s carrying Atlas's error code.
 */
export class AtlasClient implements AtlasApi {
  private readonly baseUrl: string;
  private readonly retry: AtlasRetryPolicy;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly auth: AtlasAuthenticator;

  constructor(options: AtlasClientOptions) {
    this.baseUrl = (options.baseUrl ?? ATLAS_BASE_URL).replace(/\/+$/, '');
    this.retry = { ...DEFAULT_ATLAS_RETRY_POLICY, ...options.retry };
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.sleep =
      options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    this.auth = createAuthenticator(
      options.credentials,
      (operationId, url, init) => this.send(operationId, url, () => init),
      this.now,
    );
  }

  /** getGroupCluster; undefined when the project has no cluster of that name. */
  getCluster(groupId: string, clusterName: string) {
    return this.call<ClusterDescription20240805>(
      {
        operationId: 'getGroupCluster',
        method: 'GET',
        path: `/api/atlas/v2/groups/${p(groupId)}/clusters/${p(clusterName)}`,
        version: '2024-08-05', // newest version of getGroupCluster
      },
      { notFound: 'undefined' },
    );
  }

  /** createGroupCluster. */
  createCluster(groupId: string, cluster: ClusterDescription20240805) {
    return this.call<ClusterDescription20240805>({
      operationId: 'createGroupCluster',
      method: 'POST',
      path: `/api/atlas/v2/groups/${p(groupId)}/clusters`,
      // Same ClusterDescription20240805 schema as 2024-08-05, whose
      // createGroupCluster media type the spec sunsets on 2027-03-01.
      version: '2024-10-23',
      body: cluster,
    }) as Promise<ClusterDescription20240805>;
  }

  /** updateGroupCluster. */
  updateCluster(
    groupId: string,
    clusterName: string,
    change: ClusterDescription20240805,
  ) {
    return this.call<ClusterDescription20240805>({
      operationId: 'updateGroupCluster',
      method: 'PATCH',
      path: `/api/atlas/v2/groups/${p(groupId)}/clusters/${p(clusterName)}`,
      version: '2024-10-23', // 2024-08-05 is sunset on 2027-03-01
      body: change,
    }) as Promise<ClusterDescription20240805>;
  }

  /** deleteGroupCluster, keeping its backup snapshots: a deleted cluster's data stays restorable. */
  async deleteCluster(groupId: string, clusterName: string) {
    await this.call({
      operationId: 'deleteGroupCluster',
      method: 'DELETE',
      path: `/api/atlas/v2/groups/${p(groupId)}/clusters/${p(clusterName)}`,
      version: '2023-02-01', // 2023-01-01 is sunset on 2027-07-01
      query: { retainBackups: 'true' },
    });
  }

  /** listGroupClusterProviderRegions: the AWS regions offering a tier to this project. */
  listProviderRegions(groupId: string, tier: string) {
    return this.call<PaginatedApiAtlasProviderRegionsView>({
      operationId: 'listGroupClusterProviderRegions',
      method: 'GET',
      path: `/api/atlas/v2/groups/${p(groupId)}/clusters/provider/regions`,
      version: '2023-01-01',
      query: { providers: 'AWS', tier },
    }) as Promise<PaginatedApiAtlasProviderRegionsView>;
  }

  /** getGroupMongoDbVersions: the MongoDB major versions a tier on AWS offers this project. */
  listMongoDBVersions(groupId: string, tier: string) {
    return this.call<PaginatedAvailableVersionView>({
      operationId: 'getGroupMongoDbVersions',
      method: 'GET',
      path: `/api/atlas/v2/groups/${p(groupId)}/mongoDBVersions`,
      version: '2023-01-01',
      query: { cloudProvider: 'AWS', instanceSize: tier, itemsPerPage: '500' },
    }) as Promise<PaginatedAvailableVersionView>;
  }

  /** getGroupDatabaseUser (SCRAM users authenticate against `admin`). */
  getDatabaseUser(groupId: string, username: string) {
    return this.call<CloudDatabaseUser>(
      {
        operationId: 'getGroupDatabaseUser',
        method: 'GET',
        path: `/api/atlas/v2/groups/${p(groupId)}/databaseUsers/admin/${p(
          username,
        )}`,
        version: '2023-01-01',
      },
      { notFound: 'undefined' },
    );
  }

  /** createGroupDatabaseUser. */
  createDatabaseUser(groupId: string, user: CloudDatabaseUser) {
    return this.call<CloudDatabaseUser>({
      operationId: 'createGroupDatabaseUser',
      method: 'POST',
      path: `/api/atlas/v2/groups/${p(groupId)}/databaseUsers`,
      version: '2023-01-01',
      body: user,
    }) as Promise<CloudDatabaseUser>;
  }

  /** updateGroupDatabaseUser. */
  updateDatabaseUser(
    groupId: string,
    username: string,
    user: CloudDatabaseUser,
  ) {
    return this.call<CloudDatabaseUser>({
      operationId: 'updateGroupDatabaseUser',
      method: 'PATCH',
      path: `/api/atlas/v2/groups/${p(groupId)}/databaseUsers/admin/${p(
        username,
      )}`,
      version: '2023-01-01',
      body: user,
    }) as Promise<CloudDatabaseUser>;
  }

  /** deleteGroupDatabaseUser. */
  async deleteDatabaseUser(groupId: string, username: string) {
    await this.call({
      operationId: 'deleteGroupDatabaseUser',
      method: 'DELETE',
      path: `/api/atlas/v2/groups/${p(groupId)}/databaseUsers/admin/${p(
        username,
      )}`,
      version: '2023-01-01',
    });
  }

  /** listGroupPrivateEndpointEndpointService (AWS). */
  listEndpointServices(groupId: string) {
    return this.call<AWSPrivateLinkConnection[]>({
      operationId: 'listGroupPrivateEndpointEndpointService',
      method: 'GET',
      path: `/api/atlas/v2/groups/${p(
        groupId,
      )}/privateEndpoint/AWS/endpointService`,
      version: '2023-01-01',
    }) as Promise<AWSPrivateLinkConnection[]>;
  }

  /** createGroupPrivateEndpointEndpointService. */
  createEndpointService(
    groupId: string,
    request: CloudProviderEndpointServiceRequest,
  ) {
    return this.call<AWSPrivateLinkConnection>({
      operationId: 'createGroupPrivateEndpointEndpointService',
      method: 'POST',
      path: `/api/atlas/v2/groups/${p(
        groupId,
      )}/privateEndpoint/endpointService`,
      version: '2023-01-01',
      body: request,
    }) as Promise<AWSPrivateLinkConnection>;
  }

  /** getGroupPrivateEndpointEndpointService (AWS). */
  getEndpointService(groupId: string, endpointServiceId: string) {
    return this.call<AWSPrivateLinkConnection>(
      {
        operationId: 'getGroupPrivateEndpointEndpointService',
        method: 'GET',
        path: `/api/atlas/v2/groups/${p(
          groupId,
        )}/privateEndpoint/AWS/endpointService/${p(endpointServiceId)}`,
        version: '2023-01-01',
      },
      { notFound: 'undefined' },
    );
  }

  /** deleteGroupPrivateEndpointEndpointService (AWS). */
  async deleteEndpointService(groupId: string, endpointServiceId: string) {
    await this.call({
      operationId: 'deleteGroupPrivateEndpointEndpointService',
      method: 'DELETE',
      path: `/api/atlas/v2/groups/${p(
        groupId,
      )}/privateEndpoint/AWS/endpointService/${p(endpointServiceId)}`,
      version: '2023-01-01',
    });
  }

  /** createGroupPrivateEndpointEndpointServiceEndpoint (AWS): registers an interface VPC endpoint. */
  createInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    request: CreateAWSEndpointRequest,
  ) {
    return this.call<AWSInterfaceEndpoint>({
      operationId: 'createGroupPrivateEndpointEndpointServiceEndpoint',
      method: 'POST',
      path: `/api/atlas/v2/groups/${p(
        groupId,
      )}/privateEndpoint/AWS/endpointService/${p(endpointServiceId)}/endpoint`,
      version: '2023-01-01',
      body: request,
    }) as Promise<AWSInterfaceEndpoint>;
  }

  /** getGroupPrivateEndpointEndpointServiceEndpoint (AWS). */
  getInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    endpointId: string,
  ) {
    return this.call<AWSInterfaceEndpoint>(
      {
        operationId: 'getGroupPrivateEndpointEndpointServiceEndpoint',
        method: 'GET',
        path: `/api/atlas/v2/groups/${p(
          groupId,
        )}/privateEndpoint/AWS/endpointService/${p(
          endpointServiceId,
        )}/endpoint/${p(endpointId)}`,
        version: '2023-01-01',
      },
      { notFound: 'undefined' },
    );
  }

  /** deleteGroupPrivateEndpointEndpointServiceEndpoint (AWS). */
  async deleteInterfaceEndpoint(
    groupId: string,
    endpointServiceId: string,
    endpointId: string,
  ) {
    await this.call({
      operationId: 'deleteGroupPrivateEndpointEndpointServiceEndpoint',
      method: 'DELETE',
      path: `/api/atlas/v2/groups/${p(
        groupId,
      )}/privateEndpoint/AWS/endpointService/${p(
        endpointServiceId,
      )}/endpoint/${p(endpointId)}`,
      version: '2023-01-01',
    });
  }

  /** One operation: authenticated, retried, its body parsed; a 404 is `undefined` when asked. */
  private async call<T>(
    call: Call,
    options: { notFound?: 'undefined' } = {},
  ): Promise<T | undefined> {
    const query = call.query
      ? `?${new URLSearchParams(call.query).toString()}`
      : '';
    const uri = `${call.path}${query}`;
    const mediaType = `application/vnd.atlas.${call.version}+json`;
    const body =
      call.body === undefined ? undefined : JSON.stringify(call.body);
    const request = async (): Promise<RequestInit> => {
      const authorization = await this.auth.authorization(call.method, uri);
      return {
        method: call.method,
        headers: {
          Accept: mediaType,
          ...(body !== undefined ? { 'Content-Type': mediaType } : {}),
          ...(authorization ? { Authorization: authorization } : {}),
        },
        body,
      };
    };

    let response = await this.send(
      call.operationId,
      `${this.baseUrl}${uri}`,
      request,
    );
    if (response.status === 401 && (await this.auth.renew(response))) {
      response = await this.send(
        call.operationId,
        `${this.baseUrl}${uri}`,
        request,
      );
    }
    const text = await response.text();
    if (response.status === 404 && options.notFound === 'undefined') {
      return undefined;
    }
    if (!response.ok) {
      throw atlasApiErrorFrom(call.operationId, response.status, text);
    }
    return text ? (JSON.parse(text) as T) : undefined;
  }

  /**
   * Sends a request, retrying 429, 5xx and network failures up to the
   * policy's bound. Each attempt builds its request afresh: a Digest
   * answer may not be replayed.
   */
  private async send(
    operationId: string,
    url: string,
    request: () => RequestInit | Promise<RequestInit>,
  ): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= this.retry.maxRetries;
      // Outside the try: a failed token request is not a network failure to retry here.
      const init = await request();
      let response: Response;
      try {
        response = await this.fetchFn(url, init);
      } catch (error) {
        if (last) {
          throw new AtlasApiError({
            operationId,
            status: 0,
            errorCode: 'UNREACHABLE',
            detail: `${new URL(url).origin} could not be reached: ${
              (error as Error).message
            }`,
          });
        }
        await this.sleep(this.backoff(attempt));
        continue;
      }
      if (!RETRYABLE(response.status) || last) {
        return response;
      }
      const wait =
        retryAfterMs(response.headers.get('retry-after'), this.now()) ??
        this.backoff(attempt);
      // Drain the body so the connection is reused.
      await response.text();
      await this.sleep(Math.min(wait, this.retry.maxDelayMs));
    }
  }

  private backoff(attempt: number): number {
    return Math.min(
      this.retry.baseDelayMs * 2 ** attempt,
      this.retry.maxDelayMs,
    );
  }
}
