export interface Config {
  auth?: {
    providers?: {
      /**
       * Sign-in as one of the example organisation's users, chosen on the
       * sign-in page (no identity provider). Refused outside development,
       * like the guest provider, unless dangerouslyAllowOutsideDevelopment.
       */
      exampleUsers?: {
        /**
         * The users offered on the sign-in page; each must be a User in the
         * catalog. (packages/app/config.d.ts makes them visible to the app.)
         */
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
        dangerouslyAllowOutsideDevelopment?: boolean;
      };
    };
  };
}
