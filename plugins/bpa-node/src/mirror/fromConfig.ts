import { ECRClient } from '@aws-sdk/client-ecr';
import { S3Client } from '@aws-sdk/client-s3';
import { Config } from '@backstage/config';
import { awsCredentialsManagerFromConfig } from '../aws/clients';
import { ecrClientFor } from '../ecr/registry';
import { RegistryAccess } from './skopeo';

/** An AWS account and region (the environment's). */
export interface MirrorTarget {
  accountId: string;
  region: string;
}

/** What bpa:ecr:mirror needs from the portal's configuration, built once. */
export interface MirrorServices {
  /** `bpa.skopeo.binary`, when set. */
  skopeoBinary?: string;
  /** `bpa.mirror.registries`: credentials and TLS of source registries, by host. */
  registries: RegistryAccess[];
  ecr(target: MirrorTarget): Promise<ECRClient>;
  /** For archives in S3, read with the environment account's credentials. */
  s3(target: MirrorTarget): Promise<S3Client>;
}

/** `bpa.mirror.registries` as skopeo's registry access. */
export function mirrorRegistriesFromConfig(config: Config): RegistryAccess[] {
  return (config.getOptionalConfigArray('bpa.mirror.registries') ?? []).map(
    entry => ({
      host: entry.getString('host'),
      username: entry.getOptionalString('username'),
      password: entry.getOptionalString('password'),
      tlsVerify: entry.getOptionalBoolean('tlsVerify') ?? true,
    }),
  );
}

/**
 * From app-config: AWS credentials per account (`aws.accounts`, else the
 * default chain) for ECR and S3, `bpa.skopeo.binary` and
 * `bpa.mirror.registries`.
 */
export function mirrorServicesFromConfig(config: Config): MirrorServices {
  const credentialsManager = awsCredentialsManagerFromConfig(config);
  return {
    skopeoBinary: config.getOptionalString('bpa.skopeo.binary'),
    registries: mirrorRegistriesFromConfig(config),
    ecr: target => ecrClientFor(credentialsManager, target),
    async s3({ accountId, region }) {
      const { sdkCredentialProvider } =
        await credentialsManager.getCredentialProvider({ accountId });
      // The package's bucket may be in another region than the environment.
      return new S3Client({
        region,
        credentials: sdkCredentialProvider,
        followRegionRedirects: true,
      });
    },
  };
}
