import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Config } from '@backstage/config';
import { awsCredentialsManagerFromConfig } from '../aws/clients';
import { ecrClientFor, ecrRegistryLogin, RegistryLogin } from '../ecr/registry';
import { createKubernetesConnector, KubernetesConnector } from './connection';
import {
  createAwsReferenceValuesFactory,
  ReferenceValuesFactory,
} from './referenceValues';

/** A Secrets Manager client for an environment's account and region. */
export type SecretsManagerFactory = (target: {
  accountId: string;
  region: string;
}) => Promise<SecretsManagerClient>;

/** What the in-cluster actions need from the portal's configuration, built once. */
export interface InClusterServices {
  connector: KubernetesConnector;
  referenceValues: ReferenceValuesFactory;
  /** Where the generated PostgreSQL passwords are kept. */
  secretsManager: SecretsManagerFactory;
  /** `bpa.helm.binary`, when set. */
  helmBinary?: string;
  ecrLogin(registry: {
    host: string;
    accountId: string;
    region: string;
  }): Promise<RegistryLogin>;
}

/**
 * From app-config: AWS credentials per account (`aws.accounts`, else the
 * default chain), `bpa.kubernetes.kubeconfig` (a kubeconfig file used
 * instead of EKS) and `bpa.helm.binary`.
 */
export function inClusterServicesFromConfig(config: Config): InClusterServices {
  const credentialsManager = awsCredentialsManagerFromConfig(config);
  return {
    connector: createKubernetesConnector({
      credentialsManager,
      kubeconfigFile: config.getOptionalString('bpa.kubernetes.kubeconfig'),
    }),
    referenceValues: createAwsReferenceValuesFactory(credentialsManager),
    async secretsManager({ accountId, region }) {
      const { sdkCredentialProvider: credentials } =
        await credentialsManager.getCredentialProvider({ accountId });
      return new SecretsManagerClient({ region, credentials });
    },
    helmBinary: config.getOptionalString('bpa.helm.binary'),
    async ecrLogin({ accountId, region }) {
      return ecrRegistryLogin(
        await ecrClientFor(credentialsManager, { accountId, region }),
      );
    },
  };
}
