import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

/** A JSON secret as stored: its keys and its ARN. */
export interface StoredSecret {
  value: Record<string, unknown>;
  arn: string;
}

/** What a new secret is created with, besides its value. */
export interface SecretDefinition {
  name: string;
  description: string;
  tags: Record<string, string>;
}

const hasName = (error: unknown, name: string) =>
  (error as { name?: string } | undefined)?.name === name;

const reason = (error: unknown) =>
  error instanceof Error ? error.message : String(error);

/**
 * Whether the secret is scheduled for deletion: DescribeSecret still answers
 * for it, with its DeletedDate (the error messages of GetSecretValue differ
 * between implementations, so they are not read).
 */
async function scheduledForDeletion(
  secretsManager: SecretsManagerClient,
  name: string,
): Promise<boolean> {
  try {
    const { DeletedDate } = await secretsManager.send(
      new DescribeSecretCommand({ SecretId: name }),
    );
    return DeletedDate !== undefined;
  } catch {
    return false;
  }
}

/**
 * Reads a JSON secret; undefined when it does not exist. A secret scheduled
 * for deletion is an error naming the way back: its value may still be the
 * one a database or an Atlas user has.
 */
export async function readSecretJson(
  secretsManager: SecretsManagerClient,
  name: string,
): Promise<StoredSecret | undefined> {
  let text: string | undefined;
  let arn: string;
  try {
    const stored = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: name }),
    );
    text = stored.SecretString;
    arn = stored.ARN ?? '';
  } catch (error) {
    if (hasName(error, 'ResourceNotFoundException')) return undefined;
    if (
      hasName(error, 'InvalidRequestException') &&
      (await scheduledForDeletion(secretsManager, name))
    ) {
      throw new Error(
        `Secrets Manager secret ${name} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id ${name}) and run the step again`,
      );
    }
    throw new Error(
      `Could not read Secrets Manager secret ${name}: ${reason(error)}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    // Never the text itself: it is the secret.
    value = undefined;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(
      `Secrets Manager secret ${name} does not hold a JSON object; fix or delete it and run the step again`,
    );
  }
  return { value: value as Record<string, unknown>, arn };
}

function createCommand(definition: SecretDefinition, value: object) {
  return new CreateSecretCommand({
    Name: definition.name,
    Description: definition.description,
    SecretString: JSON.stringify(value),
    Tags: Object.entries(definition.tags).map(([Key, Value]) => ({
      Key,
      Value,
    })),
  });
}

/**
 * Sets some keys of a JSON secret and keeps the others: creates the secret
 * when it is missing, writes a new version only when a key changes.
 * Returns the ARN and whether anything was written; never the value.
 */
export async function mergeSecretKeys(
  secretsManager: SecretsManagerClient,
  definition: SecretDefinition,
  keys: Record<string, string>,
): Promise<{ arn: string; written: boolean }> {
  const { name } = definition;
  const stored = await readSecretJson(secretsManager, name);
  if (!stored) {
    try {
      const created = await secretsManager.send(
        createCommand(definition, keys),
      );
      return { arn: created.ARN ?? '', written: true };
    } catch (error) {
      // Created meanwhile (a resumed task): merge into what is there.
      if (!hasName(error, 'ResourceExistsException')) {
        throw new Error(
          `Could not create Secrets Manager secret ${name}: ${reason(error)}`,
        );
      }
      return mergeSecretKeys(secretsManager, definition, keys);
    }
  }
  if (Object.entries(keys).every(([k, v]) => stored.value[k] === v)) {
    return { arn: stored.arn, written: false };
  }
  try {
    const put = await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: name,
        SecretString: JSON.stringify({ ...stored.value, ...keys }),
      }),
    );
    return { arn: put.ARN ?? stored.arn, written: true };
  } catch (error) {
    throw new Error(
      `Could not write Secrets Manager secret ${name}: ${reason(error)}`,
    );
  }
}

/**
 * Creates a JSON secret unless one of that name exists; an existing secret
 * is never overwritten (its password may already be in use).
 */
export async function createSecretIfMissing(
  secretsManager: SecretsManagerClient,
  definition: SecretDefinition,
  value: Record<string, string>,
): Promise<{ created: boolean }> {
  try {
    await secretsManager.send(createCommand(definition, value));
    return { created: true };
  } catch (error) {
    if (hasName(error, 'ResourceExistsException')) return { created: false };
    throw new Error(
      `Could not create Secrets Manager secret ${definition.name}: ${reason(
        error,
      )}`,
    );
  }
}
