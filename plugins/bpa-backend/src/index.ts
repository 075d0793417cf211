/**
 * Live status of BPA environments for the catalog's environment pages.
 *
 * @packageDocumentation
 */
export { bpaPlugin as default } from './plugin';
