import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { AtlasClient } from './client';
import { AtlasApiError } from './errors';
import { digestAuthorization, parseDigestChallenge } from './digest';

describe('HTTP Digest (RFC 7616, MD5, qop=auth)', () => {
  it('answers the MD5 example of RFC 7616 section 3.9.1', () => {
    const header = digestAuthorization({
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      challenge: {
        realm: 'http-auth@example.org',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
      },
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    });
    expect(header).toMatch(/^Digest /);
    expect(header).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
    expect(header).toContain('nc=00000001');
    expect(header).toContain('qop=auth');
    expect(header).toContain(
      'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    );
  });

  it('picks the MD5 challenge when the server also offers SHA-256', () => {
    const challenge = parseDigestChallenge(
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="n1", opaque="o1", ' +
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="n2", opaque="o2"',
    );
    expect(challenge).toEqual({
      realm: 'http-auth@example.org',
      nonce: 'n2',
      opaque: 'o2',
    });
  });

  it('refuses a server offering neither MD5 nor qop=auth', () => {
    expect(() =>
      parseDigestChallenge(
        'Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth"',
      ),
    ).toThrow(/MD5 and qop "auth"/);
    expect(() => parseDigestChallenge('Basic realm="r"')).toThrow(
      /HTTP Digest/,
    );
  });
});

/**
 * A tiny server that, like Atlas, challenges unauthenticated requests and
 * checks each Digest answer itself (RFC 7616 formulas, written here
 * independently of the client), including that nonce counts increase.
 */
async function startDigestServer(publicKey: string, privateKey: string) {
  const realm = 'MMS Public API';
  let nonce = randomBytes(8).toString('hex');
  let lastNc = 0;
  const seen: string[] = [];
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const challenge = (stale: boolean) =>
    `Digest realm="${realm}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
  const params = (header: string) =>
    Object.fromEntries(
      [...header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)].map(m => [
        m[1],
        m[2] ?? m[3],
      ]),
    );
  const server = http.createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    seen.push(header);
    const p = params(header);
    const expected = md5(
      `${md5(`${publicKey}:${realm}:${privateKey}`)}:${p.nonce}:${p.nc}:${
        p.cnonce
      }:auth:${md5(`${req.method}:${req.url}`)}`,
    );
    const nc = parseInt(p.nc ?? '0', 16);
    const valid =
      header.startsWith('Digest ') &&
      p.username === publicKey &&
      p.uri === req.url &&
      p.qop === 'auth' &&
      p.response === expected;
    if (valid && p.nonce !== nonce) {
      res.writeHead(401, { 'WWW-Authenticate': challenge(true) });
      res.end(JSON.stringify({ error: 401, errorCode: 'NOT_AUTHORIZED' }));
      return;
    }
    if (!valid || nc <= lastNc) {
      res.writeHead(401, { 'WWW-Authenticate': challenge(false) });
      res.end(
        JSON.stringify({
          error: 401,
          errorCode: 'NOT_AUTHORIZED',
          detail: 'You are not authorized for this resource.',
        }),
      );
      return;
    }
    lastNc = nc;
    res.writeHead(200, {
      'Content-Type': 'application/vnd.atlas.2023-01-01+json',
    });
    res.end(JSON.stringify([{ cloudProvider: 'AWS', id: 'svc' }]));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    rotateNonce: () => {
      nonce = randomBytes(8).toString('hex');
      lastNc = 0;
    },
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

describe('Atlas client with an API key (Digest) against a checking server', () => {
  const publicKey = 'abcdefgh';
  const privateKey = '0f3e2d1c-aaaa-bbbb-cccc-123456789abc';
  let server: Awaited<ReturnType<typeof startDigestServer>>;

  beforeEach(async () => {
    server = await startDigestServer(publicKey, privateKey);
  });
  afterEach(() => server.close());

  const client = (key = privateKey) =>
    new AtlasClient({
      baseUrl: server.baseUrl,
      credentials: { type: 'apiKey', publicKey, privateKey: key },
      retry: { maxRetries: 0 },
    });

  it('answers the challenge, then reuses the nonce with increasing counts', async () => {
    const atlas = client();
    await expect(atlas.listEndpointServices('g1')).resolves.toEqual([
      { cloudProvider: 'AWS', id: 'svc' },
    ]);
    await expect(atlas.listEndpointServices('g1')).resolves.toHaveLength(1);
    // One unauthenticated request learns the nonce; no further challenges.
    expect(
      server.seen.map(h => (h ? /nc=(\w+)/.exec(h)?.[1] : 'none')),
    ).toEqual(['none', '00000001', '00000002']);
  });

  it('takes a new nonce when the old one expires', async () => {
    const atlas = client();
    await atlas.listEndpointServices('g1');
    server.rotateNonce();
    await expect(atlas.listEndpointServices('g1')).resolves.toHaveLength(1);
  });

  it("fails with Atlas's error code on a wrong key, without the key in the message", async () => {
    const wrongKey = 'ffffffff-0000-1111-2222-333333333333';
    const error = await client(wrongKey)
      .listEndpointServices('g1')
      .catch(e => e);
    expect(error).toBeInstanceOf(AtlasApiError);
    expect(error.status).toBe(401);
    expect(error.errorCode).toBe('NOT_AUTHORIZED');
    expect(error.message).not.toContain(wrongKey);
  });
});
