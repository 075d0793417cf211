import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { generateSelfSignedCertificate } from '@internal/backstage-plugin-bpa-node';
import { keepIdleConnections } from './keepAlive';
import { LabCluster } from './world';

/**
 * An error the Kubernetes API answers instead of passing the request on,
 * for the next `times` requests that match: a 409 Conflict (the object was
 * changed meanwhile, as optimistic concurrency answers a stale write) or a
 * 5xx (an API server restarting, etcd timing out). Status bodies as the API
 * server writes them.
 */
export interface KubeFault {
  /** `PATCH`; every method when absent. */
  method?: string;
  /** Matched against the request's path and query. */
  path: RegExp;
  status: 409 | 500 | 503;
  times: number;
}

export interface FaultyKubeApi {
  /** A kubeconfig for the portal's user that goes through the proxy. */
  kubeconfigFile: string;
  injectFault(fault: KubeFault): void;
  /** The faults answered so far: `PATCH /apis/… 409`. */
  injected: string[];
  close(): Promise<void>;
}

function statusBody(status: KubeFault['status'], what: string) {
  const byStatus = {
    409: {
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
    },
    500: {
      reason: 'InternalError',
      message: 'Internal error occurred: etcdserver: request timed out',
    },
    503: {
      reason: 'ServiceUnavailable',
      message: 'The server is currently unable to handle the request',
    },
  }[status];
  return JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code: status,
    ...byStatus,
  });
}

/**
 * A TLS proxy in front of a lab cluster's real kube-apiserver that passes
 * every request through (watches included) except those a fault matches.
 * The portal's kubeconfig points at it, so its client and helm meet the
 * faults; the API server's audit log still records what got through.
 */
export async function serveKubeWithFaults(
  cluster: LabCluster,
  dir: string,
): Promise<FaultyKubeApi> {
  const tls = generateSelfSignedCertificate({
    commonName: 'bpa-e2e-kube-faults',
    ipAddresses: ['127.0.0.1'],
  });
  const upstream = new URL(cluster.api.server);
  const upstreamCa = Buffer.from(cluster.api.caData, 'base64');
  const faults: KubeFault[] = [];
  const injected: string[] = [];
  const server = https.createServer(
    { cert: tls.certificate, key: tls.privateKey },
    (req, res) => {
      const fault = faults.find(
        f =>
          f.times > 0 &&
          (!f.method || f.method === req.method) &&
          f.path.test(req.url ?? ''),
      );
      if (fault) {
        fault.times -= 1;
        injected.push(`${req.method} ${req.url} ${fault.status}`);
        req.resume();
        res.writeHead(fault.status, {
          'content-type': 'application/json',
          ...(fault.status === 503 ? { 'retry-after': '1' } : {}),
        });
        res.end(statusBody(fault.status, req.url ?? ''));
        return;
      }
      const forwarded = https.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
          ca: upstreamCa,
        },
        answer => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forwarded.on('error', error => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(error));
      });
      req.pipe(forwarded);
    },
  );
  keepIdleConnections(server);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const kubeconfig = fs
    .readFileSync(cluster.kubeconfigFile, 'utf8')
    .replace(/server: .*/, `server: https://127.0.0.1:${port}`)
    .replace(
      /certificate-authority-data: .*/,
      `certificate-authority-data: ${Buffer.from(tls.certificate).toString(
        'base64',
      )}`,
    );
  const kubeconfigFile = path.join(dir, 'kubeconfig-with-faults');
  fs.writeFileSync(kubeconfigFile, kubeconfig, { mode: 0o600 });
  return {
    kubeconfigFile,
    injectFault: fault => faults.push({ ...fault }),
    injected,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A helm that fails its first `upgrade` as helm does when the cluster
 * cannot be reached (before touching anything), then is the real helm:
 * "helm failing once". `failures()` counts the upgrades it refused.
 */
export function helmFailingOnce(
  helm: string,
  dir: string,
): { binary: string; failures(): number } {
  const marker = path.join(dir, 'helm-failed-once');
  const binary = path.join(dir, 'helm-failing-once');
  fs.writeFileSync(
    binary,
    [
      '#!/bin/sh',
      `if [ "$1" = upgrade ] && [ ! -e '${marker}' ]; then`,
      `  : > '${marker}'`,
      '  echo \'Error: Kubernetes cluster unreachable: Get "https://127.0.0.1/version": dial tcp 127.0.0.1:443: i/o timeout\' >&2',
      '  exit 1',
      'fi',
      `exec '${helm}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return { binary, failures: () => (fs.existsSync(marker) ? 1 : 0) };
}
