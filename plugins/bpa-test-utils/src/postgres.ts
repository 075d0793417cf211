import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports';

/**
 * A real PostgreSQL server for tests: a fresh cluster in a temporary
 * directory, listening on 127.0.0.1 only, on a free port. Like RDS, TCP
 * clients authenticate with a password (pg_hba method `md5`); the
 * superuser `postgres` has a generated password.
 */
export interface TestPostgres {
  host: string;
  port: number;
  /** The superuser. */
  user: string;
  /** The superuser's connection string (with its password), database `postgres`. */
  connectionString: string;
  /** Runs this server's psql over TCP; as the superuser unless told otherwise. Never throws on a non-zero exit. */
  psql(args: string[], opts?: PsqlOptions): Promise<PsqlResult>;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
}

export interface PsqlOptions {
  user?: string;
  password?: string;
  database?: string;
}

export interface PsqlResult {
  stdout: string;
  stderr: string;
  code: number;
}

const SUPERUSER = 'postgres';
/** initdb and postgres refuse to run as root; Debian's package creates this OS user. */
const SERVER_OS_USER = 'postgres';

interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Run> {
  return new Promise(resolve => {
    execFile(
      file,
      args,
      { env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ stdout, stderr, code: 0 });
          return;
        }
        // A number is the exit code; otherwise the tool did not start (ENOENT...).
        const code = typeof error.code === 'number' ? error.code : 1;
        resolve({ stdout, stderr: stderr || error.message, code });
      },
    );
  });
}

const versionOf = (dir: string) => Number(path.basename(dir)) || 0;

/** The bin directory holding initdb and pg_ctl: the newest Debian install, else PATH. */
function findServerBinaries(): string {
  const debianRoot = '/usr/lib/postgresql';
  const debianBins = fs.existsSync(debianRoot)
    ? fs
        .readdirSync(debianRoot)
        .map(version => path.join(debianRoot, version))
        .sort((a, b) => versionOf(b) - versionOf(a))
        .map(dir => path.join(dir, 'bin'))
    : [];
  const pathBins = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean);
  const found = [...debianBins, ...pathBins].find(dir =>
    ['initdb', 'pg_ctl', 'postgres'].every(tool =>
      fs.existsSync(path.join(dir, tool)),
    ),
  );
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl, postgres) were found neither under ' +
        '/usr/lib/postgresql/*/bin nor on PATH. Install them: apt-get install -y postgresql',
    );
  }
  return found;
}

/** psql next to the server, else the one on PATH. */
function findPsql(binDir: string): string {
  const candidates = [
    binDir,
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
  ].map(dir => path.join(dir, 'psql'));
  const psql = candidates.find(file => fs.existsSync(file));
  if (!psql) {
    throw new Error(
      'psql was not found. Install it: apt-get install -y postgresql',
    );
  }
  return psql;
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a server tool; as root, through `runuser` as the postgres OS user. */
function runServerTool(
  binDir: string,
  tool: string,
  args: string[],
): Promise<Run> {
  const file = path.join(binDir, tool);
  const env = { ...process.env, LC_ALL: 'C' };
  return asRoot()
    ? run('runuser', ['-u', SERVER_OS_USER, '--', file, ...args], env)
    : run(file, args, env);
}

async function chownToServerUser(dir: string): Promise<void> {
  const id = await run('id', ['-u', SERVER_OS_USER]);
  const gid = await run('id', ['-g', SERVER_OS_USER]);
  if (id.code !== 0 || gid.code !== 0) {
    throw new Error(
      `Running as root, the PostgreSQL server needs the OS user "${SERVER_OS_USER}" ` +
        '(created by apt-get install -y postgresql), which does not exist',
    );
  }
  const uid = Number(id.stdout.trim());
  const groupId = Number(gid.stdout.trim());
  const chownTree = (p: string) => {
    fs.chownSync(p, uid, groupId);
    if (fs.statSync(p).isDirectory()) {
      for (const entry of fs.readdirSync(p)) chownTree(path.join(p, entry));
    }
  };
  chownTree(dir);
}

function failure(what: string, result: Run, logFile?: string): Error {
  const log =
    logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  return new Error(
    `${what} failed (exit ${result.code}):\n${result.stdout}${result.stderr}${
      log ? `\nserver log:\n${log}` : ''
    }`,
  );
}

/**
 * Starts a fresh PostgreSQL server; call `stop()` when done.
 * `maxConnections` is its max_connections (PostgreSQL's default, 100, when
 * not given): a test running many backends at once, each with a pool per
 * plugin database, needs more.
 */
export async function startPostgres(
  options: { maxConnections?: number } = {},
): Promise<TestPostgres> {
  const binDir = findServerBinaries();
  const psqlBin = findPsql(binDir);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'server.log');
  const passwordFile = path.join(root, 'superuser-password');
  const password = randomBytes(18).toString('base64url');
  fs.mkdirSync(socketDir);
  fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (asRoot()) await chownToServerUser(root);

  const cleanUp = () => fs.rmSync(root, { recursive: true, force: true });
  try {
    const init = await runServerTool(binDir, 'initdb', [
      '--pgdata',
      dataDir,
      '--username',
      SUPERUSER,
      '--pwfile',
      passwordFile,
      '--auth-local',
      'trust',
      '--auth-host',
      'md5',
      '--encoding',
      'UTF8',
      '--locale',
      'C',
      '--no-sync',
    ]);
    if (init.code !== 0) throw failure('initdb', init);

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      // Written into the configuration rather than passed with pg_ctl -o,
      // which goes through a shell.
      fs.appendFileSync(
        path.join(dataDir, 'postgresql.conf'),
        [
          `listen_addresses = '127.0.0.1'`,
          `port = ${port}`,
          `unix_socket_directories = '${socketDir}'`,
          // PostgreSQL's default; initdb --auth-host md5 would make it md5,
          // hiding whether the SQL under test asks for md5 itself.
          `password_encryption = 'scram-sha-256'`,
          'fsync = off',
          ...(options.maxConnections
            ? [`max_connections = ${options.maxConnections}`]
            : []),
          '',
        ].join('\n'),
      );
      const start = await runServerTool(binDir, 'pg_ctl', [
        '--pgdata',
        dataDir,
        '--log',
        logFile,
        '--wait',
        '--timeout',
        '60',
        'start',
      ]);
      if (start.code === 0) break;
      // Another process may have taken the port between probe and start.
      if (attempt === 3) throw failure('pg_ctl start', start, logFile);
    }

    const connectionString = `postgresql://${SUPERUSER}:${encodeURIComponent(
      password,
    )}@127.0.0.1:${port}/postgres`;
    return {
      host: '127.0.0.1',
      port,
      user: SUPERUSER,
      connectionString,
      psql: (args, opts = {}) => {
        const user = opts.user ?? SUPERUSER;
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          PGCONNECT_TIMEOUT: '10',
        };
        delete env.PGPASSWORD;
        const pgPassword =
          opts.password ?? (user === SUPERUSER ? password : undefined);
        if (pgPassword !== undefined) env.PGPASSWORD = pgPassword;
        return run(
          psqlBin,
          [
            '--no-psqlrc',
            '--no-password',
            '--host',
            '127.0.0.1',
            '--port',
            String(port),
            '--username',
            user,
            '--dbname',
            opts.database ?? 'postgres',
            ...args,
          ],
          env,
        );
      },
      stop: async () => {
        const stop = await runServerTool(binDir, 'pg_ctl', [
          '--pgdata',
          dataDir,
          '--mode',
          'fast',
          '--wait',
          'stop',
        ]);
        cleanUp();
        if (stop.code !== 0) throw failure('pg_ctl stop', stop);
      },
    };
  } catch (error) {
    cleanUp();
    throw error;
  }
}
