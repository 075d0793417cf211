import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { MirrorCopy } from '../plan/mirror';
import { formatDuration, ProgressLogger } from '../kubernetes/progress';
import {
  chartLayout,
  extractTar,
  ImageFacts,
  imageFacts,
  layoutImage,
  readLayoutBlob,
  tarEntries,
} from './ociLayout';
import { SkopeoSession } from './skopeo';

/** A copy's source, resolved: what skopeo copies, and what it must arrive as. */
export interface ResolvedSource extends ImageFacts {
  copy: MirrorCopy;
  /** skopeo's source reference, by digest where the transport allows it. */
  reference: string;
  /**
   * What identifies the image in ECR. `manifest`: its manifest digest,
   * kept by the copy (`--preserve-digests`). `config`: its config digest
   * (the image id) — a `docker save` archive has uncompressed layers that
   * skopeo compresses on the way, so the pushed manifest is new.
   */
  identity: 'manifest' | 'config';
}

/** Where archives come from, for the sources that are archives. */
export interface ArchiveAccess {
  /** An S3 client for the environment's account (archives in S3). */
  s3?: () => Promise<S3Client>;
  /** The absolute path of a path in the task's workspace (checked by the action). */
  workspaceFile(relative: string): string;
}

/** `1.3 MB`, `2.05 GB`: sizes as the progress lines show them. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.ceil(bytes / 1024)} kB`;
}

/** `docker://host/repo:tag` or `oci://host/repo:tag` → `host/repo`, `tag`. */
function splitRegistryReference(source: string): {
  repository: string;
  tag: string;
} {
  const rest = source.replace(/^(docker|oci):\/\//, '');
  const colon = rest.lastIndexOf(':');
  if (colon < rest.lastIndexOf('/')) {
    throw new Error(`${source} names no tag`);
  }
  return { repository: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

const isRegistrySource = (source: string) =>
  source.startsWith('docker://') || source.startsWith('oci://');

/** The source registry's host of a copy, when it comes from a registry. */
export function sourceRegistryHost(copy: MirrorCopy): string | undefined {
  return isRegistrySource(copy.source)
    ? splitRegistryReference(copy.source).repository.split('/')[0]
    : undefined;
}

async function download(
  source: string,
  file: string,
  access: ArchiveAccess,
  logger: ProgressLogger,
): Promise<void> {
  const started = Date.now();
  let body: Readable;
  if (source.startsWith('s3://')) {
    if (!access.s3) throw new Error(`${source}: no S3 access configured`);
    const [bucket, ...key] = source.slice('s3://'.length).split('/');
    const s3 = await access.s3();
    try {
      const object = await s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key.join('/') }),
      );
      body = object.Body as Readable;
    } catch (error) {
      const name = (error as Error).name;
      throw new Error(
        name === 'NoSuchKey' || name === 'NotFound'
          ? `${source} does not exist`
          : `S3 GetObject ${source} failed: ${(error as Error).message}`,
      );
    }
  } else {
    const response = await fetch(source);
    if (!response.ok || !response.body) {
      throw new Error(`GET ${source} answered HTTP ${response.status}`);
    }
    body = Readable.fromWeb(response.body as any);
  }
  await pipeline(body, createWriteStream(file, { mode: 0o600 }));
  const { size } = await fs.stat(file);
  logger.info(
    `Fetched ${source} (${formatBytes(size)} in ${formatDuration(
      Date.now() - started,
    )})`,
  );
}

/** The archive of a copy as a local file: downloaded into the session for S3 and https, else in the workspace. */
async function localArchive(
  copy: MirrorCopy,
  session: SkopeoSession,
  access: ArchiveAccess,
  logger: ProgressLogger,
  index: number,
): Promise<string> {
  if (copy.source.startsWith('s3://') || copy.source.startsWith('https://')) {
    const file = path.join(
      session.workDir,
      `${index}-${path.posix.basename(new URL(copy.source).pathname)}`,
    );
    await download(copy.source, file, access, logger);
    return file;
  }
  return access.workspaceFile(copy.source);
}

/**
 * Finds out what a copy's source holds — its digest, platforms, layers and
 * size — reading the registry's manifests with skopeo or the archive on
 * disk (downloaded first from S3 or https). Copies nothing.
 */
export async function resolveSource(
  copy: MirrorCopy,
  index: number,
  session: SkopeoSession,
  access: ArchiveAccess,
  logger: ProgressLogger,
): Promise<ResolvedSource> {
  const what = `${copy.kind} ${copy.name} from ${copy.source}`;
  if (isRegistrySource(copy.source)) {
    const { repository, tag } = splitRegistryReference(copy.source);
    let facts: ImageFacts;
    try {
      facts = await imageFacts(
        digest =>
          session.inspectRaw(
            digest
              ? `docker://${repository}@${digest}`
              : `docker://${repository}:${tag}`,
          ),
        what,
      );
    } catch (error) {
      throw new Error(`Reading ${what} failed: ${(error as Error).message}`);
    }
    // The registry must hold what it served under the tag by that content's digest; else what it serves was altered.
    await session
      .inspectRaw(`docker://${repository}@${facts.digest}`)
      .catch(error => {
        throw new Error(
          /manifest unknown|not found/i.test(error.message)
            ? `${what}: the manifest the registry serves for tag ${tag} hashes to ${facts.digest}, but the registry holds no manifest with that digest: its content does not match its digest (corrupted or tampered with in the source registry). Nothing was copied.`
            : `Reading ${what} by digest ${facts.digest} failed: ${error.message}`,
        );
      });
    return {
      ...facts,
      copy,
      // By digest: what is copied is what was just read, even if the tag moves meanwhile.
      reference: `docker://${repository}@${facts.digest}`,
      identity: 'manifest',
    };
  }

  const file = await localArchive(copy, session, access, logger, index);
  const layoutDir = path.join(session.workDir, `layout-${index}`);
  if (copy.kind === 'chart') {
    const layout = await chartLayout(file, layoutDir, copy.tag);
    if (layout.chartVersion !== copy.tag.replace(/_/g, '+')) {
      throw new Error(
        `${what} is chart ${layout.chartName} ${layout.chartVersion}, but the request is for BPA ${copy.tag}: give the package of that version (or change bpa.version)`,
      );
    }
    return layoutSource(
      copy,
      layout.dir,
      layout.digest,
      `oci:${layout.dir}:${copy.tag}`,
      what,
    );
  }
  const entries = await tarEntries(file).catch(error => {
    throw new Error(`${what} is not a tar archive: ${error.message}`);
  });
  if (entries.includes('oci-layout')) {
    await extractTar(file, layoutDir);
    const image = await layoutImage(layoutDir, copy.tag, what);
    return layoutSource(
      copy,
      layoutDir,
      image.digest,
      `oci:${layoutDir}${image.refName ? `:${image.refName}` : ''}`,
      what,
    );
  }
  if (entries.includes('manifest.json')) {
    const reference = `docker-archive:${file}`;
    const facts = await imageFacts(
      async () => session.inspectRaw(reference),
      what,
    ).catch(error => {
      throw new Error(`Reading ${what} failed: ${error.message}`);
    });
    return { ...facts, copy, reference, identity: 'config' };
  }
  throw new Error(
    `${what} is neither an OCI archive (oci-layout) nor a docker save archive (manifest.json)`,
  );
}

async function layoutSource(
  copy: MirrorCopy,
  dir: string,
  digest: string,
  reference: string,
  what: string,
): Promise<ResolvedSource> {
  const facts = await imageFacts(
    d => readLayoutBlob(dir, d ?? digest),
    what,
  ).catch(error => {
    throw new Error(`Reading ${what} failed: ${error.message}`);
  });
  return { ...facts, copy, reference, identity: 'manifest' };
}
