import { createHash, randomBytes } from 'node:crypto';
import {
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  EnvironmentSpec,
  SpecIssue,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { environmentTags } from '../plan/cloudformation/common';
import { SECRET_PURPOSES } from '../plan/incluster/sources';
import { mergeSecretKeys, readSecretJson } from '../aws/secrets';
import { AtlasApi } from './client';
import { AtlasStepContext } from './context';
import { AtlasApiError } from './errors';
import { CloudDatabaseUser } from './types';

/**
 * What the environment's MongoDB secret holds (JSON); the in-cluster step
 * turns it into BPA's binding Secret and environment.txt.
 */
export interface MongoDbSecretValue {
  username: string;
  password: string;
  /** SCRAM users authenticate against `admin` (`authSource`). */
  authDatabase: 'admin';
  /** The private endpoint's `mongodb+srv://` string (no credentials), once bpa:atlas:private-endpoint has run. */
  connectionString?: string;
}

/** Where the database user's password lives; never the password itself. */
export interface AtlasUserSecretRef {
  username: string;
  secretName: string;
  secretArn: string;
}

/** 24 random bytes, base64url: 32 characters that need no escaping in a connection string. */
export function generateAtlasPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The environment's MongoDB secret, `bpa/<env>/mongodb`: the Atlas database
 * user and the private connection string, where the plan's references read
 * them.
 */
export const mongodbSecretName = (
  spec: Pick<EnvironmentSpec, 'name' | 'aws' | 'ecr' | 'bpa'>,
) => resourceNames(spec).secret(SECRET_PURPOSES.mongodb);

const mongodbSecretDefinition = (spec: EnvironmentSpec) => ({
  name: mongodbSecretName(spec),
  description: `MongoDB Atlas database user and private connection string of BPA environment ${spec.name}`,
  tags: environmentTags(spec),
});

/** Marks the user as the environment's in Atlas (users are project-wide). */
const userDescription = (spec: EnvironmentSpec) =>
  `BPA environment ${spec.name}`;

/** The BPA database user (createGroupDatabaseUser body): read-write on every database of this cluster only. */
export function atlasDatabaseUserRequest(
  spec: EnvironmentSpec,
  password: string,
): CloudDatabaseUser {
  return {
    groupId: spec.atlas.projectId,
    databaseName: 'admin',
    username: spec.atlas.databaseUser,
    password,
    roles: [{ databaseName: 'admin', roleName: 'readWriteAnyDatabase' }],
    scopes: [{ name: resourceNames(spec).atlasCluster, type: 'CLUSTER' }],
    description: userDescription(spec),
  };
}

/**
 * Whether an existing database user is this environment's: users are
 * project-wide, so another environment in the same project may already
 * have a user of the same name.
 */
function belongsToEnvironment(user: CloudDatabaseUser, spec: EnvironmentSpec) {
  const cluster = resourceNames(spec).atlasCluster;
  return (
    user.description === userDescription(spec) ||
    (user.scopes ?? []).some(s => s.type === 'CLUSTER' && s.name === cluster)
  );
}

function userConflict(
  user: CloudDatabaseUser,
  spec: EnvironmentSpec,
): SpecIssue | undefined {
  if (belongsToEnvironment(user, spec)) return undefined;
  return {
    path: 'atlas.databaseUser',
    message: `Atlas project ${
      spec.atlas.projectId
    } already has a database user "${
      user.username
    }" that is not BPA environment ${spec.name}'s (${
      user.description || 'no description'
    }); choose another user name, e.g. "${spec.name}-bpa"`,
  };
}

/** Refuses, before anything is created, a user name another environment or person already uses in the project. */
export async function checkAtlasDatabaseUser(
  atlas: AtlasApi,
  spec: EnvironmentSpec,
): Promise<SpecIssue[]> {
  const user = await atlas.getDatabaseUser(
    spec.atlas.projectId,
    spec.atlas.databaseUser,
  );
  const conflict = user && userConflict(user, spec);
  return conflict ? [conflict] : [];
}

const hasName = (error: unknown, name: string) =>
  (error as { name?: string } | undefined)?.name === name;

async function readStoredPassword(
  secretsManager: SecretsManagerClient,
  secretName: string,
  username: string,
): Promise<{ password: string; arn: string } | undefined> {
  const stored = await readSecretJson(secretsManager, secretName);
  const value = stored?.value as Partial<MongoDbSecretValue> | undefined;
  return value?.username === username && typeof value.password === 'string'
    ? { password: value.password, arn: stored!.arn }
    : undefined;
}

/**
 * The database user BPA connects as. Its password is generated once and
 * kept in Secrets Manager (written before Atlas learns it, so a crash in
 * between loses nothing); a re-run reuses the stored password and makes
 * Atlas agree with it. The password is never logged, returned or
 * checkpointed.
 */
export async function ensureAtlasDatabaseUser(
  atlas: AtlasApi,
  secretsManager: SecretsManagerClient,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
): Promise<AtlasUserSecretRef> {
  const groupId = spec.atlas.projectId;
  const username = spec.atlas.databaseUser;
  const secretName = mongodbSecretName(spec);
  const existing = await atlas.getDatabaseUser(groupId, username);
  const conflict = existing && userConflict(existing, spec);
  if (conflict) {
    throw new Error(`${conflict.path}: ${conflict.message}`);
  }

  let stored = await readStoredPassword(secretsManager, secretName, username);
  if (stored) {
    ctx.logger.info(
      `Reusing the password of Atlas database user ${username} from Secrets Manager secret ${secretName}`,
    );
  } else {
    const password = generateAtlasPassword();
    // Merged: the connection string the private endpoint step stored stays.
    const { arn } = await ctx.checkpoint(
      `atlas-user-secret-${secretName}`,
      () =>
        mergeSecretKeys(secretsManager, mongodbSecretDefinition(spec), {
          username,
          password,
          authDatabase: 'admin',
        }),
    );
    ctx.logger.info(
      `Stored a generated password for Atlas database user ${username} in Secrets Manager secret ${secretName}`,
    );
    // A resumed task skipped the write above: the stored password is the one to use.
    stored = (await readStoredPassword(
      secretsManager,
      secretName,
      username,
    )) ?? {
      password,
      arn,
    };
  }

  const body = atlasDatabaseUserRequest(spec, stored.password);
  await ctx.checkpoint(`atlas-user-${groupId}-${username}`, async () => {
    if (existing) {
      await atlas.updateDatabaseUser(groupId, username, body);
      ctx.logger.info(
        `Updated Atlas database user ${username} (password from ${secretName}, read-write on cluster ${
          resourceNames(spec).atlasCluster
        })`,
      );
      return;
    }
    try {
      await atlas.createDatabaseUser(groupId, body);
    } catch (error) {
      if (
        !(
          error instanceof AtlasApiError &&
          error.errorCode === 'USER_ALREADY_EXISTS'
        )
      ) {
        throw error;
      }
      await atlas.updateDatabaseUser(groupId, username, body);
    }
    ctx.logger.info(
      `Created Atlas database user ${username} (read-write on cluster ${
        resourceNames(spec).atlasCluster
      })`,
    );
  });
  return { username, secretName, secretArn: stored.arn };
}

/** Teardown of a terminated cluster: the user goes, the secret is scheduled for deletion (recoverable for 30 days). */
export async function removeAtlasDatabaseUser(
  atlas: AtlasApi,
  secretsManager: SecretsManagerClient,
  spec: EnvironmentSpec,
  ctx: AtlasStepContext,
): Promise<void> {
  const groupId = spec.atlas.projectId;
  const username = spec.atlas.databaseUser;
  const secretName = mongodbSecretName(spec);
  const user = await atlas.getDatabaseUser(groupId, username);
  if (user && belongsToEnvironment(user, spec)) {
    await ctx.checkpoint(
      `atlas-user-delete-${groupId}-${username}`,
      async () => {
        await atlas.deleteDatabaseUser(groupId, username);
        ctx.logger.info(`Deleted Atlas database user ${username}`);
      },
    );
  }
  await ctx.checkpoint(`atlas-user-secret-delete-${secretName}`, async () => {
    try {
      await secretsManager.send(
        new DeleteSecretCommand({
          SecretId: secretName,
          RecoveryWindowInDays: 30,
        }),
      );
      ctx.logger.info(
        `Scheduled Secrets Manager secret ${secretName} for deletion in 30 days`,
      );
    } catch (error) {
      if (!hasName(error, 'ResourceNotFoundException')) throw error;
    }
  });
}

/**
 * Adds the private connection string to the environment's MongoDB secret,
 * keeping the user's keys; writes only when it changed.
 */
export async function storeMongoDbConnectionString(
  secretsManager: SecretsManagerClient,
  spec: EnvironmentSpec,
  connectionString: string,
  ctx: AtlasStepContext,
): Promise<void> {
  const secretName = mongodbSecretName(spec);
  const digest = createHash('sha256')
    .update(connectionString)
    .digest('hex')
    .slice(0, 12);
  const { written } = await ctx.checkpoint(
    `atlas-connection-string-${secretName}-${digest}`,
    () =>
      mergeSecretKeys(secretsManager, mongodbSecretDefinition(spec), {
        connectionString,
      }),
  );
  ctx.logger.info(
    written
      ? `Stored the private connection string in Secrets Manager secret ${secretName}`
      : `Secrets Manager secret ${secretName} already holds the private connection string`,
  );
}
