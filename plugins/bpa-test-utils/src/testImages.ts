import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as tar from 'tar';
import { TestRegistry } from './registry';

const run = promisify(execFile);

/**
 * The skopeo the tests run: `BPA_SKOPEO_BINARY`, else Debian's
 * `/usr/bin/skopeo` (installed by scripts/system-deps.sh).
 */
export function testSkopeoBinary(): string {
  const binary = process.env.BPA_SKOPEO_BINARY ?? '/usr/bin/skopeo';
  if (!fs.existsSync(binary)) {
    throw new Error(
      `The mirror tests need skopeo at ${binary}: run \`bash scripts/system-deps.sh\` (installs Debian's skopeo) or set BPA_SKOPEO_BINARY.`,
    );
  }
  return binary;
}

/** A test image written as an OCI image layout directory (skopeo's `oci:` transport). */
export interface TestImageLayout {
  /** The layout directory; its one image is tagged `tag`. */
  dir: string;
  tag: string;
  /** Digest of the image: its index when several platforms, else its manifest. */
  digest: string;
  platforms: string[];
  /** Layer blobs of every platform (the base layer is shared). */
  layers: number;
  /** Bytes of every blob: config, layers, manifests. */
  bytes: number;
}

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Writes an OCI image layout holding one image of random content: for each
 * platform a manifest with a base layer (shared by the platforms) and a
 * platform layer of `layerBytes`, under an index when there are several
 * platforms. Real gzip'd tar layers, so skopeo can also turn it into a
 * `docker save` archive.
 */
export function writeTestImageLayout(
  dir: string,
  options: { tag: string; platforms?: string[]; layerBytes?: number },
): TestImageLayout {
  const platforms = options.platforms ?? ['amd64'];
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  let bytes = 0;
  let layers = 0;
  const writeBlob = (data: Buffer) => {
    const digest = sha256(data);
    fs.writeFileSync(path.join(blobs, digest.slice('sha256:'.length)), data);
    bytes += data.length;
    return { digest, size: data.length };
  };
  const layer = (content: Buffer) => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-layer-'));
    try {
      fs.writeFileSync(path.join(work, 'payload.bin'), content);
      const file = path.join(work, 'layer.tar');
      tar.c(
        { sync: true, file, cwd: work, portable: true, mtime: new Date(0) },
        ['payload.bin'],
      );
      const raw = fs.readFileSync(file);
      const compressed = zlib.gzipSync(raw);
      layers += 1;
      return { ...writeBlob(compressed), diffId: sha256(raw) };
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  };
  const base = layer(randomBytes(64 * 1024));
  const manifests = platforms.map(architecture => {
    const own = layer(randomBytes(options.layerBytes ?? 256 * 1024));
    const config = writeBlob(
      Buffer.from(
        JSON.stringify({
          architecture,
          os: 'linux',
          config: { Cmd: ['/payload.bin'] },
          rootfs: { type: 'layers', diff_ids: [base.diffId, own.diffId] },
        }),
      ),
    );
    const manifest = writeBlob(
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: {
            mediaType: 'application/vnd.oci.image.config.v1+json',
            ...config,
          },
          layers: [base, own].map(l => ({
            mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
            digest: l.digest,
            size: l.size,
          })),
        }),
      ),
    );
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...manifest,
      platform: { architecture, os: 'linux' },
    };
  });
  const top =
    manifests.length === 1
      ? manifests[0]
      : {
          mediaType: 'application/vnd.oci.image.index.v1+json',
          ...writeBlob(
            Buffer.from(
              JSON.stringify({
                schemaVersion: 2,
                mediaType: 'application/vnd.oci.image.index.v1+json',
                manifests,
              }),
            ),
          ),
        };
  fs.writeFileSync(
    path.join(dir, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  fs.writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.size,
          annotations: { 'org.opencontainers.image.ref.name': options.tag },
        },
      ],
    }),
  );
  return {
    dir,
    tag: options.tag,
    digest: top.digest,
    platforms,
    layers,
    bytes,
  };
}

const tlsFlags = (registry: TestRegistry, side: 'src' | 'dest') => [
  `--${side}-tls-verify=false`,
  ...(registry.username
    ? [`--${side}-creds`, `${registry.username}:${registry.password}`]
    : []),
];

/** Pushes a test image into a registry with skopeo (`--all`, digests kept). */
export async function pushTestImage(
  image: TestImageLayout,
  registry: TestRegistry,
  reference: string,
): Promise<void> {
  await run(testSkopeoBinary(), [
    'copy',
    '--all',
    '--preserve-digests',
    ...tlsFlags(registry, 'dest'),
    `oci:${image.dir}:${image.tag}`,
    `docker://${registry.host}/${reference}`,
  ]);
}

/**
 * Writes the test image as an archive, as a BPA package ships them:
 * `docker-archive` (`docker save`, one platform, the first) or `oci-archive`
 * (every platform, digests kept).
 */
export async function writeTestImageArchive(
  image: TestImageLayout,
  file: string,
  format: 'docker-archive' | 'oci-archive',
  reference: string,
): Promise<void> {
  await run(
    testSkopeoBinary(),
    format === 'oci-archive'
      ? [
          'copy',
          '--all',
          '--preserve-digests',
          `oci:${image.dir}:${image.tag}`,
          `oci-archive:${file}:${image.tag}`,
        ]
      : [
          '--override-arch',
          image.platforms[0],
          'copy',
          `oci:${image.dir}:${image.tag}`,
          `docker-archive:${file}:${reference}`,
        ],
  );
}

/** Copies between registries with skopeo, as an operator would: setup for tests. */
export async function copyBetweenRegistries(
  from: { registry: TestRegistry; reference: string },
  to: { registry: TestRegistry; reference: string },
): Promise<void> {
  await run(testSkopeoBinary(), [
    'copy',
    '--all',
    '--preserve-digests',
    ...tlsFlags(from.registry, 'src'),
    ...tlsFlags(to.registry, 'dest'),
    `docker://${from.registry.host}/${from.reference}`,
    `docker://${to.registry.host}/${to.reference}`,
  ]);
}
