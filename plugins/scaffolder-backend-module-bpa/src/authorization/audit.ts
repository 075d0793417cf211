import { AuditorService } from '@backstage/backend-plugin-api';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import { EnvironmentAccess } from './environmentAccess';

/** Operations whose start and end are audit events of their own. */
const AUDITED_OPERATIONS = new Set(['apply', 'change', 'teardown']);
/**
 * Actions that change nothing outside the task's workspace (the plan's
 * checkpoint records its digest, not a resource): nothing to audit.
 */
const WORKSPACE_ONLY_ACTIONS = new Set([
  'bpa:environment:plan',
  'bpa:environment:describe',
]);

/** Who did what to which environment, in which task: the meta of every BPA audit event. */
function auditMeta(
  access: EnvironmentAccess,
  ctx: Pick<ActionContext<any, any>, 'task' | 'step'>,
  action: string,
): JsonObject {
  return {
    actor: access.actor,
    environment: access.environment,
    entityRef: access.entityRef,
    ...(access.owner && { owner: access.owner }),
    ...(access.accountId && { accountId: access.accountId }),
    operation: access.operation,
    permission: access.permission,
    action,
    taskId: ctx.task.id,
    ...(ctx.step?.id && { step: ctx.step.id }),
  };
}

/** Runs `fn` inside an audit event: initiated, then succeeded or failed with its error. */
async function withEvent<T>(
  auditor: AuditorService,
  options: Parameters<AuditorService['createEvent']>[0],
  fn: () => Promise<T>,
): Promise<T> {
  const event = await auditor.createEvent(options);
  try {
    const result = await fn();
    await event.success();
    return result;
  } catch (error) {
    await event.fail({ error: error as Error });
    throw error;
  }
}

/**
 * Runs an authorized action with its mutations audited: every checkpoint the
 * action runs (each creates, changes or deletes one resource, and resumed
 * tasks skip the ones already done) is an `environment-resource` event, and
 * an apply, change or teardown step is an `environment-<operation>` event
 * from start to end. Dry runs, and the actions that only read or write the
 * workspace, change nothing and are not audited.
 */
export async function runAudited<TCtx extends ActionContext<any, any>>(
  auditor: AuditorService,
  access: EnvironmentAccess,
  action: string,
  ctx: TCtx,
  handler: (ctx: TCtx) => Promise<void>,
): Promise<void> {
  if (ctx.isDryRun || WORKSPACE_ONLY_ACTIONS.has(action)) {
    await handler(ctx);
    return;
  }
  const meta = auditMeta(access, ctx, action);
  const audited: TCtx = {
    ...ctx,
    checkpoint: opts =>
      ctx.checkpoint({
        key: opts.key,
        fn: () =>
          withEvent(
            auditor,
            {
              eventId: 'environment-resource',
              severityLevel: 'medium',
              meta: { ...meta, checkpoint: opts.key },
            },
            async () => opts.fn(),
          ),
      }),
  };
  if (!AUDITED_OPERATIONS.has(access.operation)) {
    await handler(audited);
    return;
  }
  await withEvent(
    auditor,
    {
      eventId: `environment-${access.operation}`,
      severityLevel: access.operation === 'teardown' ? 'high' : 'medium',
      meta,
    },
    () => handler(audited),
  );
}
