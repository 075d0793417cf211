import { Config } from '@backstage/config';
import {
  DEFAULT_SUPPORTED_VERSIONS,
  SupportedVersions,
} from '@internal/backstage-plugin-bpa-common';

/** `bpa.supportedVersions` overrides the built-in lists, list by list. */
export function supportedVersionsFromConfig(config: Config): SupportedVersions {
  const c = config.getOptionalConfig('bpa.supportedVersions');
  if (!c) return DEFAULT_SUPPORTED_VERSIONS;
  const d = DEFAULT_SUPPORTED_VERSIONS;
  return {
    refreshedAt: c.getOptionalString('refreshedAt') ?? d.refreshedAt,
    kubernetes: c.getOptionalStringArray('kubernetes') ?? d.kubernetes,
    postgres: c.getOptionalStringArray('postgres') ?? d.postgres,
    mongodb: c.getOptionalStringArray('mongodb') ?? d.mongodb,
    atlasTiers: c.getOptionalStringArray('atlasTiers') ?? d.atlasTiers,
  };
}
