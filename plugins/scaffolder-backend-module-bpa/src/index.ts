/**
 * Scaffolder actions that plan (and, as they land, apply) BPA environments on Amazon EKS.
 *
 * @packageDocumentation
 */
export { scaffolderModuleBpa as default } from './module';
export { createPlanEnvironmentAction } from './actions/planEnvironment';
export { createRegisterEnvironmentAction } from './actions/registerEnvironment';
