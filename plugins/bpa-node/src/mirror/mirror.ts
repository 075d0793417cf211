import { ECRClient } from '@aws-sdk/client-ecr';
import { ecrImageDigest, ecrRegistryLogin } from '../ecr/registry';
import {
  Checkpoint,
  formatDuration,
  ProgressLogger,
  SecretMasker,
} from '../kubernetes/progress';
import { MirrorPlan } from '../plan/mirror';
import {
  ArchiveAccess,
  formatBytes,
  ResolvedSource,
  resolveSource,
  sourceRegistryHost,
} from './sources';
import { RegistryAccess, SkopeoSession } from './skopeo';

/** One copy as the mirror left it. */
export interface MirroredImage {
  kind: 'image' | 'chart';
  name: string;
  tag: string;
  source: string;
  /** `<registry>/<repository>:<tag>` in ECR. */
  target: string;
  /** The digest ECR holds under the tag. */
  digest: string;
  /** copied by this run, or already present in ECR (nothing copied). */
  outcome: 'copied' | 'present';
  platforms: number;
  layers: number;
  bytes: number;
  /** Seconds the copy took (0 when present). */
  seconds: number;
}

export interface MirrorOptions {
  plan: MirrorPlan;
  /** Path of the skopeo binary (see findSkopeoBinary). */
  skopeo: string;
  /** ECR of the environment's account and region, with the portal's credentials. */
  ecr: ECRClient;
  /** How skopeo reaches a source registry (credentials, TLS), by host. */
  sourceAccess(host: string): RegistryAccess;
  archives: ArchiveAccess;
  logger: ProgressLogger;
  masker: SecretMasker;
  checkpoint: Checkpoint;
  /** Cancels the running copy (the task's signal). */
  signal?: AbortSignal;
  /** Where the private working directory goes; defaults to the OS temp dir. */
  tempRoot?: string;
  /** How often a long copy logs that it still runs. Default 30 s. */
  heartbeatMs?: number;
}

/** What ECR holds under the target tag, compared with the source. */
type Decision =
  | { action: 'copy'; source: ResolvedSource }
  | { action: 'present'; source: ResolvedSource; digest: string };

const short = (digest: string) => digest.slice(0, 'sha256:'.length + 12);

/** The clear message of a copy that failed, for what skopeo says most often. */
function copyFailure(source: ResolvedSource, target: string, message: string) {
  const what = `Copying ${source.copy.kind} ${source.copy.name} from ${source.copy.source} to ${target}`;
  const mismatch =
    /Digest did not match, expected (sha256:[0-9a-f]+), got (sha256:[0-9a-f]+)/.exec(
      message,
    );
  if (mismatch) {
    return new Error(
      `${what} failed: the source sent a blob whose content does not match its digest (expected ${mismatch[1]}, got ${mismatch[2]}): the image is corrupted or was tampered with in the source. ECR got no tag for it.`,
    );
  }
  if (/unauthorized|authentication required|denied/i.test(message)) {
    return new Error(
      `${what} failed: access refused (${message}). Check the source registry's credentials (task secret or bpa.mirror.registries) and the portal's ECR permissions (ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage on the environment's repositories).`,
    );
  }
  return new Error(`${what} failed: ${message}`);
}

/**
 * Copies the plan's images and chart into the environment's ECR with
 * skopeo: by digest, every platform of an index, and only what ECR does
 * not already hold. First every source is read and compared with ECR
 * (nothing is copied when one of them cannot be, or when ECR holds another
 * digest under a target's immutable tag); then each missing one is copied
 * in a checkpoint, and the digest ECR reports is verified against the
 * source's.
 */
export async function mirrorIntoEcr(
  options: MirrorOptions,
): Promise<MirroredImage[]> {
  const { logger, plan } = options;
  const login = await ecrRegistryLogin(options.ecr);
  options.masker.add(login.password);
  const registry = login.host;
  const sourceHosts = [
    ...new Set(
      plan.copies
        .map(sourceRegistryHost)
        .filter((h): h is string => h !== undefined),
    ),
  ];
  const session = await SkopeoSession.open({
    binary: options.skopeo,
    registries: [
      ...sourceHosts.map(host => options.sourceAccess(host)),
      { ...login, tlsVerify: !login.plainHttp },
    ],
    masker: options.masker,
    signal: options.signal,
    tempRoot: options.tempRoot,
  });
  try {
    const repositoryOf = (target: string) =>
      target.slice(0, target.lastIndexOf(':'));
    const destination = (target: string) => `${registry}/${target}`;

    // Read every source and ECR before copying anything.
    const decisions: Decision[] = [];
    const problems: string[] = [];
    for (const [index, copy] of plan.copies.entries()) {
      try {
        const source = await resolveSource(
          copy,
          index,
          session,
          options.archives,
          logger,
        );
        const held = await ecrImageDigest(
          options.ecr,
          repositoryOf(copy.target),
          copy.tag,
        );
        if (held === undefined) {
          decisions.push({ action: 'copy', source });
          continue;
        }
        const matches =
          source.identity === 'manifest'
            ? held === source.digest
            : JSON.parse(
                (
                  await session.inspectRaw(
                    `docker://${destination(copy.target)}`,
                  )
                ).toString(),
              ).config?.digest === source.configDigests[0];
        if (matches) {
          decisions.push({ action: 'present', source, digest: held });
        } else {
          problems.push(
            `${destination(copy.target)} already holds ${held}, which is not ${
              copy.source
            } (${
              source.identity === 'manifest'
                ? source.digest
                : `image id ${source.configDigests[0]}`
            }). The environment's ECR tags are immutable: if the source is right, remove the old image (aws ecr batch-delete-image --repository-name ${repositoryOf(
              copy.target,
            )} --image-ids imageTag=${copy.tag}) and run the mirror again.`,
          );
        }
      } catch (error) {
        problems.push((error as Error).message);
      }
    }
    if (problems.length > 0) {
      throw new Error(
        `Nothing was copied into ECR ${registry}:\n- ${problems.join('\n- ')}`,
      );
    }
    const toCopy = decisions.filter(d => d.action === 'copy');
    logger.info(
      `ECR ${registry}: ${toCopy.length} of ${
        decisions.length
      } to copy (${formatBytes(
        toCopy.reduce((n, d) => n + d.source.bytes, 0),
      )}), ${
        decisions.length - toCopy.length
      } already there; multi-arch images are copied with every platform`,
    );

    const results: MirroredImage[] = [];
    for (const decision of decisions) {
      const { source } = decision;
      const { copy } = source;
      const target = destination(copy.target);
      const base = {
        kind: copy.kind,
        name: copy.name,
        tag: copy.tag,
        source: copy.source,
        target,
        platforms: source.platforms,
        layers: source.layers.length,
        bytes: source.bytes,
      };
      if (decision.action === 'present') {
        logger.info(
          `${copy.name}:${copy.tag}: already in ECR as ${short(
            decision.digest,
          )}… — nothing to copy`,
        );
        results.push({
          ...base,
          digest: decision.digest,
          outcome: 'present',
          seconds: 0,
        });
        continue;
      }
      const copied = await options.checkpoint(
        `bpa-ecr-mirror-${copy.target}-${
          source.identity === 'manifest'
            ? source.digest
            : source.configDigests[0]
        }`,
        () =>
          copyOne(options, session, source, target, repositoryOf(copy.target)),
      );
      results.push({ ...base, ...copied, outcome: 'copied' });
    }
    return results;
  } finally {
    await session.close();
  }
}

/** One copy, its progress in the log, and the digest ECR then reports checked against the source. */
async function copyOne(
  options: MirrorOptions,
  session: SkopeoSession,
  source: ResolvedSource,
  target: string,
  repository: string,
): Promise<{ digest: string; seconds: number }> {
  const { logger } = options;
  const { copy } = source;
  const label = `${copy.name}:${copy.tag}`;
  const sizes = new Map(source.layers.map(l => [l.digest, l.size]));
  const total = source.layers.length;
  const size = `${total} layer${total === 1 ? '' : 's'}, ${formatBytes(
    source.bytes,
  )}`;
  logger.info(
    `${label}: copying ${copy.source} → ${target} (${short(source.digest)}…, ${
      source.platforms > 1 ? `${source.platforms} platforms, ` : ''
    }${size})`,
  );
  const started = Date.now();
  const elapsed = () => formatDuration(Date.now() - started);
  // The platforms of an index share layers; skopeo names a shared one again for each platform.
  const sent = new Set<string>();
  let platform = '';
  const heartbeat = setInterval(
    () =>
      logger.info(
        `${label}: still copying, layer ${
          sent.size
        }/${total}${platform} (${elapsed()})`,
      ),
    options.heartbeatMs ?? 30_000,
  );
  let pushed: string;
  try {
    pushed = await session.copy(source.reference, `docker://${target}`, {
      all: source.index,
      preserveDigests: source.identity === 'manifest',
      onLine: line => {
        const image = /^Copying image sha256:[0-9a-f]+ \((\d+\/\d+)\)/.exec(
          line,
        );
        if (image) platform = `, platform ${image[1]}`;
        const blob = /^Copying blob (sha256:[0-9a-f]+)/.exec(line)?.[1];
        const bytes = blob ? sizes.get(blob) : undefined;
        if (!blob || bytes === undefined || sent.has(blob)) return;
        sent.add(blob);
        logger.info(
          `${label}: layer ${sent.size}/${total} ${short(blob)}… (${formatBytes(
            bytes,
          )})${platform} ${elapsed()}`,
        );
      },
    });
  } catch (error) {
    throw copyFailure(source, target, (error as Error).message);
  } finally {
    clearInterval(heartbeat);
  }
  if (source.identity === 'manifest' && pushed !== source.digest) {
    throw new Error(
      `${label}: ECR stored ${pushed} for ${target}, not the source's ${source.digest}`,
    );
  }
  const held = await ecrImageDigest(options.ecr, repository, copy.tag);
  if (held !== pushed) {
    throw new Error(
      `${label}: after the copy ECR reports ${held ?? 'no image'} under ${
        copy.tag
      }, not the pushed ${pushed}`,
    );
  }
  if (source.identity === 'config') {
    const config = JSON.parse(
      (await session.inspectRaw(`docker://${target}`)).toString(),
    ).config?.digest;
    if (config !== source.configDigests[0]) {
      throw new Error(
        `${label}: the image in ECR has config ${config}, not the archive's image id ${source.configDigests[0]}`,
      );
    }
  }
  const seconds = (Date.now() - started) / 1000;
  logger.info(
    `${label}: in ECR as ${short(pushed)}…, verified against the source (${
      source.identity === 'manifest' ? 'digest' : 'image id'
    }); ${size} in ${elapsed()}${
      seconds >= 1 ? ` (${formatBytes(source.bytes / seconds)}/s)` : ''
    }`,
  );
  return { digest: pushed, seconds: Math.round(seconds * 10) / 10 };
}
