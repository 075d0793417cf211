import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { exampleUsersAuthenticator } from './authenticator';

/**
 * Auth provider `exampleUsers`: sign-in as the example organisation's
 * users. Each is signed in with the catalog's User entity, so their
 * ownership references are their catalog groups, as with a real provider.
 */
export const authModuleBpaExampleUsers = createBackendModule({
  pluginId: 'auth',
  moduleId: 'bpa-example-users',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: 'exampleUsers',
          factory: createProxyAuthProviderFactory({
            authenticator: exampleUsersAuthenticator,
            signInResolver: async ({ result }, ctx) =>
              ctx.signInWithCatalogUser({ entityRef: result.userEntityRef }),
          }),
        });
      },
    });
  },
});
