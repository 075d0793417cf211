import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Secrets Manager in memory, for every SecretsManagerClient the code under
 * test builds: secrets by name (JSON text), secrets scheduled for deletion,
 * and the errors Secrets Manager answers with.
 */
export function simulateSecretsManager() {
  const secrets = new Map<string, string>();
  const scheduledForDeletion = new Set<string>();
  const arn = (name: string) =>
    `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
  const mock = mockClient(SecretsManagerClient);
  const markedForDeletion = () =>
    new InvalidRequestException({
      $metadata: {},
      message:
        "You can't perform this operation on the secret because it was marked for deletion.",
    });

  mock.on(GetSecretValueCommand).callsFake(async ({ SecretId }) => {
    if (scheduledForDeletion.has(SecretId)) throw markedForDeletion();
    const text = secrets.get(SecretId);
    if (text === undefined) {
      throw new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return { ARN: arn(SecretId), Name: SecretId, SecretString: text };
  });
  mock.on(DescribeSecretCommand).callsFake(async ({ SecretId }) => {
    if (!secrets.has(SecretId) && !scheduledForDeletion.has(SecretId)) {
      throw new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return {
      ARN: arn(SecretId),
      Name: SecretId,
      ...(scheduledForDeletion.has(SecretId)
        ? { DeletedDate: new Date(0) }
        : {}),
    };
  });
  mock.on(CreateSecretCommand).callsFake(async ({ Name, SecretString }) => {
    if (secrets.has(Name) || scheduledForDeletion.has(Name)) {
      throw new ResourceExistsException({
        $metadata: {},
        message: `The operation failed because the secret ${Name} already exists.`,
      });
    }
    secrets.set(Name, SecretString);
    return { ARN: arn(Name), Name };
  });
  mock
    .on(PutSecretValueCommand)
    .callsFake(async ({ SecretId, SecretString }) => {
      if (scheduledForDeletion.has(SecretId)) throw markedForDeletion();
      secrets.set(SecretId, SecretString);
      return { ARN: arn(SecretId), Name: SecretId };
    });

  return {
    client: () => new SecretsManagerClient({ region: 'us-east-1' }),
    secrets,
    scheduledForDeletion,
    mock,
    /** The names given to CreateSecret so far. */
    created: () =>
      mock.commandCalls(CreateSecretCommand).map(c => c.args[0].input.Name),
    /** The names given to PutSecretValue so far. */
    written: () =>
      mock
        .commandCalls(PutSecretValueCommand)
        .map(c => c.args[0].input.SecretId),
  };
}
