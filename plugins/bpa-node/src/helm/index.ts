export { findHelmBinary } from './helmBinary';
export type { HelmBinary } from './helmBinary';
export { deployHelmRelease } from './release';
export type { HelmReleaseOptions, HelmReleaseResult } from './release';
