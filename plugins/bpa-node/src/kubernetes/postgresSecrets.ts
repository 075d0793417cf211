import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { createSecretIfMissing, readSecretJson } from '../aws/secrets';
import { environmentTags } from '../plan/cloudformation/common';
import { SECRET_PURPOSES } from '../plan/incluster/sources';
import { Checkpoint, ProgressLogger } from './progress';

/** One PostgreSQL user of BPA and the secret holding its password. */
export interface PostgresSecret {
  secretName: string;
  username: string;
  database: string;
}

/** BPA's three PostgreSQL users (root, auth, workflow) and their `bpa/<env>/postgres-*` secrets, as the plan references them. */
export function postgresSecrets(spec: EnvironmentSpec): PostgresSecret[] {
  const names = resourceNames(spec);
  return [
    { purpose: SECRET_PURPOSES.postgresRoot, user: spec.rds.root },
    { purpose: SECRET_PURPOSES.postgresAuth, user: spec.rds.auth },
    { purpose: SECRET_PURPOSES.postgresWorkflow, user: spec.rds.workflow },
  ].map(({ purpose, user }) => ({
    secretName: names.secret(purpose),
    username: user.user,
    database: user.database,
  }));
}

/**
 * 24 random bytes, base64url: 32 characters that need no quoting in
 * environment.txt, psql variables or connection URLs.
 */
export function generateDatabasePassword(): string {
  return randomBytes(24).toString('base64url');
}

export interface PostgresSecretsResult {
  /** Secrets this run created, with a generated password. */
  generated: string[];
  /** Secrets that existed: their passwords stay as they are. */
  kept: string[];
}

/**
 * Makes sure each of BPA's PostgreSQL users has its password secret: a
 * missing one is created with a generated password; an existing one is never
 * rewritten (the database user may already have that password). The
 * password is never logged, returned or checkpointed.
 */
export async function ensurePostgresSecrets(
  secretsManager: SecretsManagerClient,
  spec: EnvironmentSpec,
  step: { logger: ProgressLogger; checkpoint: Checkpoint },
): Promise<PostgresSecretsResult> {
  const result: PostgresSecretsResult = { generated: [], kept: [] };
  for (const { secretName, username, database } of postgresSecrets(spec)) {
    const stored = await readSecretJson(secretsManager, secretName);
    if (stored) {
      if (typeof stored.value.password !== 'string' || !stored.value.password) {
        throw new Error(
          `Secrets Manager secret ${secretName} has no password key; add the PostgreSQL password of user ${username} to it, or delete it to have one generated`,
        );
      }
      result.kept.push(secretName);
      continue;
    }
    const { created } = await step.checkpoint(
      `bpa-postgres-secret-${secretName}`,
      () =>
        createSecretIfMissing(
          secretsManager,
          {
            name: secretName,
            description: `PostgreSQL user ${username} (database ${database}) of BPA environment ${spec.name}`,
            tags: environmentTags(spec),
          },
          { username, password: generateDatabasePassword() },
        ),
    );
    (created ? result.generated : result.kept).push(secretName);
  }
  if (result.generated.length) {
    step.logger.info(
      `Generated PostgreSQL passwords into Secrets Manager: ${result.generated.join(
        ', ',
      )}`,
    );
  }
  if (result.kept.length) {
    step.logger.info(
      `Keeping the PostgreSQL passwords already in Secrets Manager: ${result.kept.join(
        ', ',
      )}`,
    );
  }
  return result;
}
