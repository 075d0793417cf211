import { CacheService, LoggerService } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  BPA_ENVIRONMENT_ANNOTATION,
  BPA_REQUEST_ANNOTATION,
  BPA_STATE_ANNOTATION,
  EnvironmentSpec,
  EnvironmentStatus,
  StatusSection,
  readRecordedRequest,
  resourceNames,
  supportedVersionsIncluding,
  validateEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  readAtlasCluster,
  readDatabase,
  readEksCluster,
  readPrivateEndpoint,
  readStacks,
} from './cloudReads';
import {
  podStatuses,
  readHelmRelease,
  readNamespaceObjects,
  readNodes,
  readWarningEvents,
  workloadStatuses,
} from './kubernetesReads';
import { StatusSources } from './sources';
import { environmentTopology } from './topology';

/** The live status of environments, read from their sources and kept briefly. */
export interface EnvironmentStatusService {
  /**
   * The status of an environment's System. The caller has already checked
   * that the requester may read the System.
   */
  statusOf(system: Entity): Promise<EnvironmentStatus>;
}

export interface EnvironmentStatusServiceOptions {
  sources: StatusSources;
  cache: CacheService;
  logger: LoggerService;
  /** How long an applied environment's answer is kept; 0 reads the sources every time. */
  cacheTtlMs: number;
  /** How long one source may take before its section reports it as not answering. */
  sourceTimeoutMs: number;
}

/** The parts of a live status, each read from its own source. */
const SECTIONS = [
  'stacks',
  'cluster',
  'atlas',
  'release',
  'workloads',
  'database',
  'privateEndpoint',
  'nodes',
  'pods',
  'events',
] as const;
type Sections = Pick<EnvironmentStatus, (typeof SECTIONS)[number]>;
/** What the cache stores: plain JSON. */
type CachedValue = Parameters<CacheService['set']>[1];

export const ATLAS_NOT_CONFIGURED =
  'Atlas credentials are not configured (bpa.atlas in app-config): the portal cannot read the Atlas cluster';
const UNREADABLE_REQUEST = `The System carries no readable ${BPA_REQUEST_ANNOTATION}; the portal cannot look the environment up`;

const messageOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

const RECORDED_REQUEST_PROBLEMS = {
  missing: 'the annotation is missing',
  'not-json': 'the annotation is not JSON',
  'not-an-object': 'the annotation is not a JSON object',
};

/** The environment's request as the apply recorded it on the System, or why it cannot be used. */
function recordedSpec(
  annotations: Record<string, string>,
): { spec: EnvironmentSpec } | { problem: string } {
  const recorded = readRecordedRequest(annotations);
  if ('problem' in recorded) {
    return { problem: RECORDED_REQUEST_PROBLEMS[recorded.problem] };
  }
  const result = validateEnvironmentSpec(recorded.request, {
    // The versions it was created with may since have left the offered lists.
    supportedVersions: supportedVersionsIncluding(recorded.request),
  });
  return result.success
    ? { spec: result.spec }
    : {
        problem: `the request is invalid at ${result.issues
          .map(issue => issue.path)
          .join(', ')}`,
      };
}

/** How many environments' parsed requests are kept (each a few kilobytes). */
const MAX_PLANS = 500;

/** The recorded request of a System and the plan's layout drawn from it. */
function planOf(annotations: Record<string, string>) {
  const recorded = recordedSpec(annotations);
  return {
    recorded,
    topology:
      'spec' in recorded ? environmentTopology(recorded.spec) : undefined,
  };
}

/** Calls `fn` once, on first use; every caller shares its promise. */
function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= fn());
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${ms / 1000} s`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Awaits each of `reads` at once, keeping their names. */
async function allOf<T extends Record<string, Promise<unknown>>>(
  reads: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(
    Object.entries(reads).map(async ([name, value]) => [name, await value]),
  );
  return Object.fromEntries(entries);
}

export function createEnvironmentStatusService(
  options: EnvironmentStatusServiceOptions,
): EnvironmentStatusService {
  const { sources, cache, logger, cacheTtlMs, sourceTimeoutMs } = options;
  // Several people on one environment's page while its answer is being read share the reading.
  const inFlight = new Map<string, Promise<EnvironmentStatus>>();

  async function section<T>(
    environment: string,
    source: string,
    read: () => Promise<T>,
  ): Promise<StatusSection<T>> {
    try {
      return { data: await withTimeout(read(), sourceTimeoutMs) };
    } catch (error) {
      const message = messageOf(error);
      logger.warn(
        `Live status of BPA environment ${environment}: ${source} could not be read: ${message}`,
      );
      return { error: message };
    }
  }

  async function readSections(spec: EnvironmentSpec): Promise<Sections> {
    const names = resourceNames(spec);
    const target = { accountId: spec.aws.accountId, region: spec.aws.region };
    const aws = once(() => sources.aws.forTarget(target));
    const kubeConfig = once(async () => {
      const connection = await sources.kubernetes.connect({
        ...target,
        clusterName: names.eksCluster,
      });
      return connection.kubeConfig();
    });
    const atlas = sources.atlas;
    const read = <T>(source: string, fn: () => Promise<T>) =>
      section(spec.name, source, fn);

    const namespace = spec.bpa.namespace;
    // Workloads, pods and events are made from one listing of the namespace.
    const objects = once(async () =>
      readNamespaceObjects(await kubeConfig(), namespace),
    );

    return allOf({
      stacks: read('CloudFormation stacks', async () =>
        readStacks((await aws()).cloudFormation, names.stack),
      ),
      cluster: read('EKS cluster', async () =>
        readEksCluster((await aws()).eks, names.eksCluster),
      ),
      atlas: atlas
        ? read('Atlas cluster', () =>
            readAtlasCluster(atlas, spec.atlas.projectId, names.atlasCluster),
          )
        : Promise.resolve({ error: ATLAS_NOT_CONFIGURED }),
      release: read('Helm release', async () =>
        readHelmRelease(await kubeConfig(), {
          name: spec.bpa.releaseName,
          namespace,
        }),
      ),
      workloads: read('workloads', async () =>
        workloadStatuses(await objects()),
      ),
      database: read('RDS instance', async () =>
        readDatabase((await aws()).rds, names.rdsInstance),
      ),
      privateEndpoint: read('Atlas private endpoint', async () =>
        readPrivateEndpoint((await aws()).ec2, spec.name),
      ),
      nodes: read('nodes', async () => readNodes(await kubeConfig())),
      pods: read('pods', async () => podStatuses(await objects())),
      events: read('events', async () =>
        readWarningEvents(
          await kubeConfig(),
          namespace,
          // Events still show when the listing failed, without their components.
          await objects().catch(() => undefined),
        ),
      ),
    });
  }

  // The answers this backend read or fetched, kept as objects until they
  // expire: a page asking again costs no deserialization. The cache service
  // shares them with the other replicas.
  const recent = new Map<
    string,
    { status: EnvironmentStatus; until: number }
  >();
  const remember = (key: string, status: EnvironmentStatus) => {
    const now = Date.now();
    for (const [k, v] of recent) if (v.until <= now) recent.delete(k);
    recent.set(key, {
      status,
      until: Date.parse(status.checkedAt) + cacheTtlMs,
    });
  };

  async function readLive(
    answer: EnvironmentStatus,
    spec: EnvironmentSpec,
  ): Promise<EnvironmentStatus> {
    const key = `status:${answer.entityRef}`;
    const kept = recent.get(key);
    if (kept && kept.until > Date.now()) return kept.status;
    const cached = await cache.get<CachedValue>(key);
    if (cached) {
      const status = cached as unknown as EnvironmentStatus;
      remember(key, status);
      return status;
    }
    const status: EnvironmentStatus = {
      ...answer,
      live: true,
      ...(await readSections(spec)),
    };
    if (cacheTtlMs > 0) {
      await cache.set(key, status as unknown as CachedValue, {
        ttl: cacheTtlMs,
      });
      remember(key, status);
    }
    return status;
  }

  // A System's request is parsed and validated once, not on every request.
  const plans = new Map<string, ReturnType<typeof planOf>>();
  const planFromRequest = (annotations: Record<string, string>) => {
    const text = annotations[BPA_REQUEST_ANNOTATION] ?? '';
    let plan = plans.get(text);
    if (!plan) {
      if (plans.size >= MAX_PLANS) plans.clear();
      plan = planOf(annotations);
      plans.set(text, plan);
    }
    return plan;
  };

  return {
    async statusOf(system) {
      const entityRef = stringifyEntityRef(system);
      const annotations = system.metadata.annotations ?? {};
      const environment =
        annotations[BPA_ENVIRONMENT_ANNOTATION] ?? system.metadata.name;
      const { recorded, topology } = planFromRequest(annotations);
      const answer: EnvironmentStatus = {
        entityRef,
        environment,
        state: annotations[BPA_STATE_ANNOTATION] ?? 'unknown',
        live: false,
        checkedAt: new Date().toISOString(),
        ...(topology && { topology }),
      };
      // Nothing has been created before the apply: there is nothing to look at.
      if (answer.state !== 'applied') return answer;

      if ('problem' in recorded) {
        logger.warn(
          `Live status of BPA environment ${environment}: ${BPA_REQUEST_ANNOTATION} cannot be used: ${recorded.problem}`,
        );
        const unreadable = { error: UNREADABLE_REQUEST };
        return {
          ...answer,
          ...Object.fromEntries(SECTIONS.map(name => [name, unreadable])),
        };
      }

      const pending = inFlight.get(entityRef);
      if (pending) return pending;
      const reading = readLive(answer, recorded.spec).finally(() =>
        inFlight.delete(entityRef),
      );
      inFlight.set(entityRef, reading);
      return reading;
    },
  };
}
