import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { environmentsDirectoryFromConfig } from '@internal/backstage-plugin-bpa-node';
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
      },
      async init({ scaffolder, config }) {
        const supportedVersions = supportedVersionsFromConfig(config);
        const entitiesDirectory = environmentsDirectoryFromConfig(config);
        scaffolder.addActions(
          createPlanEnvironmentAction({ supportedVersions }),
          createRegisterEnvironmentAction({
            entitiesDirectory,
            supportedVersions,
          }),
        );
      },
    });
  },
});
