export {
  checkSkopeo,
  findSkopeoBinary,
  MINIMUM_SKOPEO_VERSION,
} from './skopeo';
export type { RegistryAccess, SkopeoBinary, SkopeoCheck } from './skopeo';
export { mirrorIntoEcr } from './mirror';
export type { MirroredImage, MirrorOptions } from './mirror';
export type { ArchiveAccess } from './sources';
export {
  mirrorRegistriesFromConfig,
  mirrorServicesFromConfig,
} from './fromConfig';
export type { MirrorServices, MirrorTarget } from './fromConfig';
