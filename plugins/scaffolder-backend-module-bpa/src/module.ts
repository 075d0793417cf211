import {
  AuditorService,
  AuthService,
  LoggerService,
  PermissionsService,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { bpaPermissions } from '@internal/backstage-plugin-bpa-common';
import {
  atlasAwsClientFactoryFromConfig,
  atlasClientFromConfig,
  awsClientFactoryFromConfig,
  environmentsDirectoryFromConfig,
  inClusterServicesFromConfig,
  mirrorServicesFromConfig,
} from '@internal/backstage-plugin-bpa-node';
import { supportedVersionsFromConfig } from './config';
import { createPlanEnvironmentAction } from './actions/planEnvironment';
import { createDescribeEnvironmentAction } from './actions/describeEnvironment';
import { createRegisterEnvironmentAction } from './actions/registerEnvironment';
import { createAtlasClusterAction } from './actions/atlasCluster';
import { createAtlasPrivateEndpointAction } from './actions/atlasPrivateEndpoint';
import { createAtlasTeardownAction } from './actions/atlasTeardown';
import { createAwsDeployAction } from './actions/awsDeploy';
import { createAwsTeardownAction } from './actions/awsTeardown';
import { createAwsWaitAction } from './actions/awsWait';
import { createKubernetesBootstrapAction } from './actions/kubernetesBootstrap';
import { createDatabaseBootstrapAction } from './actions/databaseBootstrap';
import { createHelmReleaseAction } from './actions/helmRelease';
import { createEcrMirrorAction } from './actions/ecrMirror';
import { authorizedActions } from './authorization/authorizedActions';

/** What the BPA actions are built from. */
export interface BpaActionsOptions {
  config: Config;
  /**
   * Where bpa:environment:describe reads environments and
   * bpa:catalog:register waits for them to appear.
   */
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  /** Decides, with the task initiator's credentials, whether an action may go ahead. */
  permissions: PermissionsService;
  /** Records every mutation. */
  auditor: AuditorService;
  auth: Pick<AuthService, 'getOwnServiceCredentials'>;
  /** Where unexpected failures are logged in full. */
  logger?: LoggerService;
}

/**
 * Every BPA scaffolder action, built from the portal's configuration, each
 * authorized and audited (authorization/authorizedActions.ts; a new action
 * also needs its line in authorization/actionPermissions.ts): what the
 * module registers.
 */
export function bpaActions(options: BpaActionsOptions) {
  const { config, catalog, auth } = options;
  const supportedVersions = supportedVersionsFromConfig(config);
  const entitiesDirectory = environmentsDirectoryFromConfig(config);
  const atlasOptions = {
    atlas: atlasClientFromConfig(config),
    awsClients: atlasAwsClientFactoryFromConfig(config),
    supportedVersions,
    pollIntervalSeconds: config.getOptionalNumber(
      'bpa.atlas.pollIntervalSeconds',
    ),
  };
  const awsOptions = {
    clients: awsClientFactoryFromConfig(config),
    supportedVersions,
    pollIntervalMs:
      (config.getOptionalNumber('bpa.aws.pollIntervalSeconds') ?? 20) * 1000,
  };
  const inCluster = inClusterServicesFromConfig(config);
  const mirror = mirrorServicesFromConfig(config);
  const kubernetesPollSeconds = config.getOptionalNumber(
    'bpa.kubernetes.pollIntervalSeconds',
  );
  const inClusterOptions = {
    connector: inCluster.connector,
    supportedVersions,
    pollIntervalMs:
      kubernetesPollSeconds === undefined
        ? undefined
        : kubernetesPollSeconds * 1000,
  };
  const actions = [
    createPlanEnvironmentAction({
      supportedVersions,
      applyPrerequisites: {
        awsClients: awsOptions.clients,
        atlas: atlasOptions.atlas,
        helmBinary: inCluster.helmBinary,
        skopeoBinary: mirror.skopeoBinary,
      },
      portalEgressCidrs: config.getOptionalStringArray(
        'bpa.aws.portalEgressCidrs',
      ),
    }),
    createRegisterEnvironmentAction({
      entitiesDirectory,
      supportedVersions,
      catalog,
      auth,
      catalogWaitMs:
        (config.getOptionalNumber('bpa.catalog.waitSeconds') ?? 60) * 1000,
    }),
    createDescribeEnvironmentAction({ catalog, supportedVersions }),
    createAtlasClusterAction(atlasOptions),
    createAtlasPrivateEndpointAction(atlasOptions),
    createAtlasTeardownAction(atlasOptions),
    createAwsDeployAction(awsOptions),
    createAwsWaitAction(awsOptions),
    createAwsTeardownAction(awsOptions),
    createKubernetesBootstrapAction({
      ...inClusterOptions,
      referenceValues: inCluster.referenceValues,
      secretsManager: inCluster.secretsManager,
    }),
    createDatabaseBootstrapAction({
      ...inClusterOptions,
      referenceValues: inCluster.referenceValues,
    }),
    createEcrMirrorAction({ ...mirror, supportedVersions }),
    createHelmReleaseAction({
      ...inClusterOptions,
      helmBinary: inCluster.helmBinary,
      ecrLogin: inCluster.ecrLogin,
    }),
  ];
  return authorizedActions(actions, {
    ...options,
    supportedVersions,
    protectedAccounts:
      config.getOptionalStringArray('bpa.permissions.protectedAccounts') ?? [],
  });
}

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
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        logger: coreServices.logger,
      },
      async init({ scaffolder, permissionsRegistry, ...services }) {
        permissionsRegistry.addPermissions(bpaPermissions);
        scaffolder.addActions(...bpaActions(services));
      },
    });
  },
});
