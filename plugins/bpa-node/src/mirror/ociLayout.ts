import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { parse as parseYaml } from 'yaml';

/** What an OCI index or image manifest says about its parts. */
interface ManifestJson {
  mediaType?: string;
  manifests?: Array<{ digest: string; mediaType?: string }>;
  config?: { digest: string; size: number; mediaType?: string };
  layers?: Array<{ digest: string; size: number }>;
}

/** An image (or chart) as the mirror knows it before copying it. */
export interface ImageFacts {
  /** Digest of its top manifest: the index of a multi-arch image. */
  digest: string;
  /** Platforms of an index; 1 for a single manifest. */
  platforms: number;
  /** Config digest of each manifest (of the one manifest, for a single image). */
  configDigests: string[];
  /** Distinct layer blobs. */
  layers: Array<{ digest: string; size: number }>;
  /** Bytes of the layers and configs. */
  bytes: number;
  index: boolean;
}

export const sha256Digest = (data: Buffer | string) =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/**
 * The facts of an image from its manifests, read through `readRaw` (the
 * top manifest for `undefined`, else the manifest of a digest): through
 * skopeo for a registry, from the blobs of an OCI layout on disk. Every
 * child manifest read must hash to the digest its index names.
 */
export async function imageFacts(
  readRaw: (digest?: string) => Promise<Buffer>,
  what: string,
): Promise<ImageFacts> {
  const top = await readRaw();
  const topJson = JSON.parse(top.toString()) as ManifestJson;
  const children: ManifestJson[] = [];
  if (Array.isArray(topJson.manifests)) {
    for (const child of topJson.manifests) {
      const raw = await readRaw(child.digest);
      if (sha256Digest(raw) !== child.digest) {
        throw new Error(
          `${what}: the manifest of ${child.digest} hashes to ${sha256Digest(
            raw,
          )}: its content does not match its digest (corrupted or tampered with)`,
        );
      }
      children.push(JSON.parse(raw.toString()));
    }
  } else {
    children.push(topJson);
  }
  const layers = new Map<string, number>();
  let bytes = 0;
  const configDigests: string[] = [];
  for (const manifest of children) {
    if (manifest.config) {
      configDigests.push(manifest.config.digest);
      bytes += manifest.config.size;
    }
    for (const layer of manifest.layers ?? []) {
      if (!layers.has(layer.digest)) {
        layers.set(layer.digest, layer.size);
        bytes += layer.size;
      }
    }
  }
  return {
    digest: sha256Digest(top),
    platforms: children.length,
    configDigests,
    layers: [...layers].map(([digest, size]) => ({ digest, size })),
    bytes,
    index: Array.isArray(topJson.manifests),
  };
}

/** An OCI image layout directory (skopeo's `oci:` transport). */
export interface OciLayout {
  dir: string;
  /** The image's `org.opencontainers.image.ref.name`, when it has one. */
  refName?: string;
  /** The digest index.json names for the image. */
  digest: string;
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/** Reads a blob of a layout, checking that its bytes hash to the digest that names them. */
export async function readLayoutBlob(
  dir: string,
  digest: string,
): Promise<Buffer> {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !/^[0-9a-f]{64}$/.test(hex ?? '')) {
    throw new Error(`unsupported digest ${digest}`);
  }
  const data = await fs.readFile(path.join(dir, 'blobs', algorithm, hex));
  if (sha256Digest(data) !== digest) {
    throw new Error(
      `blob ${digest} hashes to ${sha256Digest(
        data,
      )}: its content does not match its digest (corrupted or tampered with)`,
    );
  }
  return data;
}

/** The one image of an OCI layout: index.json's only entry, or the one tagged `tag`. */
export async function layoutImage(
  dir: string,
  tag: string,
  what: string,
): Promise<OciLayout> {
  const index = JSON.parse(
    await fs.readFile(path.join(dir, 'index.json'), 'utf8'),
  ) as {
    manifests?: Array<{ digest: string; annotations?: Record<string, string> }>;
  };
  const entries = index.manifests ?? [];
  const entry =
    entries.length === 1
      ? entries[0]
      : entries.find(e => e.annotations?.[REF_NAME] === tag);
  if (!entry) {
    throw new Error(
      `${what} holds ${entries.length} images and none is tagged ${tag}`,
    );
  }
  return { dir, refName: entry.annotations?.[REF_NAME], digest: entry.digest };
}

/** The entries of a tar archive (gzip'd or not). */
export async function tarEntries(file: string): Promise<string[]> {
  const entries: string[] = [];
  await tar.t({
    file,
    onReadEntry: entry => {
      entries.push(entry.path.replace(/^\.\//, ''));
    },
  });
  return entries;
}

export async function extractTar(file: string, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await tar.x({ file, cwd: dir, strict: true });
}

async function chartYamlOf(file: string): Promise<Record<string, unknown>> {
  let text: string | undefined;
  await tar.t({
    file,
    onReadEntry: entry => {
      if (/^[^/]+\/Chart\.yaml$/.test(entry.path)) {
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        entry.on('end', () => {
          text = Buffer.concat(chunks).toString();
        });
      }
    },
  });
  if (text === undefined) {
    throw new Error(
      `${path.basename(
        file,
      )} holds no <chart>/Chart.yaml: not a packaged Helm chart`,
    );
  }
  const chart = parseYaml(text);
  if (!chart?.name || !chart?.version) {
    throw new Error(
      `${path.basename(file)}: Chart.yaml has no name or version`,
    );
  }
  return chart;
}

const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_CHART_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/**
 * A packaged Helm chart (`.tgz`) as an OCI layout holding the artifact
 * `helm push` would make (config: the chart's metadata; one layer: the
 * archive), but without a creation time: the same archive always gives
 * the same digest, so a second mirror finds it in ECR and copies nothing.
 */
export async function chartLayout(
  archive: string,
  dir: string,
  tag: string,
): Promise<OciLayout & { chartVersion: string; chartName: string }> {
  const chart = await chartYamlOf(archive);
  const blobs = path.join(dir, 'blobs', 'sha256');
  await fs.mkdir(blobs, { recursive: true });
  const write = async (data: Buffer) => {
    const digest = sha256Digest(data);
    await fs.writeFile(path.join(blobs, digest.slice('sha256:'.length)), data);
    return { digest, size: data.length };
  };
  const layer = await write(await fs.readFile(archive));
  const config = await write(Buffer.from(JSON.stringify(chart)));
  const annotations: Record<string, string> = {
    'org.opencontainers.image.title': String(chart.name),
    'org.opencontainers.image.version': String(chart.version),
    ...(chart.description
      ? { 'org.opencontainers.image.description': String(chart.description) }
      : {}),
  };
  const manifest = await write(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: HELM_CONFIG, ...config },
        layers: [{ mediaType: HELM_CHART_LAYER, ...layer }],
        annotations,
      }),
    ),
  );
  await fs.writeFile(
    path.join(dir, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' }),
  );
  await fs.writeFile(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          ...manifest,
          annotations: { [REF_NAME]: tag },
        },
      ],
    }),
  );
  return {
    dir,
    refName: tag,
    digest: manifest.digest,
    chartName: String(chart.name),
    chartVersion: String(chart.version),
  };
}
