import fs from 'node:fs';
import path from 'node:path';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { parse } from 'yaml';
import { EXAMPLE_USER_HEADER } from '@internal/backstage-plugin-auth-backend-module-bpa-example-users';
import { E2E_USER, Portal, Replica } from './portal';

/** A scaffolder task as its tables hold it. */
export interface TaskRow {
  id: string;
  status: 'open' | 'processing' | 'completed' | 'failed' | 'cancelled';
  /** With task recovery: `steps` (status, output per completed step) and `checkpoints`. */
  state?: {
    steps?: Record<string, { status: string; output: Record<string, any> }>;
    checkpoints?: Record<string, { status: string; value?: unknown }>;
  };
  lastHeartbeatAt: Date;
}

/** One row of the task's event stream: log lines, step status changes, recovery, completion. */
export interface TaskEvent {
  id: number;
  type: 'log' | 'completion' | 'cancelled' | 'recovered' | string;
  body: {
    message?: string;
    stepId?: string;
    status?: string;
    [k: string]: any;
  };
  createdAt: Date;
}

const TEMPLATES = path.join(
  resolvePackagePath('@internal/backstage-plugin-bpa-e2e'),
  '..',
  '..',
  'templates',
);

/**
 * What the template's form submits when someone fills in `values` and
 * leaves every other field at its default: the task's parameters, as the
 * browser sends them.
 */
export function formValues(
  template: 'bpa-environment' | 'bpa-environment-teardown',
  values: Record<string, unknown>,
): Record<string, unknown> {
  const doc = parse(
    fs.readFileSync(path.join(TEMPLATES, template, 'template.yaml'), 'utf8'),
  );
  const defaults: Record<string, unknown> = {};
  for (const page of doc.spec.parameters as Array<{
    properties?: Record<string, { default?: unknown }>;
  }>) {
    for (const [name, field] of Object.entries(page.properties ?? {})) {
      if (field.default !== undefined) defaults[name] = field.default;
    }
  }
  return { ...defaults, ...values };
}

/**
 * A signed-in user of a replica (E2E_USER unless told): the example users'
 * sign-in, a user token as the browser holds it. Its ownership comes from
 * the catalog's User entity, so the sign-in waits until the catalog has
 * read the example organisation.
 */
export async function signIn(
  replica: Replica,
  user = E2E_USER,
  timeoutMs = 120_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(
      `${replica.baseUrl}/api/auth/exampleUsers/refresh`,
      {
        headers: {
          'x-requested-with': 'XMLHttpRequest',
          [EXAMPLE_USER_HEADER]: user,
        },
      },
    );
    if (response.ok) {
      const body = await response.json();
      return body.backstageIdentity.token as string;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Sign-in as ${user} on ${replica.name} failed: HTTP ${
          response.status
        } ${await response.text()}`,
      );
    }
    await new Promise(r => setTimeout(r, 1000));
  }
}

async function call(
  replica: Replica,
  token: string,
  method: string,
  apiPath: string,
  body?: unknown,
) {
  const response = await fetch(`${replica.baseUrl}${apiPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `${method} ${apiPath} on ${replica.name}: HTTP ${response.status} ${text}`,
    );
  }
  return text ? JSON.parse(text) : undefined;
}

/**
 * The portal's scaffolder tasks: created and retried through a replica's
 * API as the task page does, watched in the scaffolder's own tables (they
 * outlive every replica).
 */
export class Tasks {
  /** Each task's events read so far, with when each was first read. */
  private readonly eventsRead = new Map<
    string,
    Array<{ event: TaskEvent; readAt: number }>
  >();

  constructor(private readonly portal: Portal) {}

  /** POST /api/scaffolder/v2/tasks: the template run with these form values. */
  async create(
    replica: Replica,
    token: string,
    template: 'bpa-environment' | 'bpa-environment-teardown',
    values: Record<string, unknown>,
    secrets?: Record<string, string>,
  ): Promise<string> {
    const created = await call(
      replica,
      token,
      'POST',
      '/api/scaffolder/v2/tasks',
      {
        templateRef: `template:default/${template}`,
        values,
        ...(secrets && { secrets }),
      },
    );
    return created.id as string;
  }

  /** POST /api/scaffolder/v2/tasks/:id/retry: the task page's Retry button. */
  async retry(replica: Replica, token: string, id: string): Promise<void> {
    await call(
      replica,
      token,
      'POST',
      `/api/scaffolder/v2/tasks/${id}/retry`,
      {},
    );
  }

  /** GET /api/scaffolder/v2/tasks/:id, as the task page reads it. */
  async read(replica: Replica, token: string, id: string) {
    return call(replica, token, 'GET', `/api/scaffolder/v2/tasks/${id}`);
  }

  async get(id: string): Promise<TaskRow> {
    const { rows } = await this.portal.scaffolderDb.query(
      'SELECT id, status, state, last_heartbeat_at FROM tasks WHERE id = $1',
      [id],
    );
    if (!rows.length) throw new Error(`No task ${id}`);
    const row = rows[0];
    return {
      id: row.id,
      status: row.status,
      // Stored as `{"state": {...}}`.
      state: row.state ? JSON.parse(row.state).state : undefined,
      lastHeartbeatAt: new Date(row.last_heartbeat_at),
    };
  }

  /**
   * The task's events, in order. Read incrementally: the rows after those
   * read more than two seconds ago (a step's log lines are inserted side by
   * side, so one with a lower id may become visible after a higher one).
   */
  async events(id: string): Promise<TaskEvent[]> {
    const now = Date.now();
    const known = this.eventsRead.get(id) ?? [];
    const settled = known.filter(k => k.readAt < now - 2000).at(-1);
    const { rows } = await this.portal.scaffolderDb.query(
      'SELECT id, event_type, body, created_at FROM task_events WHERE task_id = $1 AND id > $2 ORDER BY id',
      [id, settled?.event.id ?? 0],
    );
    const ids = new Set(known.map(k => k.event.id));
    const merged = [
      ...known,
      ...rows
        .filter(r => !ids.has(Number(r.id)))
        .map(r => ({
          event: {
            id: Number(r.id),
            type: r.event_type,
            body: typeof r.body === 'string' ? JSON.parse(r.body) : r.body,
            createdAt: new Date(r.created_at),
          },
          readAt: now,
        })),
    ].sort((a, b) => a.event.id - b.event.id);
    this.eventsRead.set(id, merged);
    return merged.map(k => k.event);
  }

  /**
   * Polls the task's tables (every 100 ms) until `until` says so, then
   * returns what it said; fails after `timeoutMs` with the task's status
   * and its last log lines.
   */
  async waitFor<T>(
    id: string,
    until: (
      task: TaskRow,
      events: TaskEvent[],
    ) => T | undefined | false | Promise<T | undefined | false>,
    what: string,
    timeoutMs: number,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [task, events] = await Promise.all([this.get(id), this.events(id)]);
      const found = await until(task, events);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `Timed out after ${
            timeoutMs / 1000
          } s waiting for ${what}; task ${id} is ${
            task.status
          }; last events:\n${events
            .slice(-15)
            .map(
              e =>
                `  [${e.type}${e.body.stepId ? ` ${e.body.stepId}` : ''}${
                  e.body.status ? ` ${e.body.status}` : ''
                }] ${e.body.message ?? ''}`,
            )
            .join('\n')}`,
        );
      }
      await new Promise(r => setTimeout(r, 100));
    }
  }

  /** Waits until the task has ended (completed, failed or cancelled). */
  waitForEnd(id: string, timeoutMs: number): Promise<TaskRow> {
    return this.waitFor(
      id,
      task =>
        ['completed', 'failed', 'cancelled'].includes(task.status)
          ? task
          : undefined,
      'the task to end',
      timeoutMs,
    );
  }
}

/** The status changes of each step, in order (`processing`, `completed`, `failed`, `skipped`). */
export function stepStatuses(
  events: TaskEvent[],
): Array<{ id: number; stepId: string; status: string }> {
  return events
    .filter(e => e.type === 'log' && e.body.stepId && e.body.status)
    .map(e => ({ id: e.id, stepId: e.body.stepId!, status: e.body.status! }));
}
