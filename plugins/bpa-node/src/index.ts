/**
 * Backend library for BPA environments: the plan renderers and, as they land, the cloud clients.
 *
 * @packageDocumentation
 */
export { renderPlan } from './plan/renderPlan';
export { renderSummary, estimateResourceCount } from './plan/summary';
export * from './atlas';
export { environmentsDirectoryFromConfig } from './config/environmentsDirectory';
export * from './kubernetes';
export * from './helm';
export * from './aws';
