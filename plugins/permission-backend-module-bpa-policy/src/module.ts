import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { BpaPermissionPolicy, bpaPolicyOptionsFromConfig } from './policy';

/** The portal's permission policy (see {@link BpaPermissionPolicy}), configured by `bpa.permissions`. */
export const permissionModuleBpaPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'bpa-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, userInfo }) {
        policy.setPolicy(
          new BpaPermissionPolicy({
            ...bpaPolicyOptionsFromConfig(config),
            userInfo,
          }),
        );
      },
    });
  },
});
