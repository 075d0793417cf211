import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  EnvironmentSpec,
  SpecIssue,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { environmentTags } from '../plan/cloudformation/common';
import { AtlasApi } from './client';
import { AtlasStepContext } from './context';
import { AtlasApiError } from './errors';
import { CloudDatabaseUser } from './types';

/** What the secret holds (JSON); the in-cluster step turns it into BPA's binding Secret. */
export interface AtlasUserSecretValue {
  username: string;
  password: string;
  /** SCRAM users authenticate against `admin` (`authSource`). */
  authDatabase: 'admin';
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

/** The Secrets Manager secret of the environment's Atlas database user. */
export const atlasUserSecretName = (
  spec: Pick<EnvironmentSpec, 'name' | 'aws' | 'ecr' | 'bpa'>,
) => resourceNames(spec).secret('atlas-user');

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
  try {
    const stored = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: secretName }),
    );
    const value = JSON.parse(
      stored.SecretString ?? '{}',
    ) as Partial<AtlasUserSecretValue>;
    return value.username === username && typeof value.password === 'string'
      ? { password: value.password, arn: stored.ARN ?? '' }
      : undefined;
  } catch (error) {
    if (hasName(error, 'ResourceNotFoundException')) return undefined;
    throw new Error(
      `Could not read Secrets Manager secret ${secretName}: ${
        (error as Error).message
      }`,
    );
  }
}

/** Creates the secret, or writes a new version when it exists (e.g. with another user's value). */
async function storePassword(
  secretsManager: SecretsManagerClient,
  spec: EnvironmentSpec,
  secretName: string,
  value: AtlasUserSecretValue,
): Promise<string> {
  const secretString = JSON.stringify(value);
  try {
    const created = await secretsManager.send(
      new CreateSecretCommand({
        Name: secretName,
        Description: `MongoDB Atlas database user of BPA environment ${spec.name}`,
        SecretString: secretString,
        Tags: Object.entries(environmentTags(spec)).map(([Key, Value]) => ({
          Key,
          Value,
        })),
      }),
    );
    return created.ARN ?? '';
  } catch (error) {
    if (!hasName(error, 'ResourceExistsException')) {
      throw new Error(
        `Could not create Secrets Manager secret ${secretName}: ${
          (error as Error).message
        }`,
      );
    }
    const put = await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: secretName,
        SecretString: secretString,
      }),
    );
    return put.ARN ?? '';
  }
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
  const secretName = atlasUserSecretName(spec);
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
    const arn = await ctx.checkpoint(`atlas-user-secret-${secretName}`, () =>
      storePassword(secretsManager, spec, secretName, {
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
  const secretName = atlasUserSecretName(spec);
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
