import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { AtlasApi, AtlasApiError } from '@internal/backstage-plugin-bpa-node';
import { atlasSpecPath } from '../prism';

/** One request the simulated Atlas answered. */
export interface AtlasExchange {
  at: number;
  method: string;
  /** Path and query. */
  uri: string;
  operationId: string;
  status: number;
}

/** An error the simulated Atlas answers with instead of doing the call, `times` times. */
export interface AtlasFault {
  /** Which calls: an operation id (`getGroupCluster`), or every one when absent. */
  operationId?: string;
  /** Only calls in this project (the path's group id); every project's when absent. */
  groupId?: string;
  times: number;
  status: number;
  /** Seconds, as Atlas sends it with 429 and 503. */
  retryAfter?: number;
  errorCode?: string;
}

/** The simulated Atlas served over HTTP, as the Admin API v2 and the service account token endpoint. */
export interface AtlasServer {
  baseUrl: string;
  /** What `bpa.atlas.serviceAccount` takes (tokenUrl points at this server). */
  serviceAccount: { clientId: string; clientSecret: string; tokenUrl: string };
  exchanges: AtlasExchange[];
  /** The access tokens the token endpoint has issued (secrets a scan looks for). */
  tokensIssued(): string[];
  /** Answers the next matching calls with an error (429/503 with Retry-After, 500…). */
  injectFault(fault: AtlasFault): void;
  close(): Promise<void>;
}

type Handler = (
  params: string[],
  body: any,
  query: URLSearchParams,
) => Promise<{ status: number; body?: unknown }>;

interface Route {
  method: string;
  pattern: RegExp;
  operationId: string;
  handler: Handler;
}

const ID = '([^/]+)';
const GROUP = `^/api/atlas/v2/groups/${ID}`;

function routes(atlasOf: (groupId: string) => AtlasApi): Route[] {
  const route = (
    method: string,
    path: string,
    operationId: string,
    handler: Handler,
  ): Route => ({
    method,
    pattern: new RegExp(`${GROUP}${path}$`),
    operationId,
    handler,
  });
  const found = (value: unknown, what: string, errorCode: string) => {
    if (value === undefined) {
      throw new AtlasApiError({
        operationId: 'fake',
        status: 404,
        errorCode,
        detail: `No ${what} found.`,
      });
    }
    return { status: 200, body: value };
  };
  const service = `/privateEndpoint/${ID}/endpointService`;
  return [
    // Before clusters/{name}: the path would match it too.
    route(
      'GET',
      '/clusters/provider/regions',
      'listGroupClusterProviderRegions',
      async ([g], _b, q) => ({
        status: 200,
        body: await atlasOf(g).listProviderRegions(g, q.get('tier') ?? ''),
      }),
    ),
    route('GET', `/clusters/${ID}`, 'getGroupCluster', async ([g, name]) =>
      found(
        await atlasOf(g).getCluster(g, name),
        `cluster named ${name}`,
        'CLUSTER_NOT_FOUND',
      ),
    ),
    route('POST', '/clusters', 'createGroupCluster', async ([g], body) => ({
      status: 201,
      body: await atlasOf(g).createCluster(g, body),
    })),
    route(
      'PATCH',
      `/clusters/${ID}`,
      'updateGroupCluster',
      async ([g, name], body) => ({
        status: 200,
        body: await atlasOf(g).updateCluster(g, name, body),
      }),
    ),
    route(
      'DELETE',
      `/clusters/${ID}`,
      'deleteGroupCluster',
      async ([g, name]) => {
        await atlasOf(g).deleteCluster(g, name);
        // The spec gives this 202 a JSON media type without a schema: an empty object (Prism parses the body).
        return { status: 202, body: {} };
      },
    ),
    route(
      'GET',
      '/mongoDBVersions',
      'getGroupMongoDbVersions',
      async ([g], _b, q) => ({
        status: 200,
        body: await atlasOf(g).listMongoDBVersions(
          g,
          q.get('instanceSize') ?? '',
        ),
      }),
    ),
    route(
      'GET',
      `/databaseUsers/${ID}/${ID}`,
      'getGroupDatabaseUser',
      async ([g, , user]) =>
        found(
          await atlasOf(g).getDatabaseUser(g, user),
          `user ${user}`,
          'USERNAME_NOT_FOUND',
        ),
    ),
    route(
      'POST',
      '/databaseUsers',
      'createGroupDatabaseUser',
      async ([g], body) => ({
        status: 201,
        body: await atlasOf(g).createDatabaseUser(g, body),
      }),
    ),
    route(
      'PATCH',
      `/databaseUsers/${ID}/${ID}`,
      'updateGroupDatabaseUser',
      async ([g, , user], body) => ({
        status: 200,
        body: await atlasOf(g).updateDatabaseUser(g, user, body),
      }),
    ),
    route(
      'DELETE',
      `/databaseUsers/${ID}/${ID}`,
      'deleteGroupDatabaseUser',
      async ([g, , user]) => {
        await atlasOf(g).deleteDatabaseUser(g, user);
        return { status: 204 };
      },
    ),
    route(
      'POST',
      '/privateEndpoint/endpointService',
      'createGroupPrivateEndpointEndpointService',
      async ([g], body) => ({
        status: 200,
        body: await atlasOf(g).createEndpointService(g, body),
      }),
    ),
    route(
      'GET',
      service,
      'listGroupPrivateEndpointEndpointService',
      async ([g]) => ({
        status: 200,
        body: await atlasOf(g).listEndpointServices(g),
      }),
    ),
    route(
      'GET',
      `${service}/${ID}`,
      'getGroupPrivateEndpointEndpointService',
      async ([g, , id]) =>
        found(
          await atlasOf(g).getEndpointService(g, id),
          `endpoint service ${id}`,
          'PRIVATE_ENDPOINT_SERVICE_NOT_FOUND',
        ),
    ),
    route(
      'DELETE',
      `${service}/${ID}`,
      'deleteGroupPrivateEndpointEndpointService',
      async ([g, , id]) => {
        await atlasOf(g).deleteEndpointService(g, id);
        return { status: 204 };
      },
    ),
    route(
      'POST',
      `${service}/${ID}/endpoint`,
      'createGroupPrivateEndpointEndpointServiceEndpoint',
      async ([g, , id], body) => ({
        status: 200,
        body: await atlasOf(g).createInterfaceEndpoint(g, id, body),
      }),
    ),
    route(
      'GET',
      `${service}/${ID}/endpoint/${ID}`,
      'getGroupPrivateEndpointEndpointServiceEndpoint',
      async ([g, , id, endpoint]) =>
        found(
          await atlasOf(g).getInterfaceEndpoint(g, id, endpoint),
          `endpoint ${endpoint}`,
          'PRIVATE_ENDPOINT_NOT_FOUND',
        ),
    ),
    route(
      'DELETE',
      `${service}/${ID}/endpoint/${ID}`,
      'deleteGroupPrivateEndpointEndpointServiceEndpoint',
      async ([g, , id, endpoint]) => {
        await atlasOf(g).deleteInterfaceEndpoint(g, id, endpoint);
        return { status: 204 };
      },
    ),
  ];
}

/**
 * The media type versions each operation of the spec answers in
 * (`2023-01-01`…), read with a line scan: parsing the whole 75k-line
 * document takes seconds.
 */
export function atlasOperationVersions(
  specPath: string = atlasSpecPath(),
): Map<string, Set<string>> {
  const versions = new Map<string, Set<string>>();
  let current: { id?: string; versions: Set<string> } | undefined;
  const close = () => {
    if (current?.id) versions.set(current.id, current.versions);
  };
  for (const line of fs.readFileSync(specPath, 'utf8').split('\n')) {
    // An operation: a method key under a path, under `paths:`.
    if (/^ {8}(get|put|post|patch|delete):\s*$/.test(line)) {
      close();
      current = { versions: new Set() };
    } else if (/^ {0,4}\S/.test(line)) {
      close();
      current = undefined;
    } else if (current) {
      const id = /^ {12}operationId: (\S+)/.exec(line);
      if (id) current.id = id[1];
      const version = /application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json/.exec(
        line,
      );
      if (version) current.versions.add(version[1]);
    }
  }
  close();
  return versions;
}

const readBody = (req: http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let text = '';
    req.on('data', chunk => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });

const errorBody = (status: number, errorCode: string, detail: string) => ({
  detail,
  error: status,
  errorCode,
  parameters: [],
  reason: http.STATUS_CODES[status] ?? 'Error',
});

/**
 * Serves an Atlas (a FakeAtlas, or one per project) on 127.0.0.1 as the Admin API v2 paths the
 * portal's client calls (answering in the media type version asked for),
 * with a service account: the token endpoint takes the client id and secret
 * (HTTP Basic) and every API call needs a token it issued. Put Prism in
 * proxy mode in front (startPrism with `upstream`) to check each request
 * and answer against the official spec.
 */
export async function startAtlasServer(
  atlas: AtlasApi | ((projectId: string) => AtlasApi),
  options: { now?: () => number } = {},
): Promise<AtlasServer> {
  const now = options.now ?? Date.now;
  const clientId = `mdb_sa_id_${randomBytes(8).toString('hex')}`;
  const clientSecret = `mdb_sa_sk_${randomBytes(24).toString('hex')}`;
  const tokens = new Set<string>();
  const exchanges: AtlasExchange[] = [];
  const faults: AtlasFault[] = [];
  const table = routes(typeof atlas === 'function' ? atlas : () => atlas);
  const versions = atlasOperationVersions();

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://atlas');
    const method = req.method ?? 'GET';
    let operationId = 'unknown';
    const send = (
      answered: string,
      status: number,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      exchanges.push({
        at: now(),
        method,
        uri: `${url.pathname}${url.search}`,
        operationId: answered,
        status,
      });
      const accept = req.headers.accept ?? 'application/json';
      // Also without a body: the spec gives 202 and 204 answers their
      // versioned media type, and Prism refuses one without it.
      res.writeHead(status, { 'content-type': accept, ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    try {
      const text = await readBody(req);
      if (method === 'POST' && url.pathname === '/api/oauth/token') {
        const basic = Buffer.from(`${clientId}:${clientSecret}`).toString(
          'base64',
        );
        if (req.headers.authorization !== `Basic ${basic}`) {
          send('serviceAccountToken', 401, {
            error: 'invalid_client',
            error_description: 'Invalid client credentials',
          });
          return;
        }
        const token = randomBytes(24).toString('hex');
        tokens.add(token);
        send('serviceAccountToken', 200, {
          access_token: token,
          expires_in: 3600,
          token_type: 'Bearer',
        });
        return;
      }
      const match = table
        .filter(r => r.method === method)
        .map(r => ({ route: r, params: r.pattern.exec(url.pathname) }))
        .find(m => m.params);
      if (!match) {
        send(
          'unknown',
          404,
          errorBody(
            404,
            'RESOURCE_NOT_FOUND',
            `${method} ${url.pathname} is not simulated`,
          ),
        );
        return;
      }
      operationId = match.route.operationId;
      const asked = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/.exec(
        req.headers.accept ?? '',
      );
      if (!asked || !versions.get(operationId)?.has(asked[1])) {
        // As Atlas answers a version the operation does not have.
        send(
          operationId,
          406,
          errorBody(
            406,
            'INVALID_VERSION_DATE',
            `${operationId} has no version ${req.headers.accept}`,
          ),
        );
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
      if (!bearer || !tokens.has(bearer[1])) {
        send(
          operationId,
          401,
          errorBody(401, 'NOT_ATLAS_USER', 'Unauthorized'),
        );
        return;
      }
      const fault = faults.find(
        f =>
          f.times > 0 &&
          (!f.operationId || f.operationId === operationId) &&
          (!f.groupId ||
            url.pathname.startsWith(`/api/atlas/v2/groups/${f.groupId}/`)),
      );
      if (fault) {
        fault.times -= 1;
        send(
          operationId,
          fault.status,
          errorBody(
            fault.status,
            fault.errorCode ?? 'SIMULATED_FAULT',
            'Injected by the test',
          ),
          fault.retryAfter !== undefined
            ? { 'retry-after': String(fault.retryAfter) }
            : {},
        );
        return;
      }
      const result = await match.route.handler(
        match.params!.slice(1).map(decodeURIComponent),
        text ? JSON.parse(text) : undefined,
        url.searchParams,
      );
      send(operationId, result.status, result.body);
    } catch (error) {
      if (error instanceof AtlasApiError) {
        send(
          operationId,
          error.status,
          errorBody(
            error.status,
            error.errorCode,
            error.detail ?? error.message,
          ),
        );
      } else {
        send(
          operationId,
          500,
          errorBody(500, 'UNEXPECTED_ERROR', String(error)),
        );
      }
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${
    (server.address() as net.AddressInfo).port
  }`;
  return {
    baseUrl,
    serviceAccount: {
      clientId,
      clientSecret,
      tokenUrl: `${baseUrl}/api/oauth/token`,
    },
    exchanges,
    tokensIssued: () => [...tokens],
    injectFault: fault => faults.push({ ...fault }),
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
