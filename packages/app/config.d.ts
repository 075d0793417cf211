export interface Config {
  auth?: {
    providers?: {
      /**
       * The example users the sign-in page offers (src/modules/signIn); the
       * exampleUsers auth provider (plugins/auth-backend-module-bpa-example-users)
       * signs them in.
       */
      exampleUsers?: {
        users: Array<{
          /**
           * The catalog User signed in as, e.g. user:default/pat.
           * @visibility frontend
           */
          userEntityRef: string;
          /**
           * The sign-in card's title.
           * @visibility frontend
           */
          title: string;
          /**
           * The sign-in card's text: who this user is.
           * @visibility frontend
           */
          description?: string;
        }>;
      };
    };
  };
}
