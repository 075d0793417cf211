import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';
import {
  generateSelfSignedCertificate,
  TlsCertificate,
} from '@internal/backstage-plugin-bpa-node';

/**
 * A real Kubernetes API server for tests: etcd and kube-apiserver on free
 * 127.0.0.1 ports, in a temporary directory, with a static admin token,
 * RBAC, and service account keys. No kubelet, scheduler or controllers:
 * tests create Node objects and patch status subresources themselves.
 */
export interface TestKubeApiServer {
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of a cluster administrator (group system:masters). */
  token: string;
  /** Another administrator token, for tests of credential renewal. */
  rotatedToken: string;
  /** The serving certificate (base64 PEM, as kubeconfig's certificate-authority-data). */
  caData: string;
  /** A kubeconfig for the administrator. */
  kubeconfig: string;
  /** A kubeconfig for the second administrator (`rotatedToken`, user bpa-test-admin-2), e.g. the portal's, told apart from the test's own calls in the audit log. */
  rotatedKubeconfig: string;
  /** Certificate and key the API server trusts for kubelets at 127.0.0.1 (see startFakeKubelet). */
  kubeletTls: TlsCertificate;
  /**
   * A raw call as the administrator, for what the product never does
   * (status subresources, playing the controllers); parsed JSON back,
   * throws on an HTTP error.
   */
  request(
    method: string,
    apiPath: string,
    body?: unknown,
    contentType?: string,
  ): Promise<any>;
  /**
   * What the API server did, request by request, when started with
   * `{ audit: true }` (audit level Metadata: who, verb, object, response
   * code; never bodies). Empty otherwise.
   */
  auditEvents(): KubeAuditEvent[];
  /** Stops both processes (by pid) and deletes the directory. */
  stop(): Promise<void>;
}

/** One entry of the API server's audit log (audit.k8s.io/v1 Event, the fields tests read). */
export interface KubeAuditEvent {
  verb: string;
  user: { username: string };
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
}

const SETUP_SCRIPT = 'scripts/kube-apiserver.sh';

/** Where kube-apiserver and etcd are: KUBEBUILDER_ASSETS, else the cache the setup script fills. */
export function kubeBinaryDirectory(): string {
  if (process.env.KUBEBUILDER_ASSETS) return process.env.KUBEBUILDER_ASSETS;
  const tools =
    process.env.BPA_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'bpa-tools');
  return path.join(tools, 'kube');
}

function findBinaries() {
  const dir = kubeBinaryDirectory();
  const binaries = {
    etcd: path.join(dir, 'etcd'),
    kubeApiServer: path.join(dir, 'kube-apiserver'),
  };
  const missing = Object.values(binaries).filter(file => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const fix = process.env.KUBEBUILDER_ASSETS
      ? `KUBEBUILDER_ASSETS=${dir} must hold both (setup-envtest layout); unset it to use the binaries \`bash ${SETUP_SCRIPT}\` builds`
      : `Run \`bash ${SETUP_SCRIPT}\` from the repository root (it builds them once into ${dir}), or set KUBEBUILDER_ASSETS to a directory holding both`;
    throw new Error(
      `The Kubernetes API server tests need kube-apiserver and etcd; missing: ${missing.join(
        ', ',
      )}. ${fix}.`,
    );
  }
  return binaries;
}

function startProcess(
  file: string,
  args: string[],
  logFile: string,
): ChildProcess {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return child;
}

function logTail(logFile: string, lines = 30): string {
  try {
    return fs
      .readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid)
    return;
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid && child.exitCode === null)
      process.kill(child.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

function getStatus(url: string, ca: string): Promise<number> {
  return new Promise(resolve => {
    const req = https.get(url, { ca, timeout: 2000 }, res => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  processes: Array<{ name: string; child: ChildProcess; log: string }>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of processes) {
      if (p.child.exitCode !== null) {
        throw new Error(
          `${p.name} exited with code ${
            p.child.exitCode
          } before ${what}; its log:\n${logTail(p.log)}`,
        );
      }
    }
    if (await check()) return;
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}; logs:\n${processes
          .map(p => `--- ${p.name}\n${logTail(p.log)}`)
          .join('\n')}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

/** The minor version of a kube-apiserver binary (`Kubernetes v1.20.2` -> 20). */
function minorVersion(kubeApiServer: string): number {
  const version = execFileSync(kubeApiServer, ['--version'], {
    encoding: 'utf8',
  });
  const match = /v1\.(\d+)\./.exec(version);
  if (!match)
    throw new Error(`${kubeApiServer} --version said ${version.trim()}`);
  return Number(match[1]);
}

export async function startKubeApiServer(
  options: { audit?: boolean } = {},
): Promise<TestKubeApiServer> {
  const binaries = findBinaries();
  const minor = minorVersion(binaries.kubeApiServer);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-kube-'));
  const file = (name: string) => path.join(dir, name);
  const [etcdPort, peerPort, apiPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];

  const serving = generateSelfSignedCertificate({
    commonName: 'kube-apiserver',
    dnsNames: ['localhost', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  fs.writeFileSync(file('serving.crt'), serving.certificate);
  const kubeletTls = generateSelfSignedCertificate({
    commonName: 'fake-kubelet',
    ipAddresses: ['127.0.0.1'],
  });
  fs.writeFileSync(file('kubelet.crt'), kubeletTls.certificate);
  fs.writeFileSync(file('serving.key'), serving.privateKey, { mode: 0o600 });
  const sa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(
    file('sa.key'),
    sa.privateKey.export({ type: 'pkcs1', format: 'pem' }),
    { mode: 0o600 },
  );
  fs.writeFileSync(
    file('sa.pub'),
    sa.publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const token = crypto.randomBytes(24).toString('hex');
  const rotatedToken = crypto.randomBytes(24).toString('hex');
  fs.writeFileSync(
    file('tokens.csv'),
    [
      `${token},bpa-test-admin,bpa-test-admin,"system:masters"`,
      `${rotatedToken},bpa-test-admin-2,bpa-test-admin-2,"system:masters"`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const auditLog = file('audit.log');
  if (options.audit) {
    fs.writeFileSync(
      file('audit-policy.yaml'),
      [
        'apiVersion: audit.k8s.io/v1',
        'kind: Policy',
        'omitStages: [RequestReceived]',
        'rules:',
        '- level: Metadata',
        '',
      ].join('\n'),
    );
  }

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = {
    name: 'etcd',
    log: file('etcd.log'),
    child: startProcess(
      binaries.etcd,
      [
        '--name=test',
        `--data-dir=${file('etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=test=${peerUrl}`,
        '--log-level=warn',
        '--logger=zap',
      ],
      file('etcd.log'),
    ),
  };
  const server = `https://127.0.0.1:${apiPort}`;
  const apiserver = {
    name: 'kube-apiserver',
    log: file('kube-apiserver.log'),
    child: startProcess(
      binaries.kubeApiServer,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        // Until 1.24 the flag exists: make sure no unauthenticated port opens.
        ...(minor < 24 ? ['--insecure-port=0'] : []),
        `--cert-dir=${file('certs')}`,
        `--tls-cert-file=${file('serving.crt')}`,
        `--tls-private-key-file=${file('serving.key')}`,
        `--token-auth-file=${file('tokens.csv')}`,
        '--authorization-mode=RBAC',
        `--service-account-key-file=${file('sa.pub')}`,
        `--service-account-signing-key-file=${file('sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.96.0.0/16',
        // EKS admits privileged pods (node preparation needs them).
        '--allow-privileged=true',
        // Alpha before 1.21 (on by default since, a removed gate from 1.25): keeps Jobs' ttlSecondsAfterFinished as EKS does.
        ...(minor < 21 ? ['--feature-gates=TTLAfterFinished=true'] : []),
        `--kubelet-certificate-authority=${file('kubelet.crt')}`,
        '--kubelet-preferred-address-types=InternalIP',
        '--profiling=false',
        ...(options.audit
          ? [
              `--audit-policy-file=${file('audit-policy.yaml')}`,
              `--audit-log-path=${auditLog}`,
              '--audit-log-format=json',
              // Written as each request completes, so a test reads what just happened.
              '--audit-log-mode=blocking',
            ]
          : []),
        '--v=1',
      ],
      file('kube-apiserver.log'),
    ),
  };
  const processes = [etcd, apiserver];
  const stop = async () => {
    await stopProcess(apiserver.child);
    await stopProcess(etcd.child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(
      'the API server to be ready',
      async () =>
        (await getStatus(`${server}/readyz`, serving.certificate)) === 200,
      processes,
      60_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const caData = Buffer.from(serving.certificate).toString('base64');
  const kubeconfigFor = (bearer: string) =>
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: test',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority-data: ${caData}`,
      'users:',
      '- name: admin',
      '  user:',
      `    token: ${bearer}`,
      'contexts:',
      '- name: test',
      '  context: {cluster: test, user: admin}',
      'current-context: test',
      '',
    ].join('\n');
  const kubeconfig = kubeconfigFor(token);
  const rotatedKubeconfig = kubeconfigFor(rotatedToken);
  const auditEvents = (): KubeAuditEvent[] => {
    if (!options.audit || !fs.existsSync(auditLog)) return [];
    return fs
      .readFileSync(auditLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line) as KubeAuditEvent);
  };
  const request = (
    method: string,
    apiPath: string,
    body?: unknown,
    contentType = 'application/json',
  ) =>
    new Promise<any>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = https.request(
        `${server}${apiPath}`,
        {
          method,
          ca: serving.certificate,
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'application/json',
            ...(payload ? { 'content-type': contentType } : {}),
          },
        },
        res => {
          let text = '';
          res.on('data', chunk => (text += chunk));
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) {
              reject(
                new Error(
                  `${method} ${apiPath}: HTTP ${res.statusCode} ${text}`,
                ),
              );
            } else {
              resolve(text ? JSON.parse(text) : undefined);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    server,
    token,
    rotatedToken,
    caData,
    kubeconfig,
    rotatedKubeconfig,
    kubeletTls,
    request,
    auditEvents,
    stop,
  };
}

/**
 * Registers a Node object (there is no kubelet to do it). With
 * `kubeletPort`, the node's status points the API server at a fake kubelet
 * on 127.0.0.1, for pod logs.
 */
export async function registerNode(
  api: TestKubeApiServer,
  name: string,
  labels: Record<string, string>,
  kubeletPort?: number,
): Promise<void> {
  await api.request('POST', '/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
  });
  if (kubeletPort) {
    await api.request(
      'PATCH',
      `/api/v1/nodes/${name}/status`,
      {
        status: {
          addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
          daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
        },
      },
      'application/merge-patch+json',
    );
  }
}

/**
 * A kubelet that only serves container logs: `logOf(namespace, pod,
 * container)` is what the API server gets for `pods/log`.
 */
export async function startFakeKubelet(
  tls: TlsCertificate,
  logOf: (namespace: string, pod: string, container: string) => string,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = https.createServer(
    { cert: tls.certificate, key: tls.privateKey },
    (req, res) => {
      const match = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(
        req.url ?? '',
      );
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const url = new URL(req.url!, 'https://kubelet');
      const tail = Number(url.searchParams.get('tailLines') ?? 0);
      const lines = logOf(match[1], match[2], match[3]).split('\n');
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end((tail > 0 ? lines.slice(-tail) : lines).join('\n'));
    },
  );
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}
