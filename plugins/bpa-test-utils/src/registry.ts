import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServerProcess } from './serverProcess';

/** The media types a registry may store a manifest as: asked for together, so no registry converts one. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];

/** A real OCI distribution registry (Debian's docker-registry 2.8) on loopback. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`: how skopeo and helm name it. */
  host: string;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Basic auth the registry demands (htpasswd), when started with `auth: true`. */
  username?: string;
  password?: string;
  /** Its filesystem storage (`docker/registry/v2/...`), for tests that corrupt a blob. */
  storageRoot: string;
  pid: number;
  /** The digest the registry has under a tag (`Docker-Content-Digest`), or undefined when it has none. */
  digestOf(repository: string, tag: string): Promise<string | undefined>;
  /** Tags of a repository; empty when the repository was never pushed to. */
  tags(repository: string): Promise<string[]>;
  /** Path of a blob's bytes in the storage. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
}

/**
 * The registry binary: `BPA_DOCKER_REGISTRY`, else Debian's
 * `/usr/bin/docker-registry` (package docker-registry, installed by
 * scripts/system-deps.sh), else `registry` on the PATH.
 */
export function testRegistryBinary(): string {
  if (process.env.BPA_DOCKER_REGISTRY) return process.env.BPA_DOCKER_REGISTRY;
  const candidates = [
    '/usr/bin/docker-registry',
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map(dir => path.join(dir, 'registry')),
  ];
  const found = candidates.find(c => fs.existsSync(c));
  if (!found) {
    throw new Error(
      "The registry tests need the distribution registry: run `bash scripts/system-deps.sh` (installs Debian's docker-registry) or set BPA_DOCKER_REGISTRY to a `registry` 2.x binary.",
    );
  }
  return found;
}

/** A bcrypt htpasswd line, the only hash the registry accepts, from libxcrypt through Perl's crypt(). */
function htpasswdLine(username: string, password: string): string {
  const alphabet =
    './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = [...randomBytes(22)].map(b => alphabet[b % 64]).join('');
  const hash = execFileSync(
    'perl',
    ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`],
    { encoding: 'utf8' },
  );
  if (!hash.startsWith('$2b$')) {
    throw new Error(
      `crypt() made no bcrypt hash (${hash.slice(
        0,
        10,
      )}…); the registry's htpasswd needs one`,
    );
  }
  return `${username}:${hash}\n`;
}

/**
 * Starts `docker-registry serve` on 127.0.0.1 (a port the OS picks; never
 * the system service's :5000) with its storage in a new temporary
 * directory, and resolves once it listens. With `auth: true` it demands a
 * user (`username`, default bpa-test) and a generated password (htpasswd). `stop()` ends it by pid and
 * removes the storage.
 */
export async function startTestRegistry(
  options: { auth?: boolean; username?: string; timeoutMs?: number } = {},
): Promise<TestRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-registry-'));
  const storageRoot = path.join(dir, 'storage');
  fs.mkdirSync(storageRoot);
  const username = options.auth ? options.username ?? 'bpa-test' : undefined;
  const password = options.auth
    ? `Reg:${randomBytes(12).toString('base64url')}`
    : undefined;
  if (username && password) {
    fs.writeFileSync(
      path.join(dir, 'htpasswd'),
      htpasswdLine(username, password),
      { mode: 0o600 },
    );
  }
  const config = {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: storageRoot },
      delete: { enabled: true },
    },
    http: {
      addr: '127.0.0.1:0',
      secret: randomBytes(16).toString('hex'),
    },
    ...(username
      ? {
          auth: {
            htpasswd: { realm: 'bpa-test', path: path.join(dir, 'htpasswd') },
          },
        }
      : {}),
  };
  const configFile = path.join(dir, 'config.yml');
  // JSON is YAML too: the registry reads it as its config.yml.
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));

  const server = await startServerProcess({
    name: 'docker-registry',
    command: testRegistryBinary(),
    args: ['serve', configFile],
    ready: output => {
      const listening = /listening on 127\.0\.0\.1:(\d+)/.exec(output);
      return listening ? Number(listening[1]) : undefined;
    },
    timeoutMs: options.timeoutMs ?? 15_000,
  }).catch(error => {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  });
  const port = server.ready;
  const stop = async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const headers: Record<string, string> =
    username && password
      ? {
          authorization: `Basic ${Buffer.from(
            `${username}:${password}`,
          ).toString('base64')}`,
        }
      : {};
  return {
    host,
    url,
    username,
    password,
    storageRoot,
    pid: server.pid,
    async digestOf(repository, tag) {
      const response = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
        method: 'HEAD',
        headers: { ...headers, accept: MANIFEST_MEDIA_TYPES.join(', ') },
      });
      if (response.status === 404) return undefined;
      if (!response.ok) {
        throw new Error(
          `registry ${host}: HEAD ${repository}:${tag} answered ${response.status}`,
        );
      }
      return response.headers.get('docker-content-digest') ?? undefined;
    },
    async tags(repository) {
      const response = await fetch(`${url}/v2/${repository}/tags/list`, {
        headers,
      });
      if (response.status === 404) return [];
      const body = (await response.json()) as { tags?: string[] | null };
      return body.tags ?? [];
    },
    blobPath(digest) {
      const hex = digest.replace(/^sha256:/, '');
      return path.join(
        storageRoot,
        'docker/registry/v2/blobs/sha256',
        hex.slice(0, 2),
        hex,
        'data',
      );
    },
    stop,
  };
}
