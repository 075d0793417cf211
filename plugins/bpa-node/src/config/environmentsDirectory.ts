import path from 'node:path';
import { Config } from '@backstage/config';

/**
 * Where the portal keeps the environments' entity files: written by the
 * scaffolder's `bpa:catalog:register`, read by the catalog's provider.
 * Relative paths are relative to the backend's working directory.
 */
export function environmentsDirectoryFromConfig(config: Config): string {
  return path.resolve(
    config.getOptionalString('bpa.catalog.entitiesDirectory') ??
      '.bpa/environments',
  );
}
