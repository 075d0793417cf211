import { AuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { ScaffolderTask } from '@backstage/plugin-scaffolder-common';
import { ScaffolderService } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentHistory,
  EnvironmentTask,
} from '@internal/backstage-plugin-bpa-common';

/** The tasks that touched an environment, read from the scaffolder. */
export interface EnvironmentHistoryService {
  /** The caller has already checked that the requester may read the environment. */
  historyOf(
    entityRef: string,
    environment: string,
  ): Promise<EnvironmentHistory>;
}

export interface EnvironmentHistoryServiceOptions {
  scaffolder: Pick<ScaffolderService, 'listTasks'>;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  /** How many of the most recent tasks are looked at. */
  scanLimit: number;
}

const PAGE_SIZE = 100;
const TEARDOWN_ACTIONS = new Set(['bpa:aws:teardown', 'bpa:atlas:teardown']);

type Step = ScaffolderTask['spec']['steps'][number];

const asRecord = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

function sameSystem(value: unknown, entityRef: string): boolean {
  if (typeof value !== 'string') return false;
  try {
    return (
      stringifyEntityRef(parseEntityRef(value, { defaultKind: 'system' })) ===
      entityRef
    );
  } catch {
    return false;
  }
}

/**
 * Whether a task ran BPA actions on the environment: the portal's templates
 * name it in their parameters (`name`, or the teardown's `environment`); a
 * custom template may also give it literally in a step's `spec.name` or
 * `entityRef`.
 */
function touches(
  task: ScaffolderTask,
  entityRef: string,
  environment: string,
): boolean {
  const steps: Step[] = task.spec.steps ?? [];
  if (!steps.some(step => step.action.startsWith('bpa:'))) return false;
  const parameters = asRecord(task.spec.parameters) ?? {};
  if (
    parameters.name === environment ||
    sameSystem(parameters.environment, entityRef)
  ) {
    return true;
  }
  return steps.some(step => {
    const input = asRecord(step.input);
    return (
      asRecord(input?.spec)?.name === environment ||
      sameSystem(input?.entityRef, entityRef)
    );
  });
}

function whatOf(task: ScaffolderTask): string {
  const steps: Step[] = task.spec.steps ?? [];
  if (steps.some(step => TEARDOWN_ACTIONS.has(step.action))) return 'teardown';
  const mode = asRecord(task.spec.parameters)?.mode;
  if (mode === 'apply') return 'plan and apply';
  if (mode === 'plan') return 'plan only';
  return [
    ...new Set(
      steps.filter(s => s.action.startsWith('bpa:')).map(s => s.action),
    ),
  ].join(', ');
}

function entryOf(task: ScaffolderTask): EnvironmentTask {
  const info = task.spec.templateInfo;
  const title = info?.entity?.metadata?.title;
  // The scaffolder's list answers carry the creator, its type does not name it.
  const { createdBy } = task as ScaffolderTask & { createdBy?: string };
  return {
    taskId: task.id,
    createdAt: task.createdAt,
    ...(createdBy && { createdBy }),
    status: task.status,
    template: title ?? info?.entityRef ?? 'a template',
    what: whatOf(task),
    ...(task.lastHeartbeatAt && { lastHeartbeatAt: task.lastHeartbeatAt }),
  };
}

/**
 * Reads the scaffolder's most recent tasks (with the plugin's own
 * credentials, so every task is seen; the route has checked the caller may
 * read the environment) and keeps those that touched the environment.
 */
export function createEnvironmentHistoryService(
  options: EnvironmentHistoryServiceOptions,
): EnvironmentHistoryService {
  return {
    async historyOf(entityRef, environment) {
      const credentials = await options.auth.getOwnServiceCredentials();
      const tasks: EnvironmentTask[] = [];
      let scanned = 0;
      while (scanned < options.scanLimit) {
        const { items } = await options.scaffolder.listTasks(
          {
            limit: Math.min(PAGE_SIZE, options.scanLimit - scanned),
            offset: scanned,
          },
          { credentials },
        );
        scanned += items.length;
        tasks.push(
          ...items
            .filter(task => touches(task, entityRef, environment))
            .map(entryOf),
        );
        if (items.length < PAGE_SIZE) break;
      }
      return { entityRef, environment, tasks, scanned };
    },
  };
}
