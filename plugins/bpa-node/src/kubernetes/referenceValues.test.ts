import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { createAwsReferenceValues } from './referenceValues';

const sm = mockClient(SecretsManagerClient);
const cfn = mockClient(CloudFormationClient);
const values = () =>
  createAwsReferenceValues({
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
  });
const masterArn =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234';

beforeEach(() => {
  sm.reset();
  cfn.reset();
  sm.on(GetSecretValueCommand, { SecretId: 'bpa/demo/postgres-root' }).resolves(
    {
      SecretString: JSON.stringify({ username: 'admin', password: 'root-pw' }),
    },
  );
  sm.on(GetSecretValueCommand, { SecretId: masterArn }).resolves({
    SecretString: JSON.stringify({
      username: 'bpa_master',
      password: 'master-pw',
    }),
  });
  sm.on(GetSecretValueCommand, { SecretId: 'bpa/demo/plain' }).resolves({
    SecretString: 'not-json-secret-value',
  });
  cfn.on(DescribeStacksCommand, { StackName: 'demo-data' }).resolves({
    Stacks: [
      {
        StackName: 'demo-data',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'EndpointAddress', OutputValue: 'db.internal' },
          { OutputKey: 'MasterUserSecretArn', OutputValue: masterArn },
        ],
      },
    ],
  });
});

describe('createAwsReferenceValues', () => {
  it('reads secret keys, stack outputs and the secrets stack outputs name, each once', async () => {
    const resolved = await values().resolve([
      {
        source: 'secretsmanager',
        name: 'bpa/demo/postgres-root',
        key: 'password',
      },
      {
        source: 'secretsmanager',
        name: 'bpa/demo/postgres-root',
        key: 'username',
      },
      { source: 'cloudformation', name: 'demo-data', key: 'EndpointAddress' },
      {
        source: 'stack-secret',
        name: 'demo-data/MasterUserSecretArn',
        key: 'password',
      },
    ]);
    expect(Object.fromEntries(resolved)).toEqual({
      'secretsmanager:bpa/demo/postgres-root:password': 'root-pw',
      'secretsmanager:bpa/demo/postgres-root:username': 'admin',
      'cloudformation:demo-data:EndpointAddress': 'db.internal',
      'stack-secret:demo-data/MasterUserSecretArn:password': 'master-pw',
    });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(cfn.commandCalls(DescribeStacksCommand)).toHaveLength(1);
  });

  it('names the reference and the cause, never the secret text', async () => {
    await expect(
      values().resolve([
        { source: 'cloudformation', name: 'demo-data', key: 'Nope' },
      ]),
    ).rejects.toThrow(
      'Cannot resolve cloudformation:demo-data:Nope: stack demo-data has no output Nope',
    );
    await expect(
      values().resolve([
        {
          source: 'secretsmanager',
          name: 'bpa/demo/postgres-root',
          key: 'token',
        },
      ]),
    ).rejects.toThrow('secret bpa/demo/postgres-root has no key token');
    const error = await values()
      .resolve([
        { source: 'secretsmanager', name: 'bpa/demo/plain', key: 'password' },
      ])
      .catch(e => e);
    expect(error.message).toBe(
      'Cannot resolve secretsmanager:bpa/demo/plain:password: secret bpa/demo/plain does not hold a JSON object',
    );
  });
});
