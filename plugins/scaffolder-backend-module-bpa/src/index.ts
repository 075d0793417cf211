/**
 * Scaffolder actions that plan, apply and tear down BPA environments on Amazon EKS.
 *
 * @packageDocumentation
 */
export { scaffolderModuleBpa as default, bpaActions } from './module';
export type { BpaActionsOptions } from './module';
export { createPlanEnvironmentAction } from './actions/planEnvironment';
export { createRegisterEnvironmentAction } from './actions/registerEnvironment';
export { createDescribeEnvironmentAction } from './actions/describeEnvironment';
export type { DescribeEnvironmentActionOptions } from './actions/describeEnvironment';
export { createAtlasClusterAction } from './actions/atlasCluster';
export { createAtlasPrivateEndpointAction } from './actions/atlasPrivateEndpoint';
export { createAtlasTeardownAction } from './actions/atlasTeardown';
export type { AtlasActionOptions } from './actions/atlasCommon';
export { createAwsDeployAction } from './actions/awsDeploy';
export { createAwsWaitAction } from './actions/awsWait';
export { createAwsTeardownAction } from './actions/awsTeardown';
export type { AwsActionOptions } from './actions/awsCommon';
export { createKubernetesBootstrapAction } from './actions/kubernetesBootstrap';
export type { KubernetesBootstrapActionOptions } from './actions/kubernetesBootstrap';
export { createDatabaseBootstrapAction } from './actions/databaseBootstrap';
export { createHelmReleaseAction } from './actions/helmRelease';
export type { HelmReleaseActionOptions } from './actions/helmRelease';
export type { InClusterActionOptions } from './actions/inClusterCommon';
