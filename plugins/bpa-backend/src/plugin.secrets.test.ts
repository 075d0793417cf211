import http from 'node:http';
import net, { AddressInfo } from 'node:net';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  SimulatedAws,
  VirtualClock,
  simulateAws,
} from '@internal/backstage-plugin-bpa-test-utils';
import { environmentSystem, startStatusBackend } from './__testUtils__/backend';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const AWS_ACCESS_KEY_ID = 'AKIASTATUSTESTKEY001';
const AWS_SECRET_ACCESS_KEY = 'status/Test+Secret/Key/wJalrXUtnFEMI0K7MDENG';
const ATLAS_CLIENT_ID = 'mdb_sa_id_status_test';
const ATLAS_CLIENT_SECRET = 'mdb_sa_sk_status-test-secret-5e1f';
const ATLAS_TOKEN = 'atlas-access-token-status-test-77aa';

/** Atlas's token endpoint and getGroupCluster, checking the service account's credentials. */
function startFakeAtlas(): Promise<http.Server> {
  const basic = `Basic ${Buffer.from(
    `${ATLAS_CLIENT_ID}:${ATLAS_CLIENT_SECRET}`,
  ).toString('base64')}`;
  const server = http.createServer((req, res) => {
    const json = (status: number, body: object) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify(body));
    if (req.method === 'POST' && req.url === '/api/oauth/token') {
      return req.headers.authorization === basic
        ? json(200, { access_token: ATLAS_TOKEN, expires_in: 3600 })
        : json(401, { error: 'invalid_client' });
    }
    if (req.headers.authorization !== `Bearer ${ATLAS_TOKEN}`) {
      return json(401, { errorCode: 'NOT_AUTHORIZED', detail: 'No token' });
    }
    if (req.url?.endsWith('/clusters/bpa-demo-mongo')) {
      return json(200, {
        name: 'bpa-demo-mongo',
        stateName: 'UPDATING',
        mongoDBVersion: '8.0.4',
      });
    }
    return json(404, { errorCode: 'CLUSTER_NOT_FOUND' });
  });
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () => resolve(server)),
  );
}

/** A loopback port nothing listens on: the EKS endpoint of a cluster that cannot be reached. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

describe('credentials of the sources', () => {
  let atlas: http.Server;
  let aws: SimulatedAws;

  beforeAll(async () => {
    atlas = await startFakeAtlas();
  });
  afterAll(() => new Promise(resolve => atlas.close(() => resolve(undefined))));

  beforeEach(() => {
    aws = simulateAws({
      clock: new VirtualClock(),
      accountId: spec.aws.accountId,
      region: spec.aws.region,
    });
  });
  afterEach(() => aws.restore());

  it('are used by the sources built from config, and appear neither in the answer nor in the logs', async () => {
    aws.mocks.eks.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'bpa-demo-eks',
        status: 'ACTIVE',
        version: '1.35',
        endpoint: `https://127.0.0.1:${await closedPort()}`,
      },
    });
    const atlasUrl = `http://127.0.0.1:${
      (atlas.address() as AddressInfo).port
    }`;
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      config: {
        aws: {
          accounts: [
            {
              accountId: spec.aws.accountId,
              accessKeyId: AWS_ACCESS_KEY_ID,
              secretAccessKey: AWS_SECRET_ACCESS_KEY,
            },
          ],
        },
        bpa: {
          atlas: {
            baseUrl: atlasUrl,
            serviceAccount: {
              clientId: ATLAS_CLIENT_ID,
              clientSecret: ATLAS_CLIENT_SECRET,
              tokenUrl: `${atlasUrl}/api/oauth/token`,
            },
          },
        },
      },
    });

    const response = await backend.get('/environments/default/bpa-demo/status');
    const text = await response.text();
    const status = JSON.parse(text);

    // Every source was reached with the configured credentials...
    expect(status.atlas.data).toMatchObject({
      status: 'UPDATING',
      level: 'pending',
    });
    expect(status.cluster.data.level).toBe('ok');
    expect(status.stacks.data).toHaveLength(5);
    // ...and the cluster's API server, with an EKS token minted from them, was not there.
    expect(status.release.error).toMatch(/ECONNREFUSED/);
    expect(status.workloads.error).toMatch(/ECONNREFUSED/);
    const everything = [text, ...backend.logs].join('\n');
    for (const secret of [
      AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY,
      ATLAS_CLIENT_SECRET,
      ATLAS_TOKEN,
      'k8s-aws-v1.',
    ]) {
      expect(everything).not.toContain(secret);
    }
  });
});
