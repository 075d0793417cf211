export { renderKubernetesManifests } from './kubernetesManifests';
export {
  INGRESS_CERTIFICATE_SECRET,
  POSTGRES_BINDING_SECRET,
  MONGODB_BINDING_SECRET,
  DATABASE_BOOTSTRAP_SECRET,
  VALUE_SOURCES_ANNOTATION,
} from './kubernetesManifests';
export { renderDatabaseBootstrapSql } from './bootstrapSql';
export { renderEnvironmentTxt, ENVIRONMENT_SECRET } from './environmentTxt';
export { renderHelmValues, mergeHelmValues } from './helmValues';
export type { BpaChartFacts } from './bpaChartValues';
export {
  renderNodePreparationScript,
  BPA_SYSTEM_NAMESPACE,
} from './nodePreparation';
export {
  resolveReferences,
  listReferences,
  parseReference,
  formatReference,
  describeReference,
  UnresolvedReferenceError,
} from './references';
export type { Reference } from './references';
export { SECRET_PURPOSES, DATA_STACK_OUTPUTS } from './sources';
