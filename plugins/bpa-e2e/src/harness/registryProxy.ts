import http from 'node:http';
import net from 'node:net';
import { keepIdleConnections } from './keepAlive';

/** One request that went through the proxy to the registry. */
export interface RegistryRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * A plain-HTTP proxy in front of the docker-registry standing in for ECR
 * (GetAuthorizationToken's proxyEndpoint names it, so the mirror's skopeo
 * and helm go through it). It records what was pushed (`requests`), and
 * can hold requests: a held request waits, its push half done, until
 * `release()`, so a test can kill a backend while skopeo is copying.
 */
export interface RegistryProxy {
  /** `127.0.0.1:<port>`, as skopeo and helm name a registry. */
  host: string;
  url: string;
  /** Every request answered, in order. */
  requests: RegistryRequest[];
  /** From now on, requests whose path matches wait until `release()`. */
  hold(path: RegExp): void;
  /** Requests waiting now (their client still connected). */
  waiting(): number;
  /** Lets the waiting requests through and holds no more. */
  release(): void;
  close(): Promise<void>;
}

export async function startRegistryProxy(
  upstreamUrl: string,
): Promise<RegistryProxy> {
  const upstream = new URL(upstreamUrl);
  const requests: RegistryRequest[] = [];
  let held: RegExp | undefined;
  const waiting = new Set<() => void>();

  const pass = (req: http.IncomingMessage, res: http.ServerResponse) => {
    // The Host header goes through unchanged: the registry writes the
    // proxy's address into the upload locations it answers.
    const forwarded = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      answer => {
        requests.push({
          method: req.method ?? 'GET',
          path: req.url ?? '/',
          status: answer.statusCode ?? 0,
        });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  };

  const server = http.createServer((req, res) => {
    if (!held?.test(req.url ?? '')) {
      pass(req, res);
      return;
    }
    // Its client (a killed backend's skopeo) may go away meanwhile: then it is dropped.
    req.pause();
    const go = () => {
      waiting.delete(go);
      if (!res.destroyed) pass(req, res);
    };
    waiting.add(go);
    res.on('close', () => waiting.delete(go));
  });
  keepIdleConnections(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    hold: path => {
      held = path;
    },
    waiting: () => waiting.size,
    release() {
      held = undefined;
      [...waiting].forEach(go => go());
    },
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
