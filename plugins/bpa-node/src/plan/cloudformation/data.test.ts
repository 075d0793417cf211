import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { parameterGroupFamily } from './data';
import { renderStackTemplates, stackTemplate } from './index';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const data = stackTemplate(spec, 'data');
const props = (id: string) =>
  data.Resources[id].Properties as Record<string, any>;

/** Every key anywhere below a value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

describe('data stack', () => {
  it('keeps a final snapshot when the instance is deleted or replaced, and refuses deletion until asked', () => {
    expect(data.Resources.Database).toMatchObject({
      Type: 'AWS::RDS::DBInstance',
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
      Properties: { DeletionProtection: true, BackupRetentionPeriod: 7 },
    });
  });

  it('hashes passwords with md5, as Camunda needs, in the family of the engine version', () => {
    expect(props('DatabaseParameterGroup')).toMatchObject({
      DBParameterGroupName: 'bpa-demo-postgres-md5-postgres16',
      Family: `postgres${spec.rds.engineVersion.split('.')[0]}`,
      Parameters: { password_encryption: 'md5' },
    });
  });

  it('lets RDS generate and keep the master password: the template holds none', () => {
    const database = props('Database');
    expect(database.ManageMasterUserPassword).toBe(true);
    expect(
      keysOf(data).filter(
        k => /password/i.test(k) && k !== 'password_encryption',
      ),
    ).toEqual(['ManageMasterUserPassword']);
    const [artifact] = renderStackTemplates(spec).filter(
      a => a.path === 'cloudformation/data.yaml',
    );
    expect(artifact.content).not.toMatch(/^\s*MasterUserPassword:/m);
    expect(data.Outputs!.MasterUserSecretArn.Value).toEqual({
      'Fn::GetAtt': ['Database', 'MasterUserSecret.SecretArn'],
    });
  });

  it('runs the requested PostgreSQL privately, encrypted, in the private subnets behind the RDS group', () => {
    expect(props('Database')).toMatchObject({
      DBInstanceIdentifier: 'bpa-demo-postgres',
      Engine: 'postgres',
      EngineVersion: spec.rds.engineVersion,
      DBInstanceClass: 'db.m5d.2xlarge',
      AllocatedStorage: '200',
      StorageType: 'gp3',
      StorageEncrypted: true,
      MultiAZ: false,
      PubliclyAccessible: false,
      MasterUsername: spec.rds.masterUsername,
      DBName: 'admin',
      VPCSecurityGroups: [
        { 'Fn::ImportValue': 'bpa-demo-network:RdsSecurityGroupId' },
      ],
      DBSubnetGroupName: { Ref: 'DatabaseSubnetGroup' },
      DBParameterGroupName: { Ref: 'DatabaseParameterGroup' },
    });
    expect(props('DatabaseSubnetGroup').SubnetIds).toEqual({
      'Fn::Split': [
        ',',
        { 'Fn::ImportValue': 'bpa-demo-network:PrivateSubnetIds' },
      ],
    });
  });

  it('follows the request for Multi-AZ and the engine version', () => {
    const other = {
      ...spec,
      rds: { ...spec.rds, multiAz: true, engineVersion: '15.15' },
    };
    const template = stackTemplate(other, 'data');
    expect(template.Resources.Database.Properties).toMatchObject({
      MultiAZ: true,
      EngineVersion: '15.15',
    });
    expect(template.Resources.DatabaseParameterGroup.Properties!.Family).toBe(
      'postgres15',
    );
  });

  it('outputs the endpoint address and port', () => {
    expect(data.Outputs).toMatchObject({
      EndpointAddress: {
        Value: { 'Fn::GetAtt': ['Database', 'Endpoint.Address'] },
      },
      EndpointPort: { Value: { 'Fn::GetAtt': ['Database', 'Endpoint.Port'] } },
    });
  });
});

describe('parameterGroupFamily', () => {
  it('uses the major version from PostgreSQL 10 on, major.minor before', () => {
    expect(parameterGroupFamily('16.3')).toBe('postgres16');
    expect(parameterGroupFamily('13.7')).toBe('postgres13');
    expect(parameterGroupFamily('9.6.22')).toBe('postgres9.6');
  });

  it('refuses something that is not a version', () => {
    expect(() => parameterGroupFamily('latest')).toThrow(
      'not a PostgreSQL version',
    );
  });
});
