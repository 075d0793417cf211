import {
  AwsClients,
  AwsCredentialsMissingError,
  createAwsClientFactory,
} from './clients';

const credentialsManager = {
  getCredentialProvider: async () => ({
    accountId: '123456789012',
    sdkCredentialProvider: async () => ({
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'example',
    }),
  }),
};

/** Every SDK client the factory makes. */
const everyClient = (clients: AwsClients) => [
  clients.cloudFormation,
  clients.sts,
  clients.iam,
  clients.eks,
  clients.autoScaling,
  clients.acm,
  clients.rds,
  clients.ssm,
  clients.ec2,
];

describe('createAwsClientFactory', () => {
  it("builds every client for the environment's region, retrying throttled calls adaptively", async () => {
    const clients = await createAwsClientFactory({
      credentialsManager,
    }).forTarget({
      accountId: '123456789012',
      region: 'eu-west-1',
    });

    for (const client of everyClient(clients)) {
      expect(await client.config.region()).toBe('eu-west-1');
      expect(await client.config.maxAttempts()).toBe(8);
      expect(await client.config.retryStrategy()).toMatchObject({
        mode: 'adaptive',
      });
    }
  });

  it('sends every call to an endpoint override', async () => {
    const clients = await createAwsClientFactory({
      credentialsManager,
      endpoint: 'http://127.0.0.1:4566',
    }).forTarget({ accountId: '123456789012', region: 'us-east-1' });

    for (const client of everyClient(clients)) {
      const endpoint = await client.config.endpoint!();
      expect(
        `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`,
      ).toBe('http://127.0.0.1:4566');
    }
  });

  it('says which account has no credentials and where to configure them', async () => {
    const factory = createAwsClientFactory({
      credentialsManager: {
        getCredentialProvider: async () => {
          throw new Error(
            'There is no AWS integration that matches 210987654321. Please add a configuration for this AWS account.',
          );
        },
      },
    });

    const error = await factory
      .forTarget({ accountId: '210987654321', region: 'us-east-1' })
      .catch(e => e);

    expect(error).toBeInstanceOf(AwsCredentialsMissingError);
    expect(error.message).toMatch(
      /^No AWS credentials for account 210987654321: There is no AWS integration/,
    );
    expect(error.message).toContain('aws.accounts in app-config.yaml');
  });

  it('says AWS could not be reached, not that credentials are missing, when the network fails', async () => {
    const refused = Object.assign(
      new Error('connect ECONNREFUSED 127.0.0.1:9'),
      {
        code: 'ECONNREFUSED',
      },
    );
    const factory = createAwsClientFactory({
      credentialsManager: {
        getCredentialProvider: async () => {
          throw new Error('Unable to get the caller identity', {
            cause: refused,
          });
        },
      },
    });

    const error = await factory
      .forTarget({ accountId: '210987654321', region: 'us-east-1' })
      .catch(e => e);

    expect(error.reason).toBe('unreachable');
    expect(error.message).toMatch(
      /^AWS could not be reached to resolve the credentials of account 210987654321: /,
    );
    expect(error.message).not.toContain('No AWS credentials');
  });
});
