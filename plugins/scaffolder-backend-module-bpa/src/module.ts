import path from 'node:path';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { supportedVersionsFromConfig } from './config';
import { createPlanEnvironmentAction } from './actions/planEnvironment';
import { createRegisterEnvironmentAction } from './actions/registerEnvironment';

/** Registers the BPA environment actions with the scaffolder. */
export const scaffolderModuleBpa = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'bpa',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, config, catalog }) {
        const supportedVersions = supportedVersionsFromConfig(config);
        const entitiesDirectory = path.resolve(
          config.getOptionalString('bpa.catalog.entitiesDirectory') ??
            '.bpa/environments',
        );
        scaffolder.addActions(
          createPlanEnvironmentAction({ supportedVersions }),
          createRegisterEnvironmentAction({
            catalog,
            entitiesDirectory,
            supportedVersions,
          }),
        );
      },
    });
  },
});
