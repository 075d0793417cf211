import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { freePort } from './ports';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { startServerProcess } from './serverProcess';

/**
 * Prism serving the Atlas Admin API v2 on 127.0.0.1 for contract tests: a
 * mock of the official spec, or (with an upstream) a validating proxy in
 * front of a simulated Atlas. With `--errors` it answers any request the
 * spec does not accept (body, parameters, media type version, missing auth)
 * — and, as a proxy, any answer the spec does not allow — with an error,
 * listing the violations in the `sl-violations` header.
 */
export interface PrismServer {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** The repository root: the nearest directory above this package whose package.json declares workspaces. */
function repoRoot(): string {
  const start = resolvePackagePath('@internal/backstage-plugin-bpa-node');
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      JSON.parse(fs.readFileSync(manifest, 'utf8')).workspaces
    ) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`No workspace root above ${start}`);
    }
  }
}

/**
 * The official Atlas Admin API v2 spec: `BPA_ATLAS_SPEC`, else
 * `shared/atlas/atlas-admin-api-v2.yaml` beside the repository.
 */
export function atlasSpecPath(): string {
  const specPath =
    process.env.BPA_ATLAS_SPEC ??
    path.resolve(
      repoRoot(),
      '..',
      'shared',
      'atlas',
      'atlas-admin-api-v2.yaml',
    );
  if (!fs.existsSync(specPath)) {
    throw new Error(
      `The Atlas Admin API v2 spec is not at ${specPath}; set BPA_ATLAS_SPEC to its path`,
    );
  }
  return specPath;
}

/**
 * Starts Prism on a free loopback port and resolves once it listens (about
 * 11 s for the Atlas spec): a mock, or a proxy to `upstream`.
 */
export async function startPrism(
  specPath: string = atlasSpecPath(),
  timeoutMs = 110_000,
  upstream?: string,
): Promise<PrismServer> {
  const port = await freePort();
  const prismPackage = require.resolve('@stoplight/prism-cli/package.json');
  const prismBin = path.join(
    path.dirname(prismPackage),
    JSON.parse(fs.readFileSync(prismPackage, 'utf8')).bin.prism,
  );
  const { pid, stop } = await startServerProcess({
    name: 'Prism',
    command: process.execPath,
    args: [
      prismBin,
      ...(upstream ? ['proxy', specPath, upstream] : ['mock', specPath]),
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '--errors',
    ],
    ready: output => (output.includes('Prism is listening') ? true : undefined),
    timeoutMs,
  });
  return { baseUrl: `http://127.0.0.1:${port}`, pid, stop };
}

/** One violation Prism found, e.g. `{ location: ['request', 'body', 'name'], message }`. */
export interface PrismViolation {
  location: string[];
  severity: string;
  code: string | number;
  message: string;
}

/** A request the client sent and what Prism said about it. */
export interface PrismExchange {
  method: string;
  /** Path and query. */
  uri: string;
  accept: string;
  contentType?: string;
  authorization?: string;
  status: number;
  violations: PrismViolation[];
}

/** A `fetch` that records every exchange, with Prism's violations. */
export function recordingFetch(): {
  fetch: typeof fetch;
  exchanges: PrismExchange[];
} {
  const exchanges: PrismExchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const headers = new Headers(init?.headers);
    const url = new URL(String(input));
    const violations = response.headers.get('sl-violations');
    exchanges.push({
      method: init?.method ?? 'GET',
      uri: `${url.pathname}${url.search}`,
      accept: headers.get('accept') ?? '',
      contentType: headers.get('content-type') ?? undefined,
      authorization: headers.get('authorization') ?? undefined,
      status: response.status,
      violations: violations ? JSON.parse(violations) : [],
    });
    return response;
  };
  return { fetch: recording, exchanges };
}

/** Violations of the request itself (not of the spec's own example response). */
export const requestViolations = (exchange: PrismExchange) =>
  exchange.violations.filter(v => v.location[0] === 'request');

/** A stand-in for Atlas's OAuth token endpoint, on 127.0.0.1 (Prism serves only the Admin API). */
export interface AtlasTokenServer {
  url: string;
  /** Every token request: its Authorization header and body. */
  requests: { authorization?: string; body: string }[];
  close(): Promise<void>;
}

/**
 * Starts the token endpoint. It hands out the token `contract-token`, or,
 * with `refuse`, answers every request as Atlas does credentials it does not
 * accept (HTTP 401, `invalid_client`).
 */
export async function startAtlasTokenServer(
  options: { refuse?: boolean } = {},
): Promise<AtlasTokenServer> {
  const requests: AtlasTokenServer['requests'] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      requests.push({ authorization: req.headers.authorization, body });
      res.setHeader('Content-Type', 'application/json');
      if (options.refuse) {
        res.statusCode = 401;
        res.end(
          JSON.stringify({
            error: 'invalid_client',
            error_description: 'Invalid client credentials',
          }),
        );
        return;
      }
      res.end(
        JSON.stringify({
          access_token: 'contract-token',
          expires_in: 3600,
          token_type: 'Bearer',
        }),
      );
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/oauth/token`,
    requests,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}
