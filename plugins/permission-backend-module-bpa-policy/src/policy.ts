import {
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import {
  AuthorizeResult,
  PermissionCondition,
  PermissionCriteria,
  PolicyDecision,
  ResourcePermission,
  isPermission,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import {
  createScaffolderTaskConditionalDecision,
  scaffolderTaskConditions,
} from '@backstage/plugin-scaffolder-backend/alpha';
import {
  taskCancelPermission,
  taskReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  BPA_AWS_ACCOUNT_ANNOTATION,
  bpaMutatingPermissionNames,
  bpaPermissions,
} from '@internal/backstage-plugin-bpa-common';

/** `bpa.permissions` in app-config. */
export interface BpaPolicyOptions {
  /** Groups whose members may do everything: entity refs. */
  adminGroups: string[];
  /** AWS accounts only the admin groups may act in. */
  protectedAccounts: string[];
}

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

const groupRef = (ref: string) =>
  stringifyEntityRef(
    parseEntityRef(ref, { defaultKind: 'group', defaultNamespace: 'default' }),
  );

/** Reads and checks `bpa.permissions`; a mistake there stops the backend rather than opening it. */
export function bpaPolicyOptionsFromConfig(config: Config): BpaPolicyOptions {
  const key = 'bpa.permissions';
  const adminGroups = config.getOptionalStringArray(`${key}.adminGroups`) ?? [];
  const protectedAccounts =
    config.getOptionalStringArray(`${key}.protectedAccounts`) ?? [];
  for (const account of protectedAccounts) {
    if (!/^[0-9]{12}$/.test(account)) {
      throw new Error(
        `${key}.protectedAccounts: "${account}" is not a 12-digit AWS account id`,
      );
    }
  }
  return {
    adminGroups: adminGroups.map(ref => {
      try {
        return groupRef(ref);
      } catch (error) {
        throw new Error(
          `${key}.adminGroups: "${ref}" is not an entity reference: ${error}`,
        );
      }
    }),
    protectedAccounts,
  };
}

const bpaPermissionNames = new Set(bpaPermissions.map(p => p.name));

/**
 * The portal's permission policy.
 *
 * - `bpa.environment.read` and `bpa.environment.plan`: anyone signed in.
 * - `bpa.environment.apply`, `.change`, `.teardown`: members of the
 *   environment's owner group (the System is owned by one of the user's
 *   ownership references: the user and the groups the catalog makes them a
 *   member of) and of the admin groups; environments in a protected AWS
 *   account for the admin groups only.
 * - `scaffolder.task.read` and `scaffolder.task.cancel`: the task's creator
 *   and the admin groups. A retry needs to read the task (and to create
 *   tasks), so it is theirs too.
 * - Everything else is allowed, as before this policy.
 */
export class BpaPermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly options: BpaPolicyOptions & {
      userInfo: Pick<UserInfoService, 'getUserInfo'>;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    const isBpa = bpaPermissionNames.has(permission.name);
    const isTask =
      isPermission(permission, taskReadPermission) ||
      isPermission(permission, taskCancelPermission);
    if (!isBpa && !isTask) return ALLOW;
    const principal = user?.credentials.principal as
      | { type?: string }
      | undefined;
    if (!user || principal?.type !== 'user') return DENY;

    const { userEntityRef, ownershipEntityRefs } = await this.userInfoOf(
      user.credentials,
    );
    const isAdmin = ownershipEntityRefs.some(ref =>
      this.options.adminGroups.includes(ref),
    );
    if (isAdmin) return ALLOW;

    if (isTask) {
      return createScaffolderTaskConditionalDecision(
        permission as ResourcePermission<'scaffolder-task'>,
        scaffolderTaskConditions.isTaskOwner({ createdBy: [userEntityRef] }),
      );
    }
    if (!bpaMutatingPermissionNames.includes(permission.name)) return ALLOW;
    if (!isResourcePermission(permission, 'catalog-entity')) return DENY;

    const ownedByTheUser = catalogConditions.isEntityOwner({
      claims: ownershipEntityRefs,
    });
    const [first, ...rest] = this.options.protectedAccounts.map(account =>
      catalogConditions.hasAnnotation({
        annotation: BPA_AWS_ACCOUNT_ANNOTATION,
        value: account,
      }),
    );
    const conditions: PermissionCriteria<
      PermissionCondition<'catalog-entity'>
    > = first
      ? { allOf: [ownedByTheUser, { not: { anyOf: [first, ...rest] } }] }
      : ownedByTheUser;
    return createCatalogConditionalDecision(permission, conditions);
  }

  private async userInfoOf(credentials: BackstageCredentials) {
    const info = await this.options.userInfo.getUserInfo(
      credentials as BackstageCredentials<{
        type: 'user';
        userEntityRef: string;
      }>,
    );
    return {
      userEntityRef: info.userEntityRef,
      ownershipEntityRefs: info.ownershipEntityRefs.map(ref =>
        stringifyEntityRef(parseEntityRef(ref)),
      ),
    };
  }
}
