import {
  AppliedObject,
  applyObjects,
  InClusterStepOptions,
  loadManifest,
} from './apply';
import { describeReference } from '../plan/incluster';
import { describeObject, KubeObject } from './client';
import { isSecretReference, PLAN_FILES } from './planFiles';
import { formatDuration, pollUntil, runOnce, sleep } from './progress';
import { ReferenceValues } from './referenceValues';
import { fillSecret, secretNeeds } from './secretValues';

export interface DatabaseBootstrapOptions extends InClusterStepOptions {
  /** Resolves the credentials Secret's references (RDS's master secret, Secrets Manager, stack outputs). */
  values: ReferenceValues;
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

/**
 * The plan's Secrets (the Job's credentials) with their values read now:
 * RDS rotates the master user's password, so a copy made by an earlier
 * step, or an earlier run of this one, may be stale. The values are masked
 * from here on.
 */
async function currentSecrets(
  options: DatabaseBootstrapOptions,
  secrets: KubeObject[],
): Promise<KubeObject[]> {
  const refs = secrets.flatMap(s => secretNeeds(s).refs);
  const values = await options.values.resolve(refs);
  for (const ref of refs) {
    if (isSecretReference(ref))
      options.masker.add(values.get(describeReference(ref)));
  }
  return secrets.map(secret =>
    fillSecret(secret, { values, planFiles: new Map() }),
  );
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
 * and waits for it, after writing the Job's credentials Secret with the
 * values of this moment. The Job's name carries the script's hash: a
 * finished Job of the same plan is not run again, a failed one is replaced.
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

  return checkpoint(
    `bpa-database-bootstrap-${options.spec.name}-${file.digest}`,
    async () => {
      // Inside the checkpoint, never one of its own: whenever the Job may run, its credentials are the current ones.
      const secrets = await currentSecrets(
        options,
        objects.filter(o => o.kind === 'Secret'),
      );
      const applied = await applyObjects(options, [
        ...secrets,
        ...objects.filter(o => o.kind !== 'Job' && o.kind !== 'Secret'),
      ]);
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
