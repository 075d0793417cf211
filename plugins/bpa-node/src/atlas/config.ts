import { Config } from '@backstage/config';
import { AtlasCredentials } from './auth';
import { AtlasClient, AtlasClientOptions } from './client';

/**
 * The portal's Atlas credentials from app-config (`bpa.atlas`): a service
 * account when one is configured (MongoDB's recommendation), else an API
 * key; undefined when neither is. Never from template parameters.
 */
export function atlasCredentialsFromConfig(
  config: Config,
): AtlasCredentials | undefined {
  const serviceAccount = config.getOptionalConfig('bpa.atlas.serviceAccount');
  if (serviceAccount) {
    return {
      type: 'serviceAccount',
      clientId: serviceAccount.getString('clientId'),
      clientSecret: serviceAccount.getString('clientSecret'),
      tokenUrl: serviceAccount.getOptionalString('tokenUrl'),
    };
  }
  const apiKey = config.getOptionalConfig('bpa.atlas.apiKey');
  if (apiKey) {
    return {
      type: 'apiKey',
      publicKey: apiKey.getString('publicKey'),
      privateKey: apiKey.getString('privateKey'),
    };
  }
  return undefined;
}

/** An Atlas client with the configured credentials and base URL, or undefined without credentials. */
export function atlasClientFromConfig(
  config: Config,
  options: Omit<AtlasClientOptions, 'credentials' | 'baseUrl'> = {},
): AtlasClient | undefined {
  const credentials = atlasCredentialsFromConfig(config);
  if (!credentials) return undefined;
  return new AtlasClient({
    ...options,
    credentials,
    baseUrl: config.getOptionalString('bpa.atlas.baseUrl'),
  });
}
