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
