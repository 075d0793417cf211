import {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, parseEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { permissionRules as catalogPermissionRules } from '@backstage/plugin-catalog-backend/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  AuthorizeResult,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import { JsonObject } from '@backstage/types';
import {
  BPA_AWS_ACCOUNT_ANNOTATION,
  BPA_REQUEST_ANNOTATION,
  BPA_STATE_ANNOTATION,
  EnvironmentSpec,
  SupportedVersions,
  asProcessedSystem,
  bpaEnvironmentApplyPermission,
  bpaEnvironmentChangePermission,
  bpaEnvironmentPlanPermission,
  bpaEnvironmentReadPermission,
  bpaEnvironmentTeardownPermission,
  environmentSystemRef,
  ownerEntityRef,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { parseSpecForTeardown } from '../actions/atlasCommon';
import { ActionOperation } from './actionPermissions';

/** What a checked operation is, once the environment's state is known. */
export type CheckedOperation =
  | 'read'
  | 'plan'
  | 'apply'
  | 'change'
  | 'teardown';

const PERMISSIONS: Record<
  CheckedOperation,
  ResourcePermission<'catalog-entity'>
> = {
  read: bpaEnvironmentReadPermission,
  plan: bpaEnvironmentPlanPermission,
  apply: bpaEnvironmentApplyPermission,
  change: bpaEnvironmentChangePermission,
  teardown: bpaEnvironmentTeardownPermission,
};

/** What environment access was granted, for the task log and the audit trail. */
export interface EnvironmentAccess {
  operation: CheckedOperation;
  permission: string;
  /** Who asked: the task initiator's user entity ref (or the kind of principal). */
  actor: string;
  environment: string;
  entityRef: string;
  owner?: string;
  accountId?: string;
}

export interface EnvironmentAccessOptions {
  permissions: PermissionsService;
  /** The module's own credentials: which environment holds a name is read whatever the initiator may see. */
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  supportedVersions?: SupportedVersions;
  /** `bpa.permissions.protectedAccounts`, named in refusals. */
  protectedAccounts?: readonly string[];
}

/** The catalog's own rules, to apply a policy's conditions to a System that is not in the catalog yet. */
const isAuthorizedByCatalogConditions = createConditionAuthorizer(
  Object.values(catalogPermissionRules),
);

function actorOf(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user') return principal.userEntityRef!;
  if (principal.type === 'service') return principal.subject!;
  return 'an unauthenticated caller';
}

/**
 * The scaffolder keeps the initiator's credentials as they were when the task
 * started (a retry replaces them with the retrier's). A user's expire with
 * their Backstage token (`auth.backstageTokenExpiration`, 1 h by default), and
 * the permission backend would then answer 401 to a call on their behalf:
 * this says so, and what to do, instead.
 */
function refuseExpired(credentials: BackstageCredentials): void {
  // Only a user's credentials carry an expiry.
  if (!credentials.expiresAt) return;
  const expiresAt = new Date(credentials.expiresAt);
  if (expiresAt.getTime() > Date.now()) return;
  throw new NotAllowedError(
    `The sign-in of ${actorOf(
      credentials,
    )} that started this task expired at ${expiresAt.toISOString()}, so this step cannot be authorized with it. Retry the task: it then runs with the current sign-in of whoever retries it, checked again. Nothing was changed.`,
  );
}

/** The environment an action acts on: from its `spec`, or the teardown's `entityRef`. */
function requestedEnvironment(
  input: JsonObject,
  options: EnvironmentAccessOptions,
): { environment: string; spec?: EnvironmentSpec } {
  if (typeof input.entityRef === 'string' && input.spec === undefined) {
    try {
      return {
        environment: parseEntityRef(input.entityRef, { defaultKind: 'system' })
          .name,
      };
    } catch (error) {
      throw new InputError(`entityRef: ${(error as Error).message}`);
    }
  }
  if (!input.spec || typeof input.spec !== 'object') {
    throw new InputError('spec: the environment request is required');
  }
  // The request's own versions are accepted here, as the teardown does:
  // whether they are still offered is the action's own check.
  const spec = parseSpecForTeardown(
    input.spec as JsonObject,
    options.supportedVersions,
  );
  return { environment: spec.name, spec };
}

function describeSystem(system: Entity, options: EnvironmentAccessOptions) {
  const owner = String(system.spec?.owner ?? 'nobody');
  const account = system.metadata.annotations?.[BPA_AWS_ACCOUNT_ANNOTATION];
  const protectedAccount =
    account && options.protectedAccounts?.includes(account)
      ? ' (a protected account: bpa.permissions.protectedAccounts keeps it for the admin groups)'
      : '';
  return {
    owner: ownerEntityRef(owner),
    account,
    text: `owned by ${ownerEntityRef(owner)}${
      account ? `, in AWS account ${account}${protectedAccount}` : ''
    }`,
  };
}

/**
 * Registering a planned request: anyone who may plan writes a new
 * environment's record, or the request it already records; replacing the
 * request of an existing environment that is not applied is acting on it (its
 * apply, status and teardown read the record), so it needs `apply`. An
 * applied environment's record is not written by a plan (the register step
 * keeps it until an apply completes).
 */
function recordOperation(
  existing: Entity | undefined,
  wouldBe: Entity | undefined,
  state: string | undefined,
): CheckedOperation {
  if (!existing || !wouldBe || state === 'applied') return 'plan';
  const recorded = existing.metadata.annotations?.[BPA_REQUEST_ANNOTATION];
  const requested = wouldBe.metadata.annotations?.[BPA_REQUEST_ANNOTATION];
  return recorded === requested ? 'plan' : 'apply';
}

/**
 * Authorizes what an action is about to do to an environment, with the task
 * initiator's credentials, through the portal's permission policy; throws
 * {@link NotAllowedError} naming the permission and the environment's owner.
 *
 * Both the System the catalog holds under the environment's name (if any)
 * and the System this request would register are checked: the first decides
 * who may act on the existing environment, the second who may create one
 * with this owner and AWS account.
 */
export async function authorizeEnvironmentAccess(
  operationOf: ActionOperation,
  input: JsonObject,
  credentials: BackstageCredentials,
  options: EnvironmentAccessOptions,
): Promise<EnvironmentAccess> {
  const { environment, spec } = requestedEnvironment(input, options);
  refuseExpired(credentials);
  const entityRef = environmentSystemRef(environment);
  const existing = await options.catalog.getEntityByRef(entityRef, {
    credentials: await options.auth.getOwnServiceCredentials(),
  });
  const state = existing?.metadata.annotations?.[BPA_STATE_ANNOTATION];
  const wouldBe =
    spec &&
    registeredEnvironmentEntities(spec, state ?? 'planned').find(
      e => e.kind === 'System',
    );

  const requested =
    typeof operationOf === 'function' ? operationOf(input) : operationOf;
  let operation: CheckedOperation =
    requested === 'record'
      ? recordOperation(existing, wouldBe, state)
      : requested;
  if (operation === 'apply' && state === 'applied') operation = 'change';
  const permission = PERMISSIONS[operation];
  const actor = actorOf(credentials);

  const refusedFor: Entity[] = [];
  if (existing) {
    const [decision] = await options.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) refusedFor.push(existing);
  }
  if (wouldBe) {
    const [decision] = await options.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    const allowed =
      decision.result === AuthorizeResult.ALLOW ||
      (decision.result === AuthorizeResult.CONDITIONAL &&
        isAuthorizedByCatalogConditions(decision, asProcessedSystem(wouldBe)));
    if (!allowed) refusedFor.push(wouldBe);
  }
  if (refusedFor.length) {
    const systems = [
      ...new Set(refusedFor.map(s => describeSystem(s, options).text)),
    ];
    const which =
      refusedFor[0] === existing
        ? `environment ${environment} (${entityRef})`
        : `environment ${environment} as requested`;
    const replacing =
      requested === 'record'
        ? ' This request differs from the one recorded for it, and replacing that is for whoever may apply it.'
        : '';
    throw new NotAllowedError(
      `${actor} may not ${permission.name} on ${which}: it is ${systems.join(
        '; as requested, ',
      )}.${replacing} Nothing was changed.`,
    );
  }

  const system = existing ?? wouldBe;
  const described = system && describeSystem(system, options);
  return {
    operation,
    permission: permission.name,
    actor,
    environment,
    entityRef,
    ...(described && {
      owner: described.owner,
      accountId: described.account,
    }),
  };
}
