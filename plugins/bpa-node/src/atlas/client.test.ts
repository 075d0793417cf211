import { AtlasClient } from './client';
import { AtlasApiError } from './errors';

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body?: string;
}

/** A scripted server: each request gets the next response; every request is recorded. */
function scriptedFetch(...responses: (() => Response)[]) {
  const sent: Sent[] = [];
  const fetchFn: typeof fetch = async (input, init) => {
    sent.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body: init?.body as string | undefined,
    });
    const next = responses.shift();
    if (!next) throw new Error(`unexpected request ${init?.method} ${input}`);
    return next();
  };
  return { fetchFn, sent };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });

const token = (value: string, expiresIn = 3600) =>
  json(200, {
    access_token: value,
    expires_in: expiresIn,
    token_type: 'Bearer',
  });

const rateLimited = (retryAfter?: string) =>
  json(
    429,
    { error: 429, errorCode: 'RATE_LIMITED', detail: 'Too many requests' },
    retryAfter ? { 'Retry-After': retryAfter } : {},
  );

const clientSecret = 'mdb_sa_sk_9Zq1w2e3r4t5y6u7i8o9';

function client(fetchFn: typeof fetch, overrides: { now?: () => number } = {}) {
  const sleeps: number[] = [];
  const atlas = new AtlasClient({
    baseUrl: 'https://atlas.test',
    credentials: {
      type: 'serviceAccount',
      clientId: 'mdb_sa_id_1',
      clientSecret,
      tokenUrl: 'https://atlas.test/api/oauth/token',
    },
    fetch: fetchFn,
    sleep: async ms => {
      sleeps.push(ms);
    },
    retry: { maxRetries: 3, baseDelayMs: 1000, maxDelayMs: 30_000 },
    ...overrides,
  });
  return { atlas, sleeps };
}

describe('AtlasClient', () => {
  it('retries a 429 after the Retry-After Atlas asked for', async () => {
    const { fetchFn, sent } = scriptedFetch(
      token('t1'),
      rateLimited('7'),
      json(200, { name: 'bpa-demo-mongo', stateName: 'IDLE' }),
    );
    const { atlas, sleeps } = client(fetchFn);
    await expect(atlas.getCluster('g1', 'bpa-demo-mongo')).resolves.toEqual({
      name: 'bpa-demo-mongo',
      stateName: 'IDLE',
    });
    expect(sleeps).toEqual([7000]);
    expect(sent.filter(s => s.url.includes('/clusters/'))).toHaveLength(2);
  });

  it('backs off exponentially on 5xx without Retry-After, and gives up after the bound with the last error', async () => {
    const unavailable = json(503, {
      error: 503,
      errorCode: 'SERVICE_UNAVAILABLE',
      detail: 'Atlas is under maintenance',
    });
    const { fetchFn, sent } = scriptedFetch(
      token('t1'),
      unavailable,
      unavailable,
      unavailable,
      unavailable,
    );
    const { atlas, sleeps } = client(fetchFn);
    const error = await atlas.getCluster('g1', 'c1').catch(e => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error).toMatchObject({
      status: 503,
      errorCode: 'SERVICE_UNAVAILABLE',
      detail: 'Atlas is under maintenance',
      operationId: 'getGroupCluster',
    });
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(sent).toHaveLength(5);
  });

  it('caps a Retry-After beyond the longest wait', async () => {
    const { fetchFn } = scriptedFetch(
      token('t1'),
      rateLimited('3600'),
      json(200, []),
    );
    const { atlas, sleeps } = client(fetchFn);
    await atlas.listEndpointServices('g1');
    expect(sleeps).toEqual([30_000]);
  });

  it("carries Atlas's errorCode and detail, and does not retry a 4xx", async () => {
    const { fetchFn, sent } = scriptedFetch(
      token('t1'),
      json(409, {
        error: 409,
        errorCode: 'DUPLICATE_CLUSTER_NAME',
        detail:
          'A cluster named bpa-demo-mongo is already present in group g1.',
        reason: 'Conflict',
      }),
    );
    const { atlas, sleeps } = client(fetchFn);
    const error = await atlas
      .createCluster('g1', { name: 'bpa-demo-mongo' })
      .catch(e => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error.errorCode).toBe('DUPLICATE_CLUSTER_NAME');
    expect(error.message).toBe(
      'Atlas createGroupCluster failed with HTTP 409 DUPLICATE_CLUSTER_NAME: A cluster named bpa-demo-mongo is already present in group g1.',
    );
    expect(sleeps).toEqual([]);
    expect(sent).toHaveLength(2);
  });

  it('returns undefined for a missing cluster instead of failing', async () => {
    const { fetchFn } = scriptedFetch(
      token('t1'),
      json(404, { error: 404, errorCode: 'CLUSTER_NOT_FOUND' }),
    );
    await expect(
      client(fetchFn).atlas.getCluster('g1', 'nope'),
    ).resolves.toBeUndefined();
  });

  it('sends each operation with its versioned media type and the JSON body', async () => {
    const { fetchFn, sent } = scriptedFetch(
      token('t1'),
      json(201, {}),
      json(200, {}),
      json(200, {}),
      json(200, {}),
    );
    const { atlas } = client(fetchFn);
    await atlas.createCluster('g1', { name: 'c1' });
    await atlas.getCluster('g1', 'c1');
    await atlas.createEndpointService('g1', {
      providerName: 'AWS',
      region: 'us-east-1',
    });
    await atlas.listProviderRegions('g1', 'M30');
    const atlasCalls = sent.slice(1);
    expect(
      atlasCalls.map(s => [
        s.method,
        new URL(s.url).pathname + new URL(s.url).search,
        s.headers.get('accept'),
      ]),
    ).toEqual([
      [
        'POST',
        '/api/atlas/v2/groups/g1/clusters',
        'application/vnd.atlas.2024-10-23+json',
      ],
      [
        'GET',
        '/api/atlas/v2/groups/g1/clusters/c1',
        'application/vnd.atlas.2024-08-05+json',
      ],
      [
        'POST',
        '/api/atlas/v2/groups/g1/privateEndpoint/endpointService',
        'application/vnd.atlas.2023-01-01+json',
      ],
      [
        'GET',
        '/api/atlas/v2/groups/g1/clusters/provider/regions?providers=AWS&tier=M30',
        'application/vnd.atlas.2023-01-01+json',
      ],
    ]);
    expect(atlasCalls[0].headers.get('content-type')).toBe(
      'application/vnd.atlas.2024-10-23+json',
    );
    expect(JSON.parse(atlasCalls[0].body!)).toEqual({ name: 'c1' });
  });

  it('gets one service account token, reuses it, and replaces it shortly before it expires', async () => {
    let now = 0;
    const { fetchFn, sent } = scriptedFetch(
      token('t1', 3600),
      json(200, []),
      json(200, []),
      token('t2', 3600),
      json(200, []),
    );
    const { atlas } = client(fetchFn, { now: () => now });
    await atlas.listEndpointServices('g1');
    now = 3_000_000; // 50 minutes: still valid
    await atlas.listEndpointServices('g1');
    now = 3_550_000; // within the last minute of the hour: replaced
    await atlas.listEndpointServices('g1');

    const tokenRequests = sent.filter(s => s.url.endsWith('/api/oauth/token'));
    expect(tokenRequests).toHaveLength(2);
    expect(tokenRequests[0].method).toBe('POST');
    expect(tokenRequests[0].headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`mdb_sa_id_1:${clientSecret}`).toString('base64')}`,
    );
    expect(tokenRequests[0].headers.get('content-type')).toBe(
      'application/x-www-form-urlencoded',
    );
    expect(tokenRequests[0].body).toBe('grant_type=client_credentials');
    expect(
      sent
        .filter(s => s.url.includes('/api/atlas/'))
        .map(s => s.headers.get('authorization')),
    ).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
  });

  it('fetches a new token once when Atlas refuses the current one', async () => {
    const { fetchFn, sent } = scriptedFetch(
      token('revoked'),
      json(401, { error: 401, errorCode: 'NOT_AUTHORIZED' }),
      token('fresh'),
      json(200, []),
    );
    await client(fetchFn).atlas.listEndpointServices('g1');
    expect(sent.map(s => s.headers.get('authorization') ?? '')).toEqual([
      expect.stringMatching(/^Basic /),
      'Bearer revoked',
      expect.stringMatching(/^Basic /),
      'Bearer fresh',
    ]);
  });

  it('reports a refused token request without the client secret', async () => {
    const { fetchFn } = scriptedFetch(
      json(401, {
        error: 'invalid_client',
        error_description: 'Invalid client credentials',
      }),
    );
    const error = await client(fetchFn)
      .atlas.listEndpointServices('g1')
      .catch(e => e);
    expect(error.message).toContain('Invalid client credentials');
    expect(error.message).toContain('mdb_sa_id_1');
    expect(error.message).not.toContain(clientSecret);
    expect(error.message).not.toContain(
      Buffer.from(`mdb_sa_id_1:${clientSecret}`).toString('base64'),
    );
  });

  it('retries when Atlas cannot be reached, then says which host failed', async () => {
    const refused = () => {
      throw new TypeError('fetch failed');
    };
    const { fetchFn } = scriptedFetch(
      token('t1'),
      refused,
      refused,
      refused,
      refused,
    );
    const { atlas, sleeps } = client(fetchFn);
    const error = await atlas.getCluster('g1', 'c1').catch(e => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error.message).toContain(
      'https://atlas.test could not be reached: fetch failed',
    );
    expect(sleeps).toHaveLength(3);
  });
});
