/**
 * Backend library for BPA environments: the plan renderers and, as they land, the cloud clients.
 *
 * @packageDocumentation
 */
export { renderPlan } from './plan/renderPlan';
export {
  PlanChangedError,
  planDifferences,
  planDigestOf,
  restorePlan,
} from './plan/planDigest';
export type { PlanDigest } from './plan/planDigest';
export { renderSummary, estimateResourceCount } from './plan/summary';
export { refusedChanges } from './plan/changes';
export type { RefusedChange } from './plan/changes';
export {
  LISTENER_PORTS,
  environmentRepositories,
  renderStackTemplates,
  subnetLayout,
} from './plan/cloudformation';
export {
  describeReference,
  listReferences,
  SECRET_PURPOSES,
} from './plan/incluster';
export type { Reference } from './plan/incluster';
export * from './atlas';
export { environmentsDirectoryFromConfig } from './config/environmentsDirectory';
export * from './kubernetes';
export * from './helm';
export * from './ecr';
export * from './mirror';
export {
  MIRROR_PLAN_PATH,
  MULTI_ARCH_POLICY,
  mirrorPlan,
  parseMirrorPlan,
} from './plan/mirror';
export type { MirrorCopy, MirrorPlan } from './plan/mirror';
export * from './aws';
