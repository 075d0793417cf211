import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onPath, runProgram } from '../helm/helmBinary';
import { SecretMasker } from '../kubernetes/progress';

/** The skopeo binary and the version it reports. */
export interface SkopeoBinary {
  path: string;
  /** e.g. `1.9.3` */
  version: string;
}

/** The oldest skopeo the mirror is tested with (Debian 12's; `--preserve-digests`, `--digestfile`, `--retry-times`). */
export const MINIMUM_SKOPEO_VERSION = '1.9.0';

const newerOrSame = (version: string, minimum: string) => {
  const a = version.split('.').map(Number);
  const b = minimum.split('.').map(Number);
  for (let i = 0; i < b.length; i++) {
    if ((a[i] ?? 0) !== b[i]) return (a[i] ?? 0) > b[i];
  }
  return true;
};

/**
 * The skopeo binary: config `bpa.skopeo.binary`, else `skopeo` on the
 * backend's PATH; run once (`skopeo --version`) so a missing, broken or
 * too old binary fails before anything is copied.
 */
export async function findSkopeoBinary(
  configured?: string,
): Promise<SkopeoBinary> {
  const found = configured ?? onPath('skopeo');
  if (!found) {
    throw new Error(
      "skopeo is not installed: no `skopeo` on the backend's PATH. Install skopeo (Debian/Ubuntu: apt-get install skopeo) or set bpa.skopeo.binary in app-config to its path.",
    );
  }
  const result = await runProgram(found, ['--version']);
  const version = /version (\d+\.\d+\.\d+)/.exec(result.stdout)?.[1];
  if (result.code !== 0 || !version) {
    throw new Error(
      `skopeo at ${found}${
        configured ? ' (bpa.skopeo.binary)' : ''
      } does not run: ${(result.stderr || result.stdout).trim()}`,
    );
  }
  if (!newerOrSame(version, MINIMUM_SKOPEO_VERSION)) {
    throw new Error(
      `skopeo at ${found} is ${version}; the mirror needs ${MINIMUM_SKOPEO_VERSION} or later`,
    );
  }
  return { path: found, version };
}

/** What a preflight reports about skopeo: usable (with its version), or why not. */
export type SkopeoCheck =
  | { ok: true; path: string; version: string }
  | { ok: false; problem: string };

/** `findSkopeoBinary` for a preflight: never throws. */
export async function checkSkopeo(configured?: string): Promise<SkopeoCheck> {
  try {
    return { ok: true, ...(await findSkopeoBinary(configured)) };
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
}

/** How skopeo reaches one registry. */
export interface RegistryAccess {
  /** `host[:port]`, as image references name it. */
  host: string;
  username?: string;
  password?: string;
  /** false: plain HTTP or an unverified certificate (a private registry, a test's). */
  tlsVerify: boolean;
}

/** The message of skopeo's fatal log line, else its last output line. */
export function skopeoError(stderr: string): string {
  const fatal = /level=fatal msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  if (fatal) return fatal[1].replace(/\\(.)/g, '$1');
  return stderr.trim().split('\n').slice(-1)[0] ?? '';
}

/** `docker://host/…` → host; anything else has no registry. */
const registryHostOf = (reference: string) =>
  reference.startsWith('docker://')
    ? reference.slice('docker://'.length).split('/')[0]
    : undefined;

/**
 * skopeo run in a private temporary directory: its registry logins
 * (`auth.json`, 0600), trust policy, registries configuration and
 * temporary files live there, never in the backend user's home, and the
 * directory is removed by `close()` (call it in a `finally`).
 */
export class SkopeoSession {
  private constructor(
    private readonly binary: string,
    readonly dir: string,
    private readonly registries: Map<string, RegistryAccess>,
    private readonly masker: SecretMasker,
    private readonly signal?: AbortSignal,
  ) {}

  static async open(options: {
    binary: string;
    registries: RegistryAccess[];
    masker: SecretMasker;
    signal?: AbortSignal;
    tempRoot?: string;
  }): Promise<SkopeoSession> {
    const dir = await fs.mkdtemp(
      path.join(options.tempRoot ?? os.tmpdir(), 'bpa-skopeo-'),
    );
    try {
      await fs.chmod(dir, 0o700);
      const auths: Record<string, { auth: string }> = {};
      for (const registry of options.registries) {
        if (registry.username === undefined) continue;
        const auth = Buffer.from(
          `${registry.username}:${registry.password ?? ''}`,
        ).toString('base64');
        options.masker.add(registry.password, auth);
        auths[registry.host] = { auth };
      }
      await fs.writeFile(
        path.join(dir, 'auth.json'),
        JSON.stringify({ auths }),
        { mode: 0o600 },
      );
      // Signatures are not used: what is trusted is the digest, which the mirror verifies itself.
      await fs.writeFile(
        path.join(dir, 'policy.json'),
        JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }),
      );
      // No short names, mirrors or blocks from the backend host's /etc/containers: every reference is complete.
      await fs.writeFile(path.join(dir, 'registries.conf'), '');
      await fs.mkdir(path.join(dir, 'registries.d'));
      await fs.mkdir(path.join(dir, 'tmp'));
      await fs.mkdir(path.join(dir, 'work'));
    } catch (error) {
      await fs.rm(dir, { recursive: true, force: true });
      throw error;
    }
    return new SkopeoSession(
      options.binary,
      dir,
      new Map(options.registries.map(r => [r.host, r])),
      options.masker,
      options.signal,
    );
  }

  /** A directory for files the mirror prepares (archives, layouts), removed with the session. */
  get workDir(): string {
    return path.join(this.dir, 'work');
  }

  private tlsVerify(reference: string): boolean | undefined {
    const host = registryHostOf(reference);
    return host === undefined
      ? undefined
      : this.registries.get(host)?.tlsVerify ?? true;
  }

  private run(
    args: string[],
    onLine?: (line: string) => void,
  ): Promise<{ code: number; stdout: Buffer; stderr: string }> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: this.dir,
      XDG_RUNTIME_DIR: this.dir,
      TMPDIR: path.join(this.dir, 'tmp'),
      CONTAINERS_REGISTRIES_CONF: path.join(this.dir, 'registries.conf'),
      ...(process.env.HTTPS_PROXY
        ? { HTTPS_PROXY: process.env.HTTPS_PROXY }
        : {}),
      ...(process.env.NO_PROXY ? { NO_PROXY: process.env.NO_PROXY } : {}),
    };
    const global = [
      '--policy',
      path.join(this.dir, 'policy.json'),
      '--registries.d',
      path.join(this.dir, 'registries.d'),
      '--tmpdir',
      path.join(this.dir, 'tmp'),
    ];
    return new Promise(resolve => {
      if (this.signal?.aborted) {
        resolve({ code: 130, stdout: Buffer.alloc(0), stderr: 'cancelled' });
        return;
      }
      const child = spawn(this.binary, [...global, ...args], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      let stderr = '';
      let partial = '';
      const onAbort = () => child.kill('SIGTERM');
      this.signal?.addEventListener('abort', onAbort);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk);
        if (!onLine) return;
        partial += chunk.toString();
        const lines = partial.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onLine(line.trim());
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.on('error', error =>
        resolve({ code: 127, stdout: Buffer.alloc(0), stderr: error.message }),
      );
      child.on('close', code => {
        this.signal?.removeEventListener('abort', onAbort);
        resolve({
          code: this.signal?.aborted ? 130 : code ?? 1,
          stdout: Buffer.concat(stdout),
          stderr: this.signal?.aborted ? 'cancelled' : stderr,
        });
      });
    });
  }

  /** `skopeo inspect --raw`: the manifest (or index) exactly as stored. */
  async inspectRaw(reference: string): Promise<Buffer> {
    const tls = this.tlsVerify(reference);
    const result = await this.run([
      'inspect',
      '--raw',
      '--retry-times',
      '3',
      '--authfile',
      path.join(this.dir, 'auth.json'),
      ...(tls === undefined ? [] : [`--tls-verify=${tls}`]),
      reference,
    ]);
    if (result.code !== 0) {
      throw new Error(this.masker.mask(skopeoError(result.stderr)));
    }
    return result.stdout;
  }

  /**
   * `skopeo copy`; resolves with the digest of the manifest written at the
   * destination (`--digestfile`). Lines of skopeo's progress go to `onLine`.
   */
  async copy(
    source: string,
    destination: string,
    options: {
      all: boolean;
      preserveDigests: boolean;
      onLine?: (line: string) => void;
    },
  ): Promise<string> {
    const digestFile = path.join(this.dir, 'tmp', 'digest');
    await fs.rm(digestFile, { force: true });
    const srcTls = this.tlsVerify(source);
    const destTls = this.tlsVerify(destination);
    const result = await this.run(
      [
        'copy',
        '--retry-times',
        '3',
        '--authfile',
        path.join(this.dir, 'auth.json'),
        '--digestfile',
        digestFile,
        ...(options.all ? ['--all'] : []),
        ...(options.preserveDigests ? ['--preserve-digests'] : []),
        ...(srcTls === undefined ? [] : [`--src-tls-verify=${srcTls}`]),
        ...(destTls === undefined ? [] : [`--dest-tls-verify=${destTls}`]),
        source,
        destination,
      ],
      options.onLine,
    );
    if (result.code !== 0) {
      throw new Error(this.masker.mask(skopeoError(result.stderr)));
    }
    return (await fs.readFile(digestFile, 'utf8')).trim();
  }

  async close(): Promise<void> {
    await fs.rm(this.dir, { recursive: true, force: true });
  }
}
