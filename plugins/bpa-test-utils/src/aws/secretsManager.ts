import {
  CreateSecretCommand,
  CreateSecretCommandInput,
  DeleteSecretCommand,
  DeleteSecretCommandInput,
  DescribeSecretCommand,
  DescribeSecretCommandInput,
  GetSecretValueCommand,
  GetSecretValueCommandInput,
  InvalidRequestException,
  PutSecretValueCommand,
  PutSecretValueCommandInput,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Secrets Manager in memory: secrets by name (JSON text), secrets scheduled
 * for deletion, and the errors Secrets Manager answers with.
 */
export class SimulatedSecretsManager {
  readonly secrets = new Map<string, string>();
  readonly scheduledForDeletion = new Set<string>();

  constructor(
    private readonly where = { region: 'us-east-1', accountId: '123456789012' },
  ) {}

  arn(name: string) {
    return `arn:aws:secretsmanager:${this.where.region}:${this.where.accountId}:secret:${name}-AbCdEf`;
  }

  private markedForDeletion() {
    return new InvalidRequestException({
      $metadata: { httpStatusCode: 400 },
      message:
        "You can't perform this operation on the secret because it was marked for deletion.",
    });
  }

  private notFound() {
    return new ResourceNotFoundException({
      $metadata: { httpStatusCode: 400 },
      message: "Secrets Manager can't find the specified secret.",
    });
  }

  getSecretValue({ SecretId }: GetSecretValueCommandInput) {
    const name = this.nameOf(SecretId!);
    if (this.scheduledForDeletion.has(name)) throw this.markedForDeletion();
    const text = this.secrets.get(name);
    if (text === undefined) throw this.notFound();
    return { ARN: this.arn(name), Name: name, SecretString: text };
  }

  /** A secret scheduled for deletion is still described, with its DeletedDate. */
  describeSecret({ SecretId }: DescribeSecretCommandInput) {
    const name = this.nameOf(SecretId!);
    const scheduled = this.scheduledForDeletion.has(name);
    if (!this.secrets.has(name) && !scheduled) throw this.notFound();
    return {
      ARN: this.arn(name),
      Name: name,
      ...(scheduled ? { DeletedDate: new Date(0) } : {}),
    };
  }

  createSecret({ Name, SecretString }: CreateSecretCommandInput) {
    if (this.secrets.has(Name!) || this.scheduledForDeletion.has(Name!)) {
      throw new ResourceExistsException({
        $metadata: { httpStatusCode: 400 },
        message: `The operation failed because the secret ${Name} already exists.`,
      });
    }
    this.secrets.set(Name!, SecretString!);
    return { ARN: this.arn(Name!), Name };
  }

  putSecretValue({ SecretId, SecretString }: PutSecretValueCommandInput) {
    const name = this.nameOf(SecretId!);
    if (this.scheduledForDeletion.has(name)) throw this.markedForDeletion();
    if (!this.secrets.has(name)) throw this.notFound();
    this.secrets.set(name, SecretString!);
    return { ARN: this.arn(name), Name: name };
  }

  /** Schedules the secret for deletion (its value stays, as in the recovery window). */
  deleteSecret({ SecretId }: DeleteSecretCommandInput) {
    const name = this.nameOf(SecretId!);
    if (!this.secrets.has(name)) throw this.notFound();
    this.scheduledForDeletion.add(name);
    return { ARN: this.arn(name), Name: name, DeletionDate: new Date() };
  }

  /** Secrets are addressed by name or ARN. */
  private nameOf(id: string) {
    const match = /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(id);
    return match ? match[1] : id;
  }
}

/**
 * The simulated Secrets Manager for every SecretsManagerClient the code
 * under test builds (aws-sdk-client-mock).
 */
export function simulateSecretsManager(
  state: SimulatedSecretsManager = new SimulatedSecretsManager(),
) {
  const mock = mockClient(SecretsManagerClient);
  const handle =
    <I, O>(fn: (input: I) => O) =>
    async (input: I) =>
      fn(input);
  mock
    .on(GetSecretValueCommand)
    .callsFake(handle(i => state.getSecretValue(i)));
  mock
    .on(DescribeSecretCommand)
    .callsFake(handle(i => state.describeSecret(i)));
  mock.on(CreateSecretCommand).callsFake(handle(i => state.createSecret(i)));
  mock
    .on(PutSecretValueCommand)
    .callsFake(handle(i => state.putSecretValue(i)));
  mock.on(DeleteSecretCommand).callsFake(handle(i => state.deleteSecret(i)));

  return {
    client: () => new SecretsManagerClient({ region: 'us-east-1' }),
    state,
    secrets: state.secrets,
    scheduledForDeletion: state.scheduledForDeletion,
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
