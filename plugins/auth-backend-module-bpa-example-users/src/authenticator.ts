import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { AuthenticationError, NotAllowedError } from '@backstage/errors';
import { createProxyAuthenticator } from '@backstage/plugin-auth-node';

/** The header the sign-in page names the chosen example user in. */
export const EXAMPLE_USER_HEADER = 'x-bpa-example-user';

/** The user a sign-in is for. */
export interface ExampleUserResult {
  userEntityRef: string;
}

/**
 * Signs in as the configured example user the request names: anyone who
 * reaches the portal may be any of them, which is why, as for the guest
 * provider, it works only in development unless explicitly allowed.
 */
export const exampleUsersAuthenticator = createProxyAuthenticator<
  { users: string[]; disabled: boolean },
  ExampleUserResult,
  undefined
>({
  defaultProfileTransform: async result => ({
    profile: { displayName: parseEntityRef(result.userEntityRef).name },
  }),
  initialize({ config }) {
    return {
      users: config.getConfigArray('users').map(user =>
        stringifyEntityRef(
          parseEntityRef(user.getString('userEntityRef'), {
            defaultKind: 'user',
            defaultNamespace: 'default',
          }),
        ),
      ),
      disabled:
        process.env.NODE_ENV !== 'development' &&
        config.getOptionalBoolean('dangerouslyAllowOutsideDevelopment') !==
          true,
    };
  },
  async authenticate({ req }, { users, disabled }) {
    if (disabled) {
      throw new NotAllowedError(
        "The example users sign in only in development, unless 'auth.providers.exampleUsers.dangerouslyAllowOutsideDevelopment' is set",
      );
    }
    const named = req.header(EXAMPLE_USER_HEADER);
    const userEntityRef = users.find(ref => ref === named);
    if (!userEntityRef) {
      throw new AuthenticationError(
        `No example user ${named ?? '(none named)'}; configured: ${users.join(
          ', ',
        )}`,
      );
    }
    return { result: { userEntityRef } };
  },
});
