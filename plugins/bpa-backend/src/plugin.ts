import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderServiceRef } from '@backstage/plugin-scaffolder-node';
import { bpaPermissions } from '@internal/backstage-plugin-bpa-common';
import { createRouter } from './router';
import { createEnvironmentHistoryService } from './service/environmentHistory';
import { createEnvironmentStatusService } from './service/environmentStatus';
import { StatusSources, statusSourcesFromConfig } from './service/sources';

export interface BpaPluginOptions {
  /**
   * Where the status is read from. Default: {@link statusSourcesFromConfig}.
   * Tests pass simulated clouds and a test cluster here.
   */
  sources?: (config: Config) => StatusSources;
}

const DEFAULT_CACHE_SECONDS = 30;
const DEFAULT_TIMEOUT_SECONDS = 20;
const DEFAULT_HISTORY_SCAN_TASKS = 500;

/** The plugin with its status sources chosen by the caller. */
export function createBpaPlugin(options: BpaPluginOptions = {}) {
  return createBackendPlugin({
    pluginId: 'bpa',
    register(env) {
      env.registerInit({
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          cache: coreServices.cache,
          httpAuth: coreServices.httpAuth,
          httpRouter: coreServices.httpRouter,
          auth: coreServices.auth,
          permissions: coreServices.permissions,
          permissionsRegistry: coreServices.permissionsRegistry,
          catalog: catalogServiceRef,
          scaffolder: scaffolderServiceRef,
        },
        async init({
          config,
          logger,
          cache,
          httpAuth,
          httpRouter,
          auth,
          permissions,
          permissionsRegistry,
          catalog,
          scaffolder,
        }) {
          permissionsRegistry.addPermissions(bpaPermissions);
          const sources = (options.sources ?? statusSourcesFromConfig)(config);
          if (!sources.atlas) {
            logger.info(
              'No Atlas credentials in bpa.atlas: environment status shows no Atlas clusters',
            );
          }
          const status = createEnvironmentStatusService({
            sources,
            cache,
            logger,
            cacheTtlMs:
              (config.getOptionalNumber('bpa.status.cacheSeconds') ??
                DEFAULT_CACHE_SECONDS) * 1000,
            sourceTimeoutMs:
              (config.getOptionalNumber('bpa.status.timeoutSeconds') ??
                DEFAULT_TIMEOUT_SECONDS) * 1000,
          });
          const history = createEnvironmentHistoryService({
            scaffolder,
            auth,
            scanLimit:
              config.getOptionalNumber('bpa.history.scanTasks') ??
              DEFAULT_HISTORY_SCAN_TASKS,
          });
          httpRouter.use(
            await createRouter({
              httpAuth,
              permissions,
              catalog,
              status,
              history,
            }),
          );
          httpRouter.addAuthPolicy({
            path: '/health',
            allow: 'unauthenticated',
          });
        },
      });
    },
  });
}

/** Serves the live status of BPA environments at /api/bpa. */
export const bpaPlugin = createBpaPlugin();
