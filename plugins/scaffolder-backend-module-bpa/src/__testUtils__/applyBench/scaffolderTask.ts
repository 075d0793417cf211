import { AddressInfo } from 'node:net';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import {
  TemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';

const USER = 'user:default/pat';

/** How a task ended, and the steps its engine left out. */
export interface TaskResult {
  status: string;
  /** Each event's message, in order. */
  log: string[];
  /** Steps the engine skipped because their `if` was false. */
  skipped: string[];
}

/**
 * Runs a template as one task of the real scaffolder backend (in-process):
 * the template in a catalog, these actions registered by a module, the
 * task created through the scaffolder's API as a user would from the form.
 * The engine orders the steps and renders their `if`s and inputs.
 */
export async function runScaffolderTask(options: {
  template: Entity;
  actions: TemplateAction<any, any, any>[];
  values: Record<string, unknown>;
}): Promise<TaskResult> {
  const backend = await startTestBackend({
    features: [
      scaffolderPlugin,
      createBackendModule({
        pluginId: 'scaffolder',
        moduleId: 'bpa-bench',
        register(env) {
          env.registerInit({
            deps: { scaffolder: scaffolderActionsExtensionPoint },
            async init({ scaffolder }) {
              scaffolder.addActions(...options.actions);
            },
          });
        },
      }),
      catalogServiceMock.factory({ entities: [options.template] }),
      mockServices.rootConfig.factory({ data: {} }),
    ],
  });
  try {
    const base = `http://127.0.0.1:${
      (backend.server.address() as AddressInfo).port
    }/api/scaffolder`;
    const call = async (method: string, apiPath: string, body?: unknown) => {
      const response = await fetch(`${base}${apiPath}`, {
        method,
        headers: {
          Authorization: mockCredentials.user.header(USER),
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await response.json();
      if (!response.ok) {
        throw new Error(
          `${method} ${apiPath}: ${response.status} ${JSON.stringify(json)}`,
        );
      }
      return json;
    };
    const { id } = await call('POST', '/v2/tasks', {
      templateRef: stringifyEntityRef(options.template),
      values: options.values,
    });
    let task: { status: string };
    do {
      await new Promise(resolve => setTimeout(resolve, 50));
      task = await call('GET', `/v2/tasks/${id}`);
    } while (!['completed', 'failed', 'cancelled'].includes(task.status));
    const events: Array<{ body: { message?: string } }> = await call(
      'GET',
      `/v2/tasks/${id}/events`,
    );
    const log = events.flatMap(e => (e.body.message ? [e.body.message] : []));
    const skipped = [
      ...new Set(
        log.flatMap(message => {
          const m =
            /^Skipping step (\S+) because its if condition was false/.exec(
              message,
            );
          return m ? [m[1]] : [];
        }),
      ),
    ];
    return { status: task.status, log, skipped };
  } finally {
    await backend.stop();
  }
}
