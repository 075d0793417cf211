import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { freePort } from '@internal/backstage-plugin-bpa-test-utils';
import { Pool } from 'pg';
import { stringify } from 'yaml';
import { LabCluster, REGION, World } from './world';

/** One backend process of a portal. */
export interface Replica {
  name: string;
  baseUrl: string;
  pid: number;
  /** Its stdout and stderr (JSON log lines). */
  logFile: string;
  /** backend.workingDirectory: each task it runs has its workspace here, named by the task's id. */
  workingDirectory: string;
  /** Resolves when the process has exited, however. */
  exited: Promise<void>;
  /** True until the process exits. */
  alive(): boolean;
  /** From its spawn until it answered ready, and the CPU it had used by then (seconds). */
  startup?: { seconds: number; cpuSeconds: number };
  /** CPU seconds the process used (up to its kill or stop, once it is gone). */
  cpuSeconds(): number;
  /** SIGKILL to the whole process group (the backend and the helm it runs): no shutdown hooks, as a crashed pod. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export interface PortalOptions {
  /** Names the portal's databases (prefix) and files. */
  name: string;
  /** The cluster `bpa.kubernetes.kubeconfig` points at. */
  cluster?: LabCluster;
  /** scaffolder.taskRecovery.staleTimeout. */
  staleTimeoutSeconds?: number;
  /** bpa.helm.binary, when not the world's helm (a helm that fails once). */
  helmBinary?: string;
  /** Extra app-config, merged over the harness's (shallowly, per top-level key). */
  config?: Record<string, unknown>;
}

/**
 * A portal deployment: backends (replicas) sharing one PostgreSQL (each
 * plugin's database, under the portal's prefix), one entities directory (a
 * shared volume: bpa.catalog.entitiesDirectory must be the same for every
 * replica) and one configuration; each replica has its own working
 * directory, as separate pods do.
 */
export interface Portal {
  name: string;
  dir: string;
  entitiesDirectory: string;
  replicas: Replica[];
  /** Starts a backend process and resolves once it is ready. */
  startReplica(name: string): Promise<Replica>;
  /** The scaffolder's own tables, read directly (whichever replicas are up). */
  scaffolderDb: Pool;
  /** Kills every replica still running and closes the database pool. */
  stop(): Promise<void>;
}

const PACKAGE_DIR = resolvePackagePath('@internal/backstage-plugin-bpa-e2e');
const ENTRY = path.join(PACKAGE_DIR, 'src', 'backend', 'index.ts');
const NODE_TRANSFORM = require.resolve(
  '@backstage/cli/config/nodeTransform.cjs',
);
const TEMPLATES = path.join(PACKAGE_DIR, '..', '..', 'templates');
const EXAMPLE_ORG = path.join(PACKAGE_DIR, '..', '..', 'examples', 'org.yaml');

/**
 * Who issues the tasks: a member of platform-team, the requests' owner, so
 * the portal's permission policy lets them apply and tear down (not an
 * admin: the owner's path through the policy is the one tested).
 */
export const E2E_USER = 'user:default/pat';

/** A member of app-team only, which owns no environment: the policy refuses them an apply. */
export const OUTSIDER = 'user:default/sam';

/** The last lines of a backend's log, without its access log (the readiness polls). */
const tail = (file: string, lines = 40) => {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(line => !line.includes('"type":"incomingRequest"'))
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
};

/** User and system CPU of a live process, from /proc (0 once it is gone). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name, which may hold spaces: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Node's compile cache (NODE_COMPILE_CACHE) for the backends, kept between
 * runs: V8's code for the modules every start-up loads, so a backend
 * starts faster and with less CPU. Keyed by each file's content, so an
 * edited file is compiled afresh.
 */
const COMPILE_CACHE = path.join(
  PACKAGE_DIR,
  '..',
  '..',
  'node_modules',
  '.cache',
  'bpa-e2e-compile-cache',
);

function exitedOf(child: ChildProcess): Promise<void> {
  return new Promise(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** What every replica of the portal is configured with; the port and working directory are the replica's own. */
function portalConfig(
  world: World,
  portal: { name: string; entitiesDirectory: string },
  options: PortalOptions,
) {
  const pg = new URL(world.postgres.connectionString);
  const { time } = world;
  return {
    backend: {
      database: {
        client: 'pg',
        prefix: `bpa_e2e_${portal.name.replace(/[^a-z0-9]/gi, '_')}_`,
        connection: {
          host: pg.hostname,
          port: Number(pg.port),
          user: decodeURIComponent(pg.username),
          password: decodeURIComponent(pg.password),
        },
      },
    },
    auth: {
      providers: {
        exampleUsers: {
          users: [
            { userEntityRef: E2E_USER, title: 'Pat Platform' },
            { userEntityRef: OUTSIDER, title: 'Sam Apps' },
          ],
          dangerouslyAllowOutsideDevelopment: true,
        },
      },
    },
    permission: { enabled: true },
    catalog: {
      rules: [
        {
          allow: [
            'Component',
            'System',
            'API',
            'Resource',
            'Location',
            'User',
            'Group',
          ],
        },
      ],
      locations: [
        ...['bpa-environment', 'bpa-environment-teardown'].map(name => ({
          type: 'file',
          target: path.join(TEMPLATES, name, 'template.yaml'),
          rules: [{ allow: ['Template'] }],
        })),
        // Its users and groups: the portal's policy reads ownership from them.
        {
          type: 'file',
          target: EXAMPLE_ORG,
          rules: [{ allow: ['User', 'Group'] }],
        },
      ],
    },
    scaffolder: {
      taskRecovery: {
        enabled: true,
        staleTimeout: { seconds: options.staleTimeoutSeconds ?? 10 },
      },
    },
    bpa: {
      permissions: { adminGroups: ['group:default/portal-admins'] },
      catalog: {
        entitiesDirectory: portal.entitiesDirectory,
        waitSeconds: 120,
      },
      aws: { pollIntervalSeconds: time.seconds(20) },
      atlas: {
        baseUrl: world.atlas.prism.baseUrl,
        serviceAccount: world.atlas.server.serviceAccount,
        pollIntervalSeconds: time.seconds(30),
      },
      ...(options.cluster && {
        kubernetes: {
          kubeconfig: options.cluster.kubeconfigFile,
          pollIntervalSeconds: time.seconds(5),
        },
      }),
      helm: { binary: options.helmBinary ?? world.helmBinary },
      skopeo: { binary: world.skopeoBinary },
      mirror: {
        registries: [
          {
            host: world.registries.source.host,
            username: world.registries.source.username,
            password: world.registries.source.password,
            // A loopback docker-registry over plain HTTP.
            tlsVerify: false,
          },
        ],
      },
      status: { cacheSeconds: 0, timeoutSeconds: 30 },
    },
    ...options.config,
  };
}

export async function startPortal(
  world: World,
  options: PortalOptions,
): Promise<Portal> {
  const dir = fs.mkdtempSync(path.join(world.dir, `portal-${options.name}-`));
  const entitiesDirectory = path.join(dir, 'environments');
  fs.mkdirSync(entitiesDirectory);
  const shared = portalConfig(
    world,
    { name: options.name, entitiesDirectory },
    options,
  );
  const pg = new URL(world.postgres.connectionString);
  const scaffolderDb = new Pool({
    host: pg.hostname,
    port: Number(pg.port),
    user: decodeURIComponent(pg.username),
    password: decodeURIComponent(pg.password),
    database: `${shared.backend.database.prefix}scaffolder`,
    max: 2,
  });
  // The pool connects lazily; a database that does not exist yet is created by the first replica.
  scaffolderDb.on('error', () => undefined);
  const replicas: Replica[] = [];

  async function startReplica(name: string): Promise<Replica> {
    const replicaDir = path.join(dir, `replica-${name}`);
    fs.mkdirSync(path.join(replicaDir, 'work'), { recursive: true });
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const config = {
      ...shared,
      app: { baseUrl },
      backend: {
        ...shared.backend,
        baseUrl,
        listen: { host: '127.0.0.1', port },
        workingDirectory: path.join(replicaDir, 'work'),
      },
    };
    const configFile = path.join(replicaDir, 'app-config.yaml');
    fs.writeFileSync(configFile, stringify(config), { mode: 0o600 });
    const logFile = path.join(replicaDir, 'backend.log');
    const log = fs.openSync(logFile, 'a');
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) {
      if (key.startsWith('AWS_') || key.startsWith('APP_CONFIG_'))
        delete env[key];
    }
    const child = spawn(
      process.execPath,
      ['-r', NODE_TRANSFORM, ENTRY, '--config', configFile],
      {
        // Backstage finds the repository (its package.json) from the working directory.
        cwd: PACKAGE_DIR,
        detached: true,
        stdio: ['ignore', log, log],
        env: {
          ...env,
          NODE_ENV: 'production',
          LOG_LEVEL: 'info',
          NODE_COMPILE_CACHE: COMPILE_CACHE,
          BPA_E2E_AWS_URL: world.aws.server.url,
          BPA_E2E_REPLICA: name,
          // Static credentials of the simulated account; nothing leaves this machine.
          AWS_ACCESS_KEY_ID: 'AKIASIMULATEDE2E0000',
          AWS_SECRET_ACCESS_KEY: 'simulated-secret-access-key',
          AWS_REGION: REGION,
          AWS_EC2_METADATA_DISABLED: 'true',
          // A closed port: a call that escaped the simulation fails rather than reaching AWS.
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        },
      },
    );
    fs.closeSync(log);
    const exited = exitedOf(child);
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    const spawnedAt = Date.now();
    let cpuAtExit: number | undefined;
    const lastCpu = () => {
      cpuAtExit ??= processCpuSeconds(child.pid!);
    };
    const replica: Replica = {
      name,
      baseUrl,
      pid: child.pid!,
      logFile,
      workingDirectory: config.backend.workingDirectory,
      exited,
      alive: () => child.exitCode === null && child.signalCode === null,
      cpuSeconds: () => cpuAtExit ?? processCpuSeconds(child.pid!),
      async kill() {
        lastCpu();
        signalGroup('SIGKILL');
        await exited;
      },
      async stop() {
        lastCpu();
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      },
    };
    replicas.push(replica);
    // Seconds on an idle machine; minutes when many processes share two cores.
    const deadline = Date.now() + 360_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `Backend ${name} exited (${
            child.exitCode ?? child.signalCode
          }) before it was ready:\n${tail(logFile)}`,
        );
      }
      const ready = await fetch(
        `${baseUrl}/.backstage/health/v1/readiness`,
      ).then(
        r => r.ok,
        () => false,
      );
      if (ready) {
        replica.startup = {
          seconds: (Date.now() - spawnedAt) / 1000,
          cpuSeconds: processCpuSeconds(child.pid!),
        };
        return replica;
      }
      if (Date.now() > deadline) {
        await replica.kill();
        throw new Error(
          `Backend ${name} was not ready within 360 s:\n${tail(logFile)}`,
        );
      }
      await new Promise(r => setTimeout(r, 1000));
    }
  }

  return {
    name: options.name,
    dir,
    entitiesDirectory,
    replicas,
    startReplica,
    scaffolderDb,
    async stop() {
      await Promise.all(replicas.map(r => r.kill()));
      await scaffolderDb.end().catch(() => undefined);
    },
  };
}
