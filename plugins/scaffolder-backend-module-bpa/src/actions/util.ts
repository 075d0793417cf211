import { InputError } from '@backstage/errors';
import {
  EnvironmentSpec,
  SupportedVersions,
  validateEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';

/** Validates a request; refuses it with every problem named by field, before anything else happens. */
export function parseSpecInput(
  input: unknown,
  supportedVersions: SupportedVersions | undefined,
): EnvironmentSpec {
  const result = validateEnvironmentSpec(input, { supportedVersions });
  if (!result.success) {
    throw new InputError(
      `Invalid BPA environment request: ${result.issues
        .map(i => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return result.spec;
}
