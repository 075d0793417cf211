/**
 * The BPA environment spec, validation, naming, plan model and entity annotations.
 *
 * @packageDocumentation
 */
export * from './spec';
export * from './supportedVersions';
export * from './validate';
export * from './plan';
export * from './naming';
export * from './annotations';
export * from './reference';
export * from './entities';
export * from './cidr';
export * from './awsRegions';
export * from './status';
export * from './history';
export * from './permissions';
export { ECHO_MAX_CHARACTERS, excerpt, quoted } from './checks/issue';
export {
  BPA_NODE_LABELS,
  ENVIRONMENT_NAME_LENGTH,
  MAX_USER_TAGS,
  REQUEST_ANNOTATION_MAX_BYTES,
} from './specChecks';
