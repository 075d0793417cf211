/** RDS for PostgreSQL and MongoDB Atlas. */
import {
  isEc2InstanceType,
  isRdsInstanceClass,
  POSTGRES_RESERVED_WORDS,
} from '../rules';
import type { EnvironmentSpec } from '../spec';
import type { SupportedVersions } from '../supportedVersions';
import type { SpecIssue } from '../validate';
import { issue, list, quoted } from './issue';
import { checkMongoDBVersion, checkPostgresVersion } from './versions';

const RDS_STORAGE_GIB = { min: 20, max: 65536 };
/** Databases every RDS for PostgreSQL instance already has. */
const EXISTING_DATABASES = new Set([
  'postgres',
  'template0',
  'template1',
  'rdsadmin',
]);
/** Role names RDS or PostgreSQL keep for themselves. */
const RESERVED_ROLES = new Set(['rdsadmin', 'rdsrepladmin', 'public', 'none']);
const DATABASE_USERS = ['root', 'auth', 'workflow'] as const;

function checkMasterUsername(name: string): SpecIssue[] {
  const path = 'rds.masterUsername';
  if (!/^[A-Za-z][A-Za-z0-9_]{0,15}$/.test(name)) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} must be 1 to 16 letters, digits or "_", starting with a letter (RDS master user name rule)`,
      ),
    ];
  }
  const lower = name.toLowerCase();
  if (lower === 'admin') {
    return [
      issue(
        path,
        'RDS for PostgreSQL refuses "admin" as master user name (reserved by the engine); keep bpa_master: the guide\'s root user admin is created by the database bootstrap instead',
      ),
    ];
  }
  if (RESERVED_ROLES.has(lower) || lower.startsWith('pg_')) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} is reserved by RDS or PostgreSQL (rdsadmin is RDS's own administrator; pg_ names belong to PostgreSQL)`,
      ),
    ];
  }
  if (POSTGRES_RESERVED_WORDS.has(lower)) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} is a PostgreSQL reserved word, which RDS refuses as master user name`,
      ),
    ];
  }
  return [];
}

function checkRoleName(path: string, name: string): SpecIssue[] {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} must be 1 to 63 characters: a lowercase letter, then lowercase letters, digits or "_" (a PostgreSQL user name that needs no quoting)`,
      ),
    ];
  }
  if (RESERVED_ROLES.has(name) || name.startsWith('pg_')) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} is reserved by RDS or PostgreSQL (rdsadmin, rdsrepladmin, public, none and pg_ names)`,
      ),
    ];
  }
  if (name.startsWith('rds_')) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} starts with rds_, which is left to RDS's predefined roles (rds_superuser, rds_replication, rds_iam, ...)`,
      ),
    ];
  }
  if (POSTGRES_RESERVED_WORDS.has(name)) {
    return [issue(path, `${quoted(name)} is a PostgreSQL reserved word`)];
  }
  return [];
}

function checkDatabaseName(path: string, name: string): SpecIssue[] {
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(name)) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} must be 1 to 63 characters: a lowercase letter, then lowercase letters, digits, "_" or "-" (like process-engine)`,
      ),
    ];
  }
  if (EXISTING_DATABASES.has(name)) {
    return [
      issue(
        path,
        `${quoted(
          name,
        )} already exists on every RDS for PostgreSQL instance (postgres, template0, template1 and RDS's rdsadmin); BPA needs a database of its own`,
      ),
    ];
  }
  if (POSTGRES_RESERVED_WORDS.has(name)) {
    return [issue(path, `${quoted(name)} is a PostgreSQL reserved word`)];
  }
  return [];
}

/** Reports every value equal to an earlier one, at the later field. */
function checkDistinct(
  entries: Array<{ path: string; value: string }>,
  why: string,
): SpecIssue[] {
  return entries.flatMap((entry, index) => {
    const first = entries.findIndex(e => e.value === entry.value);
    return first < index
      ? [
          issue(
            entry.path,
            `is the same as ${entries[first].path} (${quoted(
              entry.value,
            )}); ${why}`,
          ),
        ]
      : [];
  });
}

export function checkRds(
  rds: EnvironmentSpec['rds'],
  supported: SupportedVersions,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (isEc2InstanceType(rds.instanceClass)) {
    issues.push(
      issue(
        'rds.instanceClass',
        `${quoted(
          rds.instanceClass,
        )} is an EC2 instance type; RDS classes carry the db. prefix: db.${
          rds.instanceClass
        }`,
      ),
    );
  } else if (!isRdsInstanceClass(rds.instanceClass)) {
    issues.push(
      issue(
        'rds.instanceClass',
        `${quoted(
          rds.instanceClass,
        )} is not an RDS DB instance class of the form db.family.size, e.g. db.m5d.2xlarge, db.r5b.2xlarge or db.t4g.micro`,
      ),
    );
  }
  issues.push(...checkPostgresVersion(rds.engineVersion, supported));
  if (
    rds.allocatedStorageGiB < RDS_STORAGE_GIB.min ||
    rds.allocatedStorageGiB > RDS_STORAGE_GIB.max
  ) {
    issues.push(
      issue(
        'rds.allocatedStorageGiB',
        `must be between ${RDS_STORAGE_GIB.min} and ${RDS_STORAGE_GIB.max} GiB, the gp3 storage range of RDS for PostgreSQL; got ${rds.allocatedStorageGiB}`,
      ),
    );
  }
  issues.push(...checkMasterUsername(rds.masterUsername));
  for (const role of DATABASE_USERS) {
    issues.push(
      ...checkDatabaseName(`rds.${role}.database`, rds[role].database),
      ...checkRoleName(`rds.${role}.user`, rds[role].user),
    );
  }
  issues.push(
    ...checkDistinct(
      [
        { path: 'rds.masterUsername', value: rds.masterUsername.toLowerCase() },
        ...DATABASE_USERS.map(role => ({
          path: `rds.${role}.user`,
          value: rds[role].user,
        })),
      ],
      'each BPA service logs in as its own user, separate from the RDS master user',
    ),
    ...checkDistinct(
      DATABASE_USERS.map(role => ({
        path: `rds.${role}.database`,
        value: rds[role].database,
      })),
      'BPA keeps the root, auth (Kong) and workflow (Camunda) data in separate databases',
    ),
  );
  return issues;
}

const ATLAS_DISK_GB = { min: 10, max: 4096 };
const SHARED_ATLAS_TIER = /^(M0|M2|M5|FLEX)$/i;

export function checkAtlas(
  atlas: EnvironmentSpec['atlas'],
  supported: SupportedVersions,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  if (!/^[0-9a-f]{24}$/.test(atlas.projectId)) {
    issues.push(
      issue(
        'atlas.projectId',
        `must be the Atlas project ID: 24 lowercase hexadecimal characters, e.g. 5f1a2b3c4d5e6f7a8b9c0d1e (Project Settings in Atlas); got ${quoted(
          atlas.projectId,
        )}`,
      ),
    );
  }
  if (SHARED_ATLAS_TIER.test(atlas.tier)) {
    issues.push(
      issue(
        'atlas.tier',
        `${atlas.tier} is a shared tier: the private endpoint (AWS PrivateLink) BPA reaches MongoDB through needs a dedicated tier, M10 or larger; the reference uses M30`,
      ),
    );
  } else if (!supported.atlasTiers.includes(atlas.tier)) {
    issues.push(
      issue(
        'atlas.tier',
        `${quoted(
          atlas.tier,
        )} is not an Atlas dedicated cluster tier on AWS; choose one of ${list(
          supported.atlasTiers,
        )}`,
      ),
    );
  }
  issues.push(...checkMongoDBVersion(atlas.mongoDBVersion, supported));
  if (
    atlas.diskSizeGB < ATLAS_DISK_GB.min ||
    atlas.diskSizeGB > ATLAS_DISK_GB.max
  ) {
    issues.push(
      issue(
        'atlas.diskSizeGB',
        `must be between ${ATLAS_DISK_GB.min} and ${ATLAS_DISK_GB.max} GB (Atlas cluster storage on AWS); got ${atlas.diskSizeGB}`,
      ),
    );
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(atlas.databaseUser)) {
    issues.push(
      issue(
        'atlas.databaseUser',
        `${quoted(
          atlas.databaseUser,
        )} must be 1 to 64 letters, digits, ".", "_" or "-", so that it needs no escaping in the MongoDB connection string`,
      ),
    );
  }
  return issues;
}
