import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { environmentsDirectoryFromConfig } from '@internal/backstage-plugin-bpa-node';
import { BpaEnvironmentEntityProvider } from './BpaEnvironmentEntityProvider';

/** Adds the BPA environments requested through the portal to the catalog. */
export const catalogModuleBpaEnvironments = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'bpa-environments',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        lifecycle: coreServices.lifecycle,
      },
      async init({ catalog, config, logger, scheduler, lifecycle }) {
        const provider = new BpaEnvironmentEntityProvider({
          directory: environmentsDirectoryFromConfig(config),
          logger,
        });
        catalog.addEntityProvider(provider);
        // Changes are picked up as files change; the schedule is the safety net.
        await scheduler.scheduleTask({
          id: 'bpa-environments-refresh',
          frequency: { minutes: 5 },
          timeout: { minutes: 1 },
          initialDelay: { minutes: 5 },
          fn: () => provider.refresh(),
        });
        lifecycle.addShutdownHook(() => provider.close());
      },
    });
  },
});
