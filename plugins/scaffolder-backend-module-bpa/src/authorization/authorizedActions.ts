import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { ACTION_OPERATIONS } from './actionPermissions';
import { runAudited } from './audit';
import {
  EnvironmentAccessOptions,
  authorizeEnvironmentAccess,
} from './environmentAccess';

export interface AuthorizedActionsOptions extends EnvironmentAccessOptions {
  auditor: AuditorService;
  /** The backend's log: where the stack of an unexpected failure goes outside development. */
  logger?: LoggerService;
}

/** Refusals and bad input: what the user must act on, never a crash. */
const EXPECTED_ERRORS = new Set([
  'InputError',
  'NotAllowedError',
  'ConflictError',
  'NotFoundError',
]);

/**
 * The scaffolder writes a failed step's stack into the task log, which the
 * task page shows. A refusal or bad input gets its message only; any other
 * failure keeps its stack in development and leaves it in the backend's log
 * otherwise, so the task page shows no source paths in production.
 */
function asTaskError(
  error: unknown,
  action: string,
  logger: LoggerService | undefined,
): unknown {
  if (!(error instanceof Error)) return error;
  const expected = EXPECTED_ERRORS.has(error.name);
  if (!expected && process.env.NODE_ENV === 'development') return error;
  if (!expected) logger?.error(`${action} failed`, error);
  error.stack = `${error.name}: ${error.message}`;
  return error;
}

/**
 * The BPA actions as the scaffolder runs them: each first authorizes what it
 * is about to do with the task initiator's credentials (before reading its
 * plan or calling any cloud), then runs with its mutations audited. Any
 * template, the portal's or a custom one, gets the actions only this way.
 *
 * Refuses to build an action that has no entry in {@link ACTION_OPERATIONS}.
 */
export function authorizedActions(
  actions: TemplateAction<any, any, any>[],
  options: AuthorizedActionsOptions,
): TemplateAction<any, any, any>[] {
  return actions.map(action => {
    const operation = ACTION_OPERATIONS[action.id];
    if (!operation) {
      throw new Error(
        `${action.id} has no BPA permission: say what it does to an environment in ACTION_OPERATIONS (plugins/scaffolder-backend-module-bpa/src/authorization/actionPermissions.ts)`,
      );
    }
    return {
      ...action,
      async handler(ctx) {
        try {
          const access = await authorizeEnvironmentAccess(
            operation,
            ctx.input,
            await ctx.getInitiatorCredentials(),
            options,
          );
          ctx.logger.info(
            `Allowed: ${access.permission} on ${access.entityRef} for ${access.actor}`,
          );
          await runAudited(options.auditor, access, action.id, ctx, c =>
            action.handler(c),
          );
        } catch (error) {
          throw asTaskError(error, action.id, options.logger);
        }
      },
    };
  });
}
