import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnTemplate,
  cfnTags,
  getAtt,
  importList,
  importValue,
  ref,
} from './common';
import { NETWORK_EXPORTS } from './network';

export const POSTGRES_PORT = 5432;

/** Days of automated backups RDS keeps. */
export const BACKUP_RETENTION_DAYS = 7;

/**
 * The RDS parameter group family of a PostgreSQL version: the major version
 * (`16.8` -> `postgres16`), or major.minor before PostgreSQL 10 (`9.6.22` -> `postgres9.6`).
 */
export function parameterGroupFamily(engineVersion: string): string {
  const [major, minor] = engineVersion.split('.');
  if (!/^\d+$/.test(major)) {
    throw new Error(`"${engineVersion}" is not a PostgreSQL version`);
  }
  return Number(major) >= 10 ? `postgres${major}` : `postgres${major}.${minor}`;
}

/**
 * The data stack: BPA's PostgreSQL. The master password is generated and kept
 * by RDS in Secrets Manager (`ManageMasterUserPassword`), so the template holds
 * no secret. Deleting the stack or replacing the instance leaves a final
 * snapshot, and deletion protection must be lifted explicitly first.
 */
export function dataStackTemplate(spec: EnvironmentSpec): CfnTemplate {
  const names = resourceNames(spec);
  const { rds } = spec;
  const family = parameterGroupFamily(rds.engineVersion);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `BPA environment ${spec.name}: RDS PostgreSQL`,
    Resources: {
      DatabaseSubnetGroup: {
        Type: 'AWS::RDS::DBSubnetGroup',
        Properties: {
          DBSubnetGroupName: names.rdsSubnetGroup,
          DBSubnetGroupDescription: `BPA ${spec.name}: private subnets of the database`,
          SubnetIds: importList(
            spec,
            'network',
            NETWORK_EXPORTS.privateSubnetIds,
          ),
          Tags: cfnTags(spec),
        },
      },
      DatabaseParameterGroup: {
        Type: 'AWS::RDS::DBParameterGroup',
        Properties: {
          // A major upgrade needs a group of the new family, which CloudFormation creates beside the old one: the name carries the family.
          DBParameterGroupName: `${names.rdsParameterGroup}-${family}`,
          Description: `BPA ${spec.name}: md5 password hashing, which Camunda's driver needs`,
          Family: family,
          Parameters: { password_encryption: 'md5' },
          Tags: cfnTags(spec),
        },
      },
      Database: {
        Type: 'AWS::RDS::DBInstance',
        DeletionPolicy: 'Snapshot',
        UpdateReplacePolicy: 'Snapshot',
        Properties: {
          DBInstanceIdentifier: names.rdsInstance,
          Engine: 'postgres',
          EngineVersion: rds.engineVersion,
          // Lets a request move to a new major version (with the group of its family); RDS never upgrades on its own.
          AllowMajorVersionUpgrade: true,
          DBInstanceClass: rds.instanceClass,
          AllocatedStorage: String(rds.allocatedStorageGiB),
          StorageType: 'gp3',
          StorageEncrypted: true,
          MultiAZ: rds.multiAz,
          MasterUsername: rds.masterUsername,
          ManageMasterUserPassword: true,
          // The bootstrap SQL hands this database to BPA's root role.
          DBName: rds.root.database,
          Port: String(POSTGRES_PORT),
          DBSubnetGroupName: ref('DatabaseSubnetGroup'),
          DBParameterGroupName: ref('DatabaseParameterGroup'),
          VPCSecurityGroups: [
            importValue(spec, 'network', NETWORK_EXPORTS.rdsSecurityGroupId),
          ],
          PubliclyAccessible: false,
          BackupRetentionPeriod: BACKUP_RETENTION_DAYS,
          DeletionProtection: true,
          CopyTagsToSnapshot: true,
          Tags: cfnTags(spec),
        },
      },
    },
    Outputs: {
      DatabaseInstanceIdentifier: {
        Description: 'RDS instance identifier',
        Value: ref('Database'),
      },
      EndpointAddress: {
        Description: 'PostgreSQL host name',
        Value: getAtt('Database', 'Endpoint.Address'),
      },
      EndpointPort: {
        Description: 'PostgreSQL port',
        Value: getAtt('Database', 'Endpoint.Port'),
      },
      MasterUserSecretArn: {
        Description:
          'Secrets Manager secret RDS keeps the master user credentials in',
        Value: getAtt('Database', 'MasterUserSecret.SecretArn'),
      },
    },
  };
}
