import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { bpaActions } from '../module';
import { authorizedActions } from './authorizedActions';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const system = registeredEnvironmentEntities(spec, 'applied').find(
  e => e.kind === 'System',
)!;

/** A policy that refuses everything, and what it was asked. */
function refusingPermissions() {
  return mockServices.permissions.mock({
    authorize: jest.fn(async requests =>
      requests.map(() => ({ result: AuthorizeResult.DENY })),
    ),
    authorizeConditional: jest.fn(async queries =>
      queries.map(() => ({ result: AuthorizeResult.DENY })),
    ),
  });
}

/** An action as the module registers it, deciding with `permissions`. */
const moduleAction = (
  id: string,
  permissions: ReturnType<typeof refusingPermissions>,
) =>
  bpaActions({
    config: new ConfigReader({}),
    catalog: catalogServiceMock({ entities: [system] }),
    permissions,
    auditor: mockServices.auditor.mock(),
    auth: mockServices.auth(),
  }).find(a => a.id === id)!;

describe('authorizedActions', () => {
  it('refuses to build an action that has no BPA permission', () => {
    const unmapped = createTemplateAction({
      id: 'bpa:example:unlisted',
      handler: async () => {},
    });
    expect(() =>
      authorizedActions([unmapped], {
        permissions: refusingPermissions(),
        auditor: mockServices.auditor.mock(),
        auth: mockServices.auth(),
        catalog: catalogServiceMock(),
      }),
    ).toThrow(
      'bpa:example:unlisted has no BPA permission: say what it does to an environment in ACTION_OPERATIONS (plugins/scaffolder-backend-module-bpa/src/authorization/actionPermissions.ts)',
    );
  });

  it.each(
    bpaActions({
      config: new ConfigReader({}),
      catalog: catalogServiceMock(),
      permissions: refusingPermissions(),
      auditor: mockServices.auditor.mock(),
      auth: mockServices.auth(),
    }).map(a => [a.id]),
  )(
    '%s, as the module registers it, asks the policy first and stops when refused',
    async id => {
      const permissions = refusingPermissions();
      const action = moduleAction(id, permissions);
      const ctx = createMockActionContext({
        input:
          id === 'bpa:environment:describe'
            ? { entityRef: 'system:default/bpa-demo' }
            : { spec: JSON.parse(JSON.stringify(spec)) },
      });
      ctx.getInitiatorCredentials = async () =>
        mockCredentials.user('user:default/sam');

      await expect(action.handler(ctx as any)).rejects.toThrow(NotAllowedError);
      expect(permissions.authorize).toHaveBeenCalledWith(
        [
          {
            permission: expect.objectContaining({
              name: expect.stringMatching(/^bpa\.environment\./),
            }),
            resourceRef: 'system:default/bpa-demo',
          },
        ],
        { credentials: mockCredentials.user('user:default/sam') },
      );
      expect(ctx.output).not.toHaveBeenCalled();
    },
  );

  it("refuses a step whose initiator's sign-in has expired, without asking the policy", async () => {
    const permissions = refusingPermissions();
    const action = moduleAction('bpa:aws:deploy', permissions);
    const ctx = createMockActionContext({
      input: { spec: JSON.parse(JSON.stringify(spec)) },
    });
    // As the scaffolder keeps them: serialized when the task started.
    ctx.getInitiatorCredentials = async () =>
      JSON.parse(
        JSON.stringify({
          ...mockCredentials.user('user:default/pat'),
          expiresAt: new Date(Date.now() - 60_000),
        }),
      );

    await expect(action.handler(ctx as any)).rejects.toThrow(
      /^The sign-in of user:default\/pat that started this task expired at .*Z, so this step cannot be authorized with it\. Retry the task/,
    );
    expect(permissions.authorize).not.toHaveBeenCalled();
    expect(permissions.authorizeConditional).not.toHaveBeenCalled();
  });
});
