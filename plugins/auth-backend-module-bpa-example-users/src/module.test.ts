import { AddressInfo } from 'node:net';
import { JsonObject } from '@backstage/types';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { EXAMPLE_USER_HEADER } from './authenticator';
import { authModuleBpaExampleUsers } from './module';

const pat = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'pat', namespace: 'default' },
  spec: { memberOf: ['platform-team'] },
  relations: [{ type: 'memberOf', targetRef: 'group:default/platform-team' }],
};

async function startAuth(exampleUsers: JsonObject) {
  const backend = await startTestBackend({
    features: [
      authPlugin,
      authModuleBpaExampleUsers,
      catalogServiceMock.factory({ entities: [pat] }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: { providers: { exampleUsers } },
        },
      }),
    ],
  });
  const base = `http://localhost:${
    (backend.server.address() as AddressInfo).port
  }/api/auth/exampleUsers`;
  return {
    refresh: (user?: string) =>
      fetch(`${base}/refresh`, {
        headers: {
          'x-requested-with': 'XMLHttpRequest',
          ...(user && { [EXAMPLE_USER_HEADER]: user }),
        },
      }),
    stop: () => backend.stop(),
  };
}

const USERS = [
  { userEntityRef: 'user:default/pat', title: 'Pat Platform' },
  { userEntityRef: 'sam', title: 'Sam Apps' },
];

describe('the exampleUsers auth provider', () => {
  it('signs in as the catalog User named, with its groups as ownership', async () => {
    const auth = await startAuth({
      users: USERS,
      dangerouslyAllowOutsideDevelopment: true,
    });
    try {
      const response = await auth.refresh('user:default/pat');
      expect(response.status).toBe(200);
      const { backstageIdentity } = await response.json();
      expect(backstageIdentity.identity).toEqual({
        type: 'user',
        userEntityRef: 'user:default/pat',
        ownershipEntityRefs: [
          'user:default/pat',
          'group:default/platform-team',
        ],
      });
    } finally {
      await auth.stop();
    }
  });

  it('refuses a user that is not configured, or not in the catalog', async () => {
    const auth = await startAuth({
      users: USERS,
      dangerouslyAllowOutsideDevelopment: true,
    });
    try {
      const unknown = await auth.refresh('user:default/mallory');
      expect(unknown.status).toBe(401);
      expect((await unknown.json()).error.message).toBe(
        'No example user user:default/mallory; configured: user:default/pat, user:default/sam',
      );
      // Configured, but the catalog has no such User: no identity is made up.
      const notInCatalog = await auth.refresh('user:default/sam');
      expect(notInCatalog.status).not.toBe(200);
    } finally {
      await auth.stop();
    }
  });

  it('works only in development unless explicitly allowed, like the guest provider', async () => {
    const auth = await startAuth({ users: USERS });
    try {
      const response = await auth.refresh('user:default/pat');
      expect(response.status).toBe(403);
      expect((await response.json()).error.message).toContain(
        'only in development',
      );
    } finally {
      await auth.stop();
    }
  });
});
