/**
 * Catalog entity provider for BPA environments.
 *
 * @packageDocumentation
 */
export { catalogModuleBpaEnvironments as default } from './module';
export { BpaEnvironmentEntityProvider } from './BpaEnvironmentEntityProvider';
