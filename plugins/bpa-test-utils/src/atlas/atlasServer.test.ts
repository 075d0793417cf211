import {
  AtlasClient,
  atlasClusterRequest,
} from '@internal/backstage-plugin-bpa-node';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { PrismServer, recordingFetch, startPrism } from '../prism';
import { AtlasServer, startAtlasServer } from './atlasServer';
import { FakeAtlas } from './fakeAtlas';

jest.setTimeout(180_000);

const GROUP = '5f1b2c3d4e5f6a7b8c9d0e1f';
const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

describe('the simulated Atlas behind Prism, the official spec as a validating proxy', () => {
  let clock = 0;
  const atlas = new FakeAtlas({
    clock: { now: () => clock },
    latencyMs: {
      cluster: 600_000,
      clusterDeletion: 60_000,
      endpointService: 60_000,
      interfaceEndpoint: 60_000,
    },
  });
  let server: AtlasServer;
  let prism: PrismServer;
  const recorded = recordingFetch();
  let client: AtlasClient;

  beforeAll(async () => {
    server = await startAtlasServer(atlas);
    prism = await startPrism(undefined, undefined, server.baseUrl);
    client = new AtlasClient({
      baseUrl: prism.baseUrl,
      credentials: { type: 'serviceAccount', ...server.serviceAccount },
      fetch: recorded.fetch,
      retry: { maxRetries: 0 },
    });
  });
  afterAll(async () => {
    await prism?.stop();
    await server?.close();
  });

  it('answers the portal client through Prism: the cluster is CREATING, then IDLE once its latency has passed', async () => {
    const created = await client.createCluster(
      GROUP,
      atlasClusterRequest(spec),
    );
    expect(created.stateName).toBe('CREATING');
    expect((await client.getCluster(GROUP, created.name!))?.stateName).toBe(
      'CREATING',
    );
    clock += 600_000;
    const idle = await client.getCluster(GROUP, created.name!);
    expect(idle?.stateName).toBe('IDLE');
    expect(await client.getCluster(GROUP, 'no-such-cluster')).toBeUndefined();
    expect(
      (await client.listProviderRegions(GROUP, 'M30')).results[0]
        .instanceSizes?.[0]?.name,
    ).toBe('M30');
    // Prism found nothing to say about any request or answer.
    expect(recorded.exchanges.filter(e => e.violations.length)).toEqual([]);
    expect(server.exchanges.map(e => `${e.operationId} ${e.status}`)).toEqual(
      expect.arrayContaining([
        'serviceAccountToken 200',
        'createGroupCluster 201',
        'getGroupCluster 200',
        'getGroupCluster 404',
        'listGroupClusterProviderRegions 200',
      ]),
    );
  });

  it('refuses a request the spec does not allow: Prism before the simulated Atlas sees it, the simulated Atlas a version the operation does not have', async () => {
    const token = await (
      await fetch(server.serviceAccount.tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(
            `${server.serviceAccount.clientId}:${server.serviceAccount.clientSecret}`,
          ).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      })
    ).json();
    const seen = server.exchanges.length;
    const post = (accept: string, body: unknown) =>
      fetch(`${prism.baseUrl}/api/atlas/v2/groups/${GROUP}/clusters`, {
        method: 'POST',
        headers: {
          accept,
          'content-type': accept,
          authorization: `Bearer ${token.access_token}`,
        },
        body: JSON.stringify(body),
      });

    const badBody = await post('application/vnd.atlas.2024-10-23+json', {
      name: 42,
      clusterType: 'NOT_A_TYPE',
    });
    expect(badBody.status).toBe(422);
    expect(await badBody.text()).toMatch(/clusterType|name/);

    expect(server.exchanges.length).toBe(seen);

    // Prism's proxy lets media type versions through: Atlas itself refuses them.
    const unknownVersion = await post(
      'application/vnd.atlas.1999-01-01+json',
      atlasClusterRequest({ ...spec, name: 'other' }),
    );
    expect(unknownVersion.status).toBe(406);
    expect(server.exchanges.slice(seen).map(e => e.status)).toEqual([406]);
    expect(atlas.clusters.has('other-mongo')).toBe(false);
  });

  it("answers a teardown's deletes as the spec has them: the private endpoint, its service, the user (204) and the cluster (202)", async () => {
    const seen = recorded.exchanges.length;
    const service = await client.createEndpointService(GROUP, {
      providerName: 'AWS',
      region: 'US_EAST_1',
    });
    const vpce = 'vpce-0123456789abcdef0';
    await client.createInterfaceEndpoint(GROUP, service.id!, { id: vpce });
    await client.deleteInterfaceEndpoint(GROUP, service.id!, vpce);
    await client.deleteEndpointService(GROUP, service.id!);
    await client.createDatabaseUser(GROUP, {
      groupId: GROUP,
      username: 'teardown-user',
      databaseName: 'admin',
      password: 'a-long-enough-password',
      roles: [{ databaseName: 'admin', roleName: 'readWriteAnyDatabase' }],
    });
    await client.deleteDatabaseUser(GROUP, 'teardown-user');
    await client.createCluster(GROUP, {
      ...atlasClusterRequest(spec),
      name: 'teardown-mongo',
      terminationProtectionEnabled: false,
    });
    await client.deleteCluster(GROUP, 'teardown-mongo');
    expect(
      recorded.exchanges.slice(seen).filter(e => e.violations.length),
    ).toEqual([]);
    expect(
      server.exchanges
        .filter(e => e.method === 'DELETE')
        .map(e => `${e.operationId} ${e.status}`),
    ).toEqual([
      'deleteGroupPrivateEndpointEndpointServiceEndpoint 204',
      'deleteGroupPrivateEndpointEndpointService 204',
      'deleteGroupDatabaseUser 204',
      'deleteGroupCluster 202',
    ]);
  });

  it('turns an answer of the simulated Atlas the spec does not allow into an error', async () => {
    const real = atlas.getCluster.bind(atlas);
    atlas.getCluster = async () => ({
      name: 'broken-mongo',
      stateName: 'NOT_A_STATE' as any,
      replicationSpecs: 'not a list' as any,
    });
    try {
      await expect(client.getCluster(GROUP, 'broken-mongo')).rejects.toThrow(
        /HTTP 500/,
      );
    } finally {
      atlas.getCluster = real;
    }
    expect(recorded.exchanges.at(-1)?.violations.map(v => v.message)).toEqual(
      expect.arrayContaining([
        'Response body property replicationSpecs must be array',
      ]),
    );
  });
});
