export * from './types';
export { AtlasApiError } from './errors';
export { ATLAS_TOKEN_URL } from './auth';
export type { AtlasCredentials } from './auth';
export {
  AtlasClient,
  ATLAS_BASE_URL,
  DEFAULT_ATLAS_RETRY_POLICY,
} from './client';
export type { AtlasApi, AtlasClientOptions, AtlasRetryPolicy } from './client';
export { atlasClientFromConfig, atlasCredentialsFromConfig } from './config';
export { ATLAS_AWS_REGIONS, atlasRegionName } from './regions';
export { systemClock as atlasSystemClock } from './wait';
export type {
  Clock as AtlasClock,
  WaitOptions as AtlasWaitOptions,
} from './wait';
export type {
  AtlasStepContext,
  CheckpointValue as AtlasCheckpointValue,
} from './context';
export { atlasAwsClientFactoryFromConfig } from './aws';
export type { AtlasAwsClients, AtlasAwsClientFactory } from './aws';
export {
  atlasClusterRequest,
  atlasConnectionHost,
  atlasRegionOf,
  checkAtlasOffering,
  ensureAtlasCluster,
  terminateAtlasCluster,
  waitForAtlasCluster,
} from './cluster';
export {
  atlasDatabaseUserRequest,
  checkAtlasDatabaseUser,
  ensureAtlasDatabaseUser,
  mongodbSecretName,
  removeAtlasDatabaseUser,
  storeMongoDbConnectionString,
} from './databaseUser';
export type { AtlasUserSecretRef, MongoDbSecretValue } from './databaseUser';
export {
  atlasEndpointServiceRequest,
  findAtlasEndpointService,
  privateConnectionString,
  provisionAtlasPrivateEndpoint,
  readAtlasEndpointNetwork,
  removeAtlasPrivateEndpoint,
} from './privateEndpoint';
export type {
  AtlasEndpointNetwork,
  AtlasPrivateEndpoint,
  AtlasPrivateEndpointRemoval,
} from './privateEndpoint';
