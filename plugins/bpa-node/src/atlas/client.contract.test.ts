import fs from 'node:fs';
import yaml from 'yaml';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  AtlasTokenServer,
  PrismExchange,
  PrismServer,
  atlasSpecPath,
  recordingFetch,
  requestViolations,
  startAtlasTokenServer,
  startPrism,
} from '@internal/backstage-plugin-bpa-test-utils';
import { AtlasClient } from './client';
import { atlasClusterRequest } from './cluster';
import { atlasDatabaseUserRequest } from './databaseUser';
import { AtlasApiError } from './errors';
import { atlasEndpointServiceRequest } from './privateEndpoint';

/**
 * Contract: every request the Atlas actions make, sent by the real client to
 * Prism serving the official Admin API v2 spec. Prism (with --errors)
 * refuses a request the spec does not accept with a 4xx and lists the
 * violations; Prism is stateless, so GETs answer with the spec's examples.
 */

interface SpecOperation {
  method: string;
  pathPattern: RegExp;
  /** Media type versions of the success response, with their sunset date if any. */
  versions: Record<string, string | undefined>;
}

function operationsOf(specPath: string): Map<string, SpecOperation> {
  const doc = yaml.parse(fs.readFileSync(specPath, 'utf8'), {
    maxAliasCount: -1,
  });
  const operations = new Map<string, SpecOperation>();
  for (const [template, item] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!op?.operationId) continue;
      const success = Object.entries<any>(op.responses).find(([code]) =>
        code.startsWith('2'),
      )?.[1];
      const versions: Record<string, string | undefined> = {};
      for (const [mediaType, content] of Object.entries<any>(
        success?.content ?? {},
      )) {
        const version = /^application\/vnd\.atlas\.([0-9-]+)\+json$/.exec(
          mediaType,
        )?.[1];
        if (version) versions[version] = content['x-sunset'];
      }
      operations.set(op.operationId, {
        method: method.toUpperCase(),
        pathPattern: new RegExp(
          `^${template.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?.*)?$`,
        ),
        versions,
      });
    }
  }
  return operations;
}

/** The newest version of an operation the spec does not schedule for sunset. */
function currentVersion(op: SpecOperation): string {
  return Object.entries(op.versions)
    .filter(([, sunset]) => !sunset)
    .map(([version]) => version)
    .sort()
    .pop() as string;
}

describe('Atlas client against the Admin API v2 spec (Prism)', () => {
  const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
  const groupId = spec.atlas.projectId;
  const clusterName = resourceNames(spec).atlasCluster;
  const serviceId = '65a1b2c3d4e5f60718293a4b';
  const vpcEndpointId = 'vpce-0123456789abcdef0';

  let prism: PrismServer;
  let tokenServer: AtlasTokenServer;
  let operations: Map<string, SpecOperation>;
  let client: AtlasClient;
  let exchanges: PrismExchange[];

  beforeAll(async () => {
    [prism, tokenServer] = await Promise.all([
      startPrism(),
      startAtlasTokenServer(),
    ]);
    operations = operationsOf(atlasSpecPath());
    const recorder = recordingFetch();
    exchanges = recorder.exchanges;
    client = new AtlasClient({
      baseUrl: prism.baseUrl,
      credentials: {
        type: 'serviceAccount',
        clientId: 'mdb_sa_id_contract',
        clientSecret: 'mdb_sa_sk_contract',
        tokenUrl: tokenServer.url,
      },
      fetch: recorder.fetch,
      // A refused request must show as refused, not be retried.
      retry: { maxRetries: 0 },
    });
  }, 120_000);

  afterAll(async () => {
    await prism?.stop();
    await tokenServer?.close();
  });

  /**
   * Runs one client call and checks its one request: the operation's method
   * and path, its current media type version, Bearer auth, and no request
   * violation. A call may still fail where the spec's own example response
   * breaks the spec's schema (Prism reports that as a 500 with only
   * response violations): the request was accepted.
   */
  async function expectAccepted(
    operationId: string,
    call: () => Promise<unknown>,
  ) {
    const op = operations.get(operationId);
    expect(op).toBeDefined();
    const before = exchanges.length;
    const outcome = await call().then(
      value => ({ value, error: undefined }),
      error => ({ value: undefined, error }),
    );
    const sent = exchanges
      .slice(before)
      .filter(e => e.uri.startsWith('/api/atlas/v2/'));
    expect(sent).toHaveLength(1);
    const [exchange] = sent;
    expect(exchange.method).toBe(op!.method);
    expect(exchange.uri).toMatch(op!.pathPattern);
    expect(exchange.accept).toBe(
      `application/vnd.atlas.${currentVersion(op!)}+json`,
    );
    if (exchange.contentType)
      expect(exchange.contentType).toBe(exchange.accept);
    expect(exchange.authorization).toBe('Bearer contract-token');
    expect(requestViolations(exchange)).toEqual([]);
    expect(exchange.status).not.toBe(400);
    expect(exchange.status < 400 || exchange.status >= 500).toBe(true);
    if (outcome.error) {
      expect(outcome.error).toBeInstanceOf(AtlasApiError);
      expect(exchange.status).toBe(500);
      expect(exchange.violations.length).toBeGreaterThan(0);
    }
    return outcome.value;
  }

  it('gets the token from the service account token endpoint, with the secret only in Basic auth', async () => {
    await expectAccepted('listGroupPrivateEndpointEndpointService', () =>
      client.listEndpointServices(groupId),
    );
    expect(tokenServer.requests).toEqual([
      {
        authorization: `Basic ${Buffer.from(
          'mdb_sa_id_contract:mdb_sa_sk_contract',
        ).toString('base64')}`,
        body: 'grant_type=client_credentials',
      },
    ]);
  });

  it('validates tier, region and version with accepted requests', async () => {
    const regions = await expectAccepted(
      'listGroupClusterProviderRegions',
      () => client.listProviderRegions(groupId, spec.atlas.tier),
    );
    expect(regions).toHaveProperty('results');
    expect(exchanges[exchanges.length - 1].uri).toContain('providers=AWS');
    await expectAccepted('getGroupMongoDbVersions', () =>
      client.listMongoDBVersions(groupId, spec.atlas.tier),
    );
  });

  it('creates, reads, protects and deletes the cluster with accepted requests', async () => {
    const from = exchanges.length;
    await expectAccepted('getGroupCluster', () =>
      client.getCluster(groupId, clusterName),
    );
    await expectAccepted('createGroupCluster', () =>
      client.createCluster(groupId, atlasClusterRequest(spec)),
    );
    await expectAccepted('updateGroupCluster', () =>
      client.updateCluster(groupId, clusterName, {
        terminationProtectionEnabled: true,
      }),
    );
    await expectAccepted('updateGroupCluster', () =>
      client.updateCluster(groupId, clusterName, {
        terminationProtectionEnabled: false,
      }),
    );
    await expectAccepted('deleteGroupCluster', () =>
      client.deleteCluster(groupId, clusterName),
    );
    expect(exchanges.slice(from).flatMap(requestViolations)).toEqual([]);
  });

  it('creates, reads, updates and deletes the database user with accepted requests', async () => {
    const from = exchanges.length;
    const user = atlasDatabaseUserRequest(spec, 'contract-password-1234');
    await expectAccepted('getGroupDatabaseUser', () =>
      client.getDatabaseUser(groupId, spec.atlas.databaseUser),
    );
    await expectAccepted('createGroupDatabaseUser', () =>
      client.createDatabaseUser(groupId, user),
    );
    await expectAccepted('updateGroupDatabaseUser', () =>
      client.updateDatabaseUser(groupId, spec.atlas.databaseUser, user),
    );
    await expectAccepted('deleteGroupDatabaseUser', () =>
      client.deleteDatabaseUser(groupId, spec.atlas.databaseUser),
    );
    expect(exchanges.slice(from).flatMap(requestViolations)).toEqual([]);
  });

  it('sets up and removes the private endpoint with accepted requests', async () => {
    const from = exchanges.length;
    await expectAccepted('createGroupPrivateEndpointEndpointService', () =>
      client.createEndpointService(groupId, atlasEndpointServiceRequest(spec)),
    );
    await expectAccepted('getGroupPrivateEndpointEndpointService', () =>
      client.getEndpointService(groupId, serviceId),
    );
    await expectAccepted(
      'createGroupPrivateEndpointEndpointServiceEndpoint',
      () =>
        client.createInterfaceEndpoint(groupId, serviceId, {
          id: vpcEndpointId,
        }),
    );
    await expectAccepted('getGroupPrivateEndpointEndpointServiceEndpoint', () =>
      client.getInterfaceEndpoint(groupId, serviceId, vpcEndpointId),
    );
    await expectAccepted(
      'deleteGroupPrivateEndpointEndpointServiceEndpoint',
      () => client.deleteInterfaceEndpoint(groupId, serviceId, vpcEndpointId),
    );
    await expectAccepted('deleteGroupPrivateEndpointEndpointService', () =>
      client.deleteEndpointService(groupId, serviceId),
    );
    expect(exchanges.slice(from).flatMap(requestViolations)).toEqual([]);
  });

  it('would catch a request the spec refuses: Prism answers 400 and the error carries the code', async () => {
    const bad = { ...atlasClusterRequest(spec), clusterType: 'RING' } as any;
    const error = await client.createCluster(groupId, bad).catch(e => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error.status).toBe(400);
    expect(error.errorCode).toBe('VALIDATION_ERROR');
    const refused = exchanges[exchanges.length - 1];
    expect(requestViolations(refused).map(v => v.location.join('.'))).toEqual([
      'request.body.clusterType',
    ]);
  });

  it('would catch a version the operation does not have: Prism answers 406', async () => {
    const response = await fetch(
      `${prism.baseUrl}/api/atlas/v2/groups/${groupId}/clusters/${clusterName}`,
      {
        headers: {
          Accept: 'application/vnd.atlas.2023-01-15+json',
          Authorization: 'Bearer contract-token',
        },
      },
    );
    await response.text();
    expect(response.status).toBe(406);
  });
});
