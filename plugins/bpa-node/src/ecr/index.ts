export {
  ecrClientFor,
  ecrImageDigest,
  ecrRegistryLogin,
  ecrRegistryOf,
} from './registry';
export type { RegistryLogin } from './registry';
