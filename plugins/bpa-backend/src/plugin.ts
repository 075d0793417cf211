import { createBackendPlugin } from '@backstage/backend-plugin-api';

/** Serves the live status of BPA environments at /api/bpa. */
export const bpaPlugin = createBackendPlugin({
  pluginId: 'bpa',
  register(env) {
    env.registerInit({
      deps: {},
      async init() {},
    });
  },
});
