import express from 'express';
import Router from 'express-promise-router';
import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  makeValidator,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { taskReadPermission } from '@backstage/plugin-scaffolder-common/alpha';
import {
  BPA_ENVIRONMENT_ANNOTATION,
  bpaEnvironmentReadPermission,
} from '@internal/backstage-plugin-bpa-common';
import { EnvironmentHistoryService } from './service/environmentHistory';
import { EnvironmentStatusService } from './service/environmentStatus';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  status: EnvironmentStatusService;
  history: EnvironmentHistoryService;
}

const validator = makeValidator();

/**
 * `GET /environments/:namespace/:name/status` and `.../history`: the live
 * status and the task history of the environment whose System is
 * `system:<namespace>/<name>`, for callers the catalog lets read that System
 * and the permission policy grants `bpa.environment.read` on it;
 * `GET /health`.
 *
 * Errors (a malformed path's 400 among them) are answered by the backend's
 * own error handler: `{ error: { name, message } }`, with no stack trace
 * outside development.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, permissions, catalog, status, history } = options;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  /** The environment's System, if the caller may read it and its BPA data. */
  async function readableEnvironment(
    req: express.Request,
  ): Promise<{
    system: Entity;
    entityRef: string;
    credentials: BackstageCredentials;
  }> {
    const { namespace, name } = req.params;
    if (
      !validator.isValidNamespace(namespace) ||
      !validator.isValidEntityName(name)
    ) {
      throw new InputError(
        `${namespace}/${name} is not a valid catalog namespace and entity name`,
      );
    }
    const credentials: BackstageCredentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entityRef = stringifyEntityRef({ kind: 'System', namespace, name });
    // The catalog applies its permission rules to the caller's credentials:
    // a System the caller may not read is not found, as one that does not exist.
    const system = await catalog.getEntityByRef(entityRef, { credentials });
    if (!system?.metadata.annotations?.[BPA_ENVIRONMENT_ANNOTATION]) {
      throw new NotFoundError(`No BPA environment ${entityRef}`);
    }
    const [decision] = await permissions.authorize(
      [{ permission: bpaEnvironmentReadPermission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not ${bpaEnvironmentReadPermission.name} on ${entityRef}`,
      );
    }
    return { system, entityRef, credentials };
  }

  router.get('/environments/:namespace/:name/status', async (req, res) => {
    const { system } = await readableEnvironment(req);
    res.json(await status.statusOf(system));
  });

  router.get('/environments/:namespace/:name/history', async (req, res) => {
    const { system, entityRef, credentials } = await readableEnvironment(req);
    const found = await history.historyOf(entityRef, system.metadata.name);
    // Reading the environment shows every task that touched it; opening a
    // task's page is the scaffolder's own permission (the portal's policy
    // keeps it to the task's creator and the admins), asked for once here
    // so the page links only what the caller may open.
    const decisions = found.tasks.length
      ? await permissions.authorize(
          found.tasks.map(task => ({
            permission: taskReadPermission,
            resourceRef: task.taskId,
          })),
          { credentials },
        )
      : [];
    res.json({
      ...found,
      tasks: found.tasks.map((task, i) => ({
        ...task,
        canOpen: decisions[i].result === AuthorizeResult.ALLOW,
      })),
    });
  });

  return router;
}
