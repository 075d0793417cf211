import { ConfigReader } from '@backstage/config';
import { atlasAwsClientFactoryFromConfig } from '../atlas/aws';
import { inClusterServicesFromConfig } from '../kubernetes/fromConfig';
import { mirrorServicesFromConfig } from '../mirror/fromConfig';
import {
  awsClientFactoryFromConfig,
  awsCredentialsManagerFromConfig,
  AwsCredentialsMissingError,
} from './clients';

/** One account configured, with static keys; 210987654321 is not among them. */
const config = new ConfigReader({
  aws: {
    accounts: [
      {
        accountId: '123456789012',
        accessKeyId: 'AKIACONFIGURED000000',
        secretAccessKey: 'configured-secret-access-key',
      },
    ],
  },
});
const elsewhere = { accountId: '210987654321', region: 'eu-west-1' };

describe("the portal's AWS credentials from app-config", () => {
  it('are one credentials manager per configuration, shared by every client factory', () => {
    expect(awsCredentialsManagerFromConfig(config)).toBe(
      awsCredentialsManagerFromConfig(config),
    );
    expect(
      awsCredentialsManagerFromConfig(new ConfigReader(config.get())),
    ).not.toBe(awsCredentialsManagerFromConfig(config));
  });

  it('give the configured account its keys', async () => {
    const { sdkCredentialProvider } = await awsCredentialsManagerFromConfig(
      config,
    ).getCredentialProvider({ accountId: '123456789012' });
    expect((await sdkCredentialProvider()).accessKeyId).toBe(
      'AKIACONFIGURED000000',
    );
  });

  it('say which account has no credentials and where to configure them, whichever step asks', async () => {
    const asked = {
      'the AWS steps': awsClientFactoryFromConfig(config).forTarget(elsewhere),
      'the in-cluster steps (Secrets Manager)':
        inClusterServicesFromConfig(config).secretsManager(elsewhere),
      'the in-cluster steps (ECR login)': inClusterServicesFromConfig(
        config,
      ).ecrLogin({ host: 'x', ...elsewhere }),
      'the Atlas steps': atlasAwsClientFactoryFromConfig(config)(elsewhere),
      'the mirror (S3)': mirrorServicesFromConfig(config).s3(elsewhere),
    };
    for (const [who, answer] of Object.entries(asked)) {
      const error = await answer.then(
        () => new Error(`${who}: no error`),
        e => e,
      );
      expect([who, error]).toEqual([
        who,
        expect.any(AwsCredentialsMissingError),
      ]);
      expect(error.message).toMatch(
        /^No AWS credentials for account 210987654321: /,
      );
      expect(error.message).toContain('aws.accounts in app-config.yaml');
      // Wrapped once, not twice.
      expect(error.message.match(/No AWS credentials/g)).toHaveLength(1);
    }
  });
});
