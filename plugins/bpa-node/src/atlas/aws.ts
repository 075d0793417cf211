import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Config } from '@backstage/config';
import { awsCredentialsManagerFromConfig } from '../aws/clients';

/** The AWS clients the Atlas steps use, for one account and region. */
export interface AtlasAwsClients {
  secretsManager: SecretsManagerClient;
  ec2: EC2Client;
  cloudFormation: CloudFormationClient;
}

/** Gives the clients of an environment's account and region; tests return mocked clients. */
export type AtlasAwsClientFactory = (target: {
  accountId: string;
  region: string;
}) => Promise<AtlasAwsClients>;

/**
 * Clients with the credentials of `aws.accounts` in app-config (else the
 * default chain). Endpoints follow `AWS_ENDPOINT_URL[_<SERVICE>]`, which the
 * SDK reads itself.
 */
export function atlasAwsClientFactoryFromConfig(
  config: Config,
): AtlasAwsClientFactory {
  const credentialsManager = awsCredentialsManagerFromConfig(config);
  return async ({ accountId, region }) => {
    const { sdkCredentialProvider: credentials } =
      await credentialsManager.getCredentialProvider({ accountId });
    return {
      secretsManager: new SecretsManagerClient({ region, credentials }),
      ec2: new EC2Client({ region, credentials }),
      cloudFormation: new CloudFormationClient({ region, credentials }),
    };
  };
}
