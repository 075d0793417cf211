import { resolvePackagePath } from '@backstage/backend-plugin-api';

/** Absolute path of a Handlebars template shipped in this package's `templates/` folder. */
export function templatePath(name: string): string {
  return resolvePackagePath(
    '@internal/backstage-plugin-bpa-node',
    'templates',
    name,
  );
}
