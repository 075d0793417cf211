/**
 * Live status of BPA environments for the catalog's environment pages.
 *
 * @packageDocumentation
 */
export { bpaPlugin as default, createBpaPlugin } from './plugin';
export type { BpaPluginOptions } from './plugin';
export { statusSourcesFromConfig } from './service/sources';
export type { StatusSources } from './service/sources';
