import {
  AppliedObject,
  applyObjects,
  InClusterStepOptions,
  loadManifest,
} from './apply';
import { describeObject, KubeObject } from './client';
import { PLAN_FILES } from './planFiles';
import { formatDuration, pollUntil, runOnce, sleep } from './progress';

export interface DatabaseBootstrapOptions extends InClusterStepOptions {
  /** How long the Job may take. Default 15 minutes. */
  timeoutMs?: number;
  /** Lines of the pod log a failure shows. Default 40. */
  logLines?: number;
}

export interface DatabaseBootstrapResult {
  /** `namespace/name` of the Job. */
  job: string;
  /** completed: ran now; already-completed: this plan's Job had finished before (nothing ran). */
  outcome: 'completed' | 'already-completed';
  objects: AppliedObject[];
}

const DEFAULT_TIMEOUT_MS = 15 * 60 * 1000;

type JobState = 'complete' | 'failed' | 'running';

function jobState(job: KubeObject): JobState {
  const conditions = (
    (job.status?.conditions ?? []) as Array<{ type: string; status: string }>
  ).filter(c => c.status === 'True');
  if (conditions.some(c => c.type === 'Complete')) return 'complete';
  if (conditions.some(c => c.type === 'Failed')) return 'failed';
  return 'running';
}

function failureReason(job: KubeObject): string {
  const failed = (
    (job.status?.conditions ?? []) as Array<Record<string, string>>
  ).find(c => c.type === 'Failed' && c.status === 'True');
  return failed
    ? `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim()
    : 'not finished';
}

/** The Secrets the Job's containers read their environment from. */
function secretsReadBy(job: KubeObject): string[] {
  const containers = (job.spec?.template?.spec?.containers ?? []) as Array<{
    env?: Array<{ valueFrom?: { secretKeyRef?: { name?: string } } }>;
  }>;
  return [
    ...new Set(
      containers
        .flatMap(c => (c.env ?? []).map(e => e.valueFrom?.secretKeyRef?.name))
        .filter((name): name is string => !!name),
    ),
  ];
}

/** The last lines of the Job's newest pod, masked; a note instead when there is no log to read. */
async function podLogTail(
  options: DatabaseBootstrapOptions,
  job: KubeObject,
): Promise<string> {
  const namespace = job.metadata.namespace!;
  const container = job.spec?.template?.spec?.containers?.[0]?.name as
    | string
    | undefined;
  try {
    const pods = await options.client.list('v1', 'Pod', {
      namespace,
      labelSelector: `job-name=${job.metadata.name}`,
    });
    const newest = pods.sort((a, b) =>
      String(a.metadata.creationTimestamp ?? '').localeCompare(
        String(b.metadata.creationTimestamp ?? ''),
      ),
    )[pods.length - 1];
    if (!newest) return '(the Job has no pod to read a log from)';
    const log = await options.client.podLogTail(
      namespace,
      newest.metadata.name,
      container ?? '',
      options.logLines ?? 40,
    );
    return `Last lines of pod ${newest.metadata.name}:\n${options.masker.mask(
      log.trimEnd(),
    )}`;
  } catch (error) {
    return `(no pod log: ${options.masker.mask((error as Error).message)})`;
  }
}

/**
 * `bpa:database:bootstrap`: runs the plan's database bootstrap (a Job
 * running `database/bootstrap.sql` with psql inside the VPC, where RDS is)
 * and waits for it. The Job's name carries the script's hash: a finished
 * Job of the same plan is not run again, a failed one is replaced.
 */
export async function runDatabaseBootstrap(
  options: DatabaseBootstrapOptions,
): Promise<DatabaseBootstrapResult> {
  const checkpoint = options.checkpoint ?? runOnce;
  const { file, objects } = await loadManifest(
    options,
    PLAN_FILES.databaseBootstrap,
  );
  const job = objects.find(o => o.kind === 'Job');
  if (!job) throw new Error(`${file.path} in the plan has no Job`);
  const jobName = describeObject(job);
  const namespace = job.metadata.namespace!;

  // The credentials come from the cluster bootstrap; their values are masked in every log line.
  for (const name of secretsReadBy(job)) {
    const secret = await options.client.read({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
    });
    if (!secret) {
      throw new Error(
        `Secret ${namespace}/${name}, which the database bootstrap Job reads, does not exist: run bpa:kubernetes:bootstrap first`,
      );
    }
    for (const [key, value] of Object.entries(
      (secret.data ?? {}) as Record<string, string>,
    )) {
      if (/password/i.test(key))
        options.masker.add(Buffer.from(value, 'base64').toString());
    }
  }

  return checkpoint(
    `bpa-database-bootstrap-${options.spec.name}-${file.digest}`,
    async () => {
      const applied = await applyObjects(
        options,
        objects.filter(o => o.kind !== 'Job'),
      );
      const existing = await options.client.read(job);
      if (existing && jobState(existing) === 'complete') {
        options.logger.info(
          `${jobName} already completed: the databases are bootstrapped with this plan`,
        );
        return {
          job: jobName,
          outcome: 'already-completed' as const,
          objects: applied,
        };
      }
      if (existing && jobState(existing) === 'failed') {
        options.logger.warn(
          `${jobName} failed before (${failureReason(
            existing,
          )}); replacing it to run again`,
        );
        await options.client.delete(existing);
        while (await options.client.read(job))
          await sleep(options.pollIntervalMs ?? 2000);
      }
      // A Job's pod template cannot change: a running Job of this plan is waited for, not re-applied.
      if (!existing || jobState(existing) === 'failed') {
        applied.push(...(await applyObjects(options, [job])));
      }

      const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      let last: KubeObject | undefined;
      await pollUntil({
        what: `Database bootstrap ${jobName}`,
        logger: options.logger,
        timeoutMs,
        intervalMs: options.pollIntervalMs ?? 5000,
        check: async () => {
          last = await options.client.read(job);
          if (!last)
            throw new Error(`${jobName} disappeared while it was awaited`);
          const state = jobState(last);
          if (state === 'failed') {
            throw new Error(
              `${jobName} failed (${failureReason(last)}). ${await podLogTail(
                options,
                last,
              )}`,
            );
          }
          const status = (last.status ?? {}) as Record<
            string,
            number | undefined
          >;
          return {
            done: state === 'complete',
            progress:
              state === 'complete'
                ? 'complete'
                : `active ${status.active ?? 0}, failed attempts ${
                    status.failed ?? 0
                  }`,
          };
        },
        onTimeout: async () =>
          new Error(
            `${jobName} did not finish within ${formatDuration(timeoutMs)}. ${
              last ? await podLogTail(options, last) : ''
            }`,
          ),
      });
      return { job: jobName, outcome: 'completed' as const, objects: applied };
    },
  );
}
