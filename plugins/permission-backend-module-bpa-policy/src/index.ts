/**
 * The portal's permission policy for BPA environments and scaffolder tasks.
 *
 * @packageDocumentation
 */
export { permissionModuleBpaPolicy as default } from './module';
export { BpaPermissionPolicy, bpaPolicyOptionsFromConfig } from './policy';
export type { BpaPolicyOptions } from './policy';
