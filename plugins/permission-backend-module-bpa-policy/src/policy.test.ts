import { mockCredentials } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  taskCancelPermission,
  taskCreatePermission,
  taskReadPermission,
} from '@backstage/plugin-scaffolder-common/alpha';
import {
  REFERENCE_SPEC_INPUT,
  asProcessedSystem,
  bpaEnvironmentApplyPermission,
  bpaEnvironmentChangePermission,
  bpaEnvironmentPlanPermission,
  bpaEnvironmentReadPermission,
  bpaEnvironmentTeardownPermission,
  parseEnvironmentSpec,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { BpaPermissionPolicy, bpaPolicyOptionsFromConfig } from './policy';

const MEMBERSHIPS: Record<string, string[]> = {
  'user:default/pat': ['user:default/pat', 'group:default/platform-team'],
  'user:default/sam': ['user:default/sam', 'group:default/app-team'],
  'user:default/ada': ['user:default/ada', 'group:default/portal-admins'],
};

const policy = new BpaPermissionPolicy({
  ...bpaPolicyOptionsFromConfig(
    new ConfigReader({
      bpa: {
        permissions: {
          adminGroups: ['portal-admins'],
          protectedAccounts: ['111122223333'],
        },
      },
    }),
  ),
  userInfo: {
    async getUserInfo(credentials) {
      const ref = (credentials.principal as { userEntityRef: string })
        .userEntityRef;
      return { userEntityRef: ref, ownershipEntityRefs: MEMBERSHIPS[ref] };
    },
  },
});

const decide = (permission: Permission, user?: string) =>
  policy.handle(
    { permission },
    user
      ? {
          credentials: mockCredentials.user(user),
          info: { userEntityRef: user, ownershipEntityRefs: [] },
        }
      : undefined,
  );

/** The System of an environment, as the catalog holds it. */
const systemIn = (accountId: string) =>
  asProcessedSystem(
    registeredEnvironmentEntities(
      parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        aws: { ...REFERENCE_SPEC_INPUT.aws, accountId },
      }),
      'applied',
    ).find(e => e.kind === 'System')!,
  );
/** How the catalog applies a decision to a System. */
const appliesTo = createConditionAuthorizer(Object.values(permissionRules));
const allows = (decision: PolicyDecision, accountId = '123456789012') =>
  decision.result === AuthorizeResult.ALLOW ||
  (decision.result === AuthorizeResult.CONDITIONAL &&
    appliesTo(decision, systemIn(accountId)));

const MUTATING = [
  bpaEnvironmentApplyPermission,
  bpaEnvironmentChangePermission,
  bpaEnvironmentTeardownPermission,
];

describe('BpaPermissionPolicy', () => {
  it('lets anyone signed in plan and read environments', async () => {
    for (const permission of [
      bpaEnvironmentPlanPermission,
      bpaEnvironmentReadPermission,
    ]) {
      expect(await decide(permission, 'user:default/sam')).toEqual({
        result: AuthorizeResult.ALLOW,
      });
      expect(await decide(permission)).toEqual({
        result: AuthorizeResult.DENY,
      });
    }
  });

  it.each(MUTATING.map(p => [p.name, p]))(
    '%s: for the owner group, refused to others, as the catalog applies the conditions',
    async (_name, permission) => {
      const forPat = await decide(permission, 'user:default/pat');
      const forSam = await decide(permission, 'user:default/sam');
      expect(forPat).toMatchObject({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
      });
      expect(allows(forPat)).toBe(true);
      expect(allows(forSam)).toBe(false);
      expect(await decide(permission)).toEqual({
        result: AuthorizeResult.DENY,
      });
    },
  );

  it.each(MUTATING.map(p => [p.name, p]))(
    '%s: a protected account is for the admin groups only',
    async (_name, permission) => {
      expect(
        allows(await decide(permission, 'user:default/pat'), '111122223333'),
      ).toBe(false);
      expect(await decide(permission, 'user:default/ada')).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    },
  );

  it("keeps scaffolder tasks' reading and cancelling (and so retrying) to their creator and admins", async () => {
    for (const permission of [taskReadPermission, taskCancelPermission]) {
      expect(await decide(permission, 'user:default/sam')).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'scaffolder',
        resourceType: 'scaffolder-task',
        conditions: {
          rule: 'IS_TASK_OWNER',
          resourceType: 'scaffolder-task',
          params: { createdBy: ['user:default/sam'] },
        },
      });
      expect(await decide(permission, 'user:default/ada')).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });

  it('allows everything else, as the portal did before', async () => {
    for (const permission of [catalogEntityReadPermission, taskCreatePermission]) {
      expect(await decide(permission, 'user:default/sam')).toEqual({
        result: AuthorizeResult.ALLOW,
      });
    }
  });
});

describe('bpaPolicyOptionsFromConfig', () => {
  it('reads admin groups as entity references', () => {
    expect(
      bpaPolicyOptionsFromConfig(
        new ConfigReader({
          bpa: { permissions: { adminGroups: ['admins', 'group:ops/sre'] } },
        }),
      ),
    ).toEqual({
      adminGroups: ['group:default/admins', 'group:ops/sre'],
      protectedAccounts: [],
    });
  });

  it('refuses a protected account that is not an AWS account id', () => {
    expect(() =>
      bpaPolicyOptionsFromConfig(
        new ConfigReader({
          bpa: { permissions: { protectedAccounts: ['prod'] } },
        }),
      ),
    ).toThrow(
      'bpa.permissions.protectedAccounts: "prod" is not a 12-digit AWS account id',
    );
  });
});
