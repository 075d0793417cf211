/**
 * Catalog cards and content for BPA environments and their components.
 *
 * @packageDocumentation
 */
export { bpaPlugin as default } from './plugin';
