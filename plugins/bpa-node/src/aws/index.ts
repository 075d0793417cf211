export {
  AwsCredentialsMissingError,
  awsClientFactoryFromConfig,
  createAwsClientFactory,
} from './clients';
export type {
  AwsClientFactory,
  AwsClientFactoryOptions,
  AwsClients,
  AwsTarget,
} from './clients';
export {
  CERTIFICATE_CHECK_ACTIONS,
  listenerCertificateProblem,
} from './certificate';
export { BASTION_IMAGE_ACTIONS, latestBastionImageId } from './bastionImage';
export { formatElapsed } from './clock';
export {
  DATABASE_SNAPSHOT_ACTIONS,
  databaseSnapshots,
} from './databaseSnapshots';
export type { DatabaseSnapshot } from './databaseSnapshots';
export type { Clock as StackClock } from './clock';
export {
  AwsAccessError,
  principalArnOf,
  verifyAwsAccess,
} from './credentialsCheck';
export type { AwsAccess } from './credentialsCheck';
export {
  LOAD_BALANCER_DETACH_ACTIONS,
  LOAD_BALANCER_TARGET_ACTIONS,
  attachNodeGroupsToTargetGroups,
  detachNodeGroupsFromTargetGroups,
  edgeTargetGroupArns,
} from './loadBalancerTargets';
export type { NodeGroupTargets } from './loadBalancerTargets';
export {
  allPortalActions,
  IMAGE_MIRROR_ACTIONS,
  requiredActions,
  unknownResourceTypes,
} from './permissions';
export {
  DEFAULT_STACK_TIMEOUTS_MS,
  StackDeployer,
  StackOperationError,
  StackWaitTimeoutError,
  describeStack,
  stackOutputs,
} from './stackDeployer';
export type {
  Checkpoint as StackCheckpoint,
  CheckpointValue as StackCheckpointValue,
  StackDeployerOptions,
  StackDeployment,
  StackRequest,
  StackResult,
} from './stackDeployer';
export type { ResourceFailure } from './stackEvents';
export {
  MAX_TEMPLATE_BODY_BYTES,
  environmentTagValues,
  parseTemplateBody,
  resourceTypes,
} from './templateBody';
export type {
  ParsedTemplate,
  TemplateParameter,
  TemplateResource,
} from './templateBody';
export {
  TEARDOWN_WAVES,
  TeardownRefusedError,
  executeTeardown,
  environmentResourceTypes,
  planTeardown,
  templateReadyForDeletion,
} from './teardown';
export type { TeardownOptions, TeardownPlan } from './teardown';
/** The stack tags every deployed stack carries (and CloudFormation copies to its resources). */
export { environmentTags } from '../plan/cloudformation';
