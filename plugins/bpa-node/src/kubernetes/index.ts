export { mintEksToken, EKS_TOKEN_RENEW_AFTER_MS } from './eksToken';
export type { AwsCredentials, EksTokenOptions } from './eksToken';
export {
  connectToEksCluster,
  connectWithKubeconfig,
  connectWithToken,
  createKubernetesConnector,
} from './connection';
export type {
  ClusterTarget,
  EksConnectionOptions,
  KubernetesConnection,
  KubernetesConnector,
  KubernetesConnectorOptions,
} from './connection';
export {
  KubernetesClient,
  FieldConflictError,
  FIELD_MANAGER,
  describeObject,
  describeApiError,
} from './client';
export type { ApplyOutcome, FieldConflict, KubeObject } from './client';
export {
  generateSelfSignedCertificate,
  checkProvidedCertificate,
  certificateFacts,
  isPortalSelfSigned,
  SELF_SIGNED_ORGANIZATION,
} from './certificate';
export type { CertificateFacts, TlsCertificate } from './certificate';
export { maskSecrets, MASK } from './masking';
export { SecretMasker } from './progress';
export type { Checkpoint, ProgressLogger } from './progress';
export {
  createAwsReferenceValues,
  createAwsReferenceValuesFactory,
} from './referenceValues';
export type {
  ReferenceValues,
  ReferenceValuesFactory,
} from './referenceValues';
export {
  ensurePostgresSecrets,
  generateDatabasePassword,
  postgresSecrets,
} from './postgresSecrets';
export type { PostgresSecret, PostgresSecretsResult } from './postgresSecrets';
export { PLAN_FILES, readPlanFile } from './planFiles';
export { assignNodeRoles, NODEGROUP_LABEL } from './nodeRoles';
export type { NodeAssignment } from './nodeRoles';
export type { AppliedObject, InClusterStepOptions } from './apply';
export { bootstrapCluster } from './clusterBootstrap';
export type {
  ClusterBootstrapOptions,
  ClusterBootstrapResult,
} from './clusterBootstrap';
export { runDatabaseBootstrap } from './databaseBootstrap';
export type {
  DatabaseBootstrapOptions,
  DatabaseBootstrapResult,
} from './databaseBootstrap';
export { inClusterServicesFromConfig } from './fromConfig';
export type { InClusterServices, SecretsManagerFactory } from './fromConfig';
export { valueSourcesOf } from './secretValues';
