import express from 'express';
import Router from 'express-promise-router';
import { HttpAuthService, LoggerService } from '@backstage/backend-plugin-api';
import { makeValidator, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { BPA_ENVIRONMENT_ANNOTATION } from '@internal/backstage-plugin-bpa-common';
import { EnvironmentStatusService } from './service/environmentStatus';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  catalog: CatalogService;
  status: EnvironmentStatusService;
  logger: LoggerService;
}

const validator = makeValidator();

const HTTP_STATUS_BY_ERROR: Record<string, number> = {
  InputError: 400,
  AuthenticationError: 401,
  NotAllowedError: 403,
  NotFoundError: 404,
};

/** Answers errors as `{ error: { name, message } }`, the body the frontend reads. */
function errorHandler(logger: LoggerService): express.ErrorRequestHandler {
  return (error, _req, res, _next) => {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    const status = HTTP_STATUS_BY_ERROR[name] ?? 500;
    if (status === 500) {
      logger.error(`Environment status request failed: ${message}`);
    }
    res.status(status).json({ error: { name, message } });
  };
}

/**
 * `GET /environments/:namespace/:name/status`: the live status of the
 * environment whose System is `system:<namespace>/<name>`, for callers the
 * catalog lets read that System; `GET /health`.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const { httpAuth, catalog, status, logger } = options;
  const router = Router();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/environments/:namespace/:name/status', async (req, res) => {
    const { namespace, name } = req.params;
    if (
      !validator.isValidNamespace(namespace) ||
      !validator.isValidEntityName(name)
    ) {
      throw new InputError(
        `${namespace}/${name} is not a valid catalog namespace and entity name`,
      );
    }
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entityRef = stringifyEntityRef({ kind: 'System', namespace, name });
    // The catalog applies its permission rules to the caller's credentials:
    // a System the caller may not read is not found, as one that does not exist.
    const system = await catalog.getEntityByRef(entityRef, { credentials });
    if (!system?.metadata.annotations?.[BPA_ENVIRONMENT_ANNOTATION]) {
      throw new NotFoundError(`No BPA environment ${entityRef}`);
    }
    res.json(await status.statusOf(system));
  });

  router.use(errorHandler(logger));
  return router;
}
