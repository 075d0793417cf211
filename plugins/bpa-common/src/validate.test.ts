import { REFERENCE_SPEC_INPUT } from './reference';
import type { EnvironmentSpec } from './spec';
import { DEFAULT_SUPPORTED_VERSIONS } from './supportedVersions';
import {
  SpecValidationError,
  parseEnvironmentSpec,
  validateEnvironmentSpec,
} from './validate';

/** The reference request with every default written out, so a case can change any field. */
const referenceSpec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

function requestWith(mutate: (spec: EnvironmentSpec) => void): EnvironmentSpec {
  const spec: EnvironmentSpec = JSON.parse(JSON.stringify(referenceSpec));
  mutate(spec);
  return spec;
}

function issuesOf(input: unknown) {
  const result = validateEnvironmentSpec(input);
  if (result.success) {
    throw new Error('expected the request to be refused');
  }
  return result.issues;
}

describe('the reference request', () => {
  it('parses, and its defaults are the reference deployment of DESIGN.md', () => {
    const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

    expect(spec.aws.availabilityZones).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
    ]);
    expect(spec.network.podCidr).toBe('100.64.0.0/16');
    expect(spec.cluster.maxMapCount).toBe(262144);
    expect(spec.cluster.dataMountPath).toBe('/opt');
    expect(spec.cluster.dataRoot).toBe('/opt/bpa/data');
    expect(
      spec.cluster.nodes.map(node => ({
        label: node.labels.name,
        volume: node.dataVolumeGiB,
        directories: node.dataDirectories,
      })),
    ).toEqual([
      {
        label: 'node-1',
        volume: 2000,
        directories: ['zookeeper1', 'zookeeper4', 'zookeeper5', 'kafka1'],
      },
      {
        label: 'node-2',
        volume: 2000,
        directories: ['zookeeper2', 'zookeeper4', 'zookeeper5', 'kafka2'],
      },
      {
        label: 'node-3',
        volume: 2000,
        directories: ['zookeeper3', 'zookeeper4', 'zookeeper5', 'kafka3'],
      },
      {
        label: 'node-4',
        volume: 2000,
        directories: ['elk', 'metrices/prometheus', 'metrices/grafana'],
      },
    ]);
    expect(spec.rds.instanceClass).toBe('db.m5d.2xlarge');
    expect(spec.rds.root).toEqual({ database: 'admin', user: 'admin' });
    expect(spec.rds.auth).toEqual({ database: 'kong', user: 'kong' });
    expect(spec.rds.workflow).toEqual({
      database: 'process-engine',
      user: 'camunda',
    });
    expect(spec.atlas.tier).toBe('M30');
    expect(spec.bpa).toMatchObject({
      namespace: 'bpa-ns',
      releaseName: 'bpa-rel',
      version: '4.0.3-6',
    });
    expect(spec.ecr.images).toEqual([
      { name: 'sase-service', tag: '4.0.3-522' },
    ]);
  });

  it('defaults to versions that are offered today', () => {
    const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
    expect(DEFAULT_SUPPORTED_VERSIONS.kubernetes).toContain(
      spec.cluster.kubernetesVersion,
    );
    expect(DEFAULT_SUPPORTED_VERSIONS.postgres).toContain(
      spec.rds.engineVersion,
    );
    expect(DEFAULT_SUPPORTED_VERSIONS.mongodb).toContain(
      spec.atlas.mongoDBVersion,
    );
    expect(DEFAULT_SUPPORTED_VERSIONS.atlasTiers).toContain(spec.atlas.tier);
  });

  it('creates the RDS instance with a master user RDS accepts, apart from the guide root user admin', () => {
    const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
    expect(spec.rds.masterUsername).not.toBe('admin');
    expect(spec.rds.root.user).toBe('admin');
  });

  it('is accepted again with every default written out', () => {
    expect(validateEnvironmentSpec(referenceSpec)).toEqual({
      success: true,
      spec: referenceSpec,
    });
  });
});

describe('form input', () => {
  it('labels each node role name=<role> when no labels are given, as the template sends them', () => {
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      cluster: {
        nodes: ['node-1', 'node-2', 'node-3', 'node-4'].map(name => ({
          name,
          instanceType: 'm5.4xlarge',
          dataVolumeGiB: 2000,
        })),
      },
    });
    expect(spec.cluster.nodes.map(node => node.labels)).toEqual([
      { name: 'node-1' },
      { name: 'node-2' },
      { name: 'node-3' },
      { name: 'node-4' },
    ]);
    expect(spec.cluster.nodes[0].dataDirectories).toEqual([]);
  });

  it('treats empty optional text fields as not given', () => {
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      bpa: { chart: '' },
      ingress: { hostname: '' },
      ecr: { sourceRegistry: '', archives: '' },
    });
    expect('chart' in spec.bpa).toBe(false);
    expect('hostname' in spec.ingress).toBe(false);
    expect('sourceRegistry' in spec.ecr).toBe(false);
    expect('archives' in spec.ecr).toBe(false);
  });

  it('takes the three zones of the region when the form sends an empty list', () => {
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      aws: {
        ...REFERENCE_SPEC_INPUT.aws,
        region: 'eu-west-1',
        availabilityZones: [],
      },
    });
    expect(spec.aws.availabilityZones).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
  });

  it("puts node roles in the zones in turn, and keeps a role's recorded zone", () => {
    const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
    expect(spec.cluster.nodes.map(n => n.availabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1a',
    ]);
    const recorded = parseEnvironmentSpec({
      ...spec,
      cluster: {
        ...spec.cluster,
        nodes: [
          {
            ...spec.cluster.nodes[1],
            name: 'node-0',
            labels: { name: 'node-0' },
            availabilityZone: '',
          },
          ...spec.cluster.nodes,
        ],
      },
    });
    expect(recorded.cluster.nodes.map(n => n.availabilityZone)).toEqual([
      'us-east-1a',
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
      'us-east-1a',
    ]);
  });

  it('names each missing required field', () => {
    const { adminCidr: _admin, ...network } = REFERENCE_SPEC_INPUT.network;
    const { projectId: _project, ...atlas } = REFERENCE_SPEC_INPUT.atlas;
    const issues = issuesOf({ ...REFERENCE_SPEC_INPUT, network, atlas });
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'network.adminCidr', message: 'is required' },
        { path: 'atlas.projectId', message: 'is required' },
      ]),
    );
  });
});

type Case = [
  description: string,
  mutate: (spec: EnvironmentSpec) => void,
  path: string,
  fragment: string,
];

const tags = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`tag${i}`, 'x']));

const BAD_REQUESTS: Case[] = [
  // identity
  [
    'the environment name is empty',
    s => {
      s.name = '';
    },
    'name',
    'is required',
  ],
  [
    'the name is too long for the derived resource names',
    s => {
      s.name = 'bpa-production-us-east-blue';
    },
    'name',
    'must be 3 to 24 characters',
  ],
  [
    'the name has uppercase letters',
    s => {
      s.name = 'BPA-Demo';
    },
    'name',
    'RDS identifier <name>-postgres',
  ],
  [
    'the name has two hyphens in a row',
    s => {
      s.name = 'bpa--demo';
    },
    'name',
    'two hyphens in a row',
  ],
  [
    'the name ends with a hyphen',
    s => {
      s.name = 'bpa-demo-';
    },
    'name',
    'must not end with a hyphen',
  ],
  [
    'the name starts with internal-',
    s => {
      s.name = 'internal-bpa';
    },
    'name',
    'Elastic Load Balancing',
  ],
  [
    'the owner is empty',
    s => {
      s.owner = '';
    },
    'owner',
    'is required',
  ],
  [
    'the owner is not an entity reference',
    s => {
      s.owner = 'group:default/';
    },
    'owner',
    'is not an entity reference',
  ],
  [
    'the owner is a component',
    s => {
      s.owner = 'component:default/bpa';
    },
    'owner',
    'Group or a User',
  ],
  // AWS
  [
    'the account id has 11 digits',
    s => {
      s.aws.accountId = '12345678901';
    },
    'aws.accountId',
    'exactly 12 digits',
  ],
  [
    'the region does not exist',
    s => {
      s.aws.region = 'us-east-3';
      s.aws.availabilityZones = ['us-east-3a', 'us-east-3b', 'us-east-3c'];
    },
    'aws.region',
    'not an AWS commercial region code',
  ],
  [
    'the region is GovCloud',
    s => {
      s.aws.region = 'us-gov-west-1';
      s.aws.availabilityZones = [
        'us-gov-west-1a',
        'us-gov-west-1b',
        'us-gov-west-1c',
      ];
    },
    'aws.region',
    'another AWS partition',
  ],
  [
    'only two availability zones',
    s => {
      s.aws.availabilityZones = ['us-east-1a', 'us-east-1b'];
    },
    'aws.availabilityZones',
    'exactly three availability zones (got 2)',
  ],
  [
    'the same availability zone twice',
    s => {
      s.aws.availabilityZones = ['us-east-1a', 'us-east-1a', 'us-east-1b'];
    },
    'aws.availabilityZones.1',
    'listed twice',
  ],
  [
    'an availability zone of another region',
    s => {
      s.aws.availabilityZones = ['us-east-1a', 'us-east-1b', 'us-west-2c'];
    },
    'aws.availabilityZones.2',
    "not of the environment's region us-east-1",
  ],
  [
    'an availability zone ID instead of a name',
    s => {
      s.aws.availabilityZones = ['use1-az1', 'us-east-1b', 'us-east-1c'];
    },
    'aws.availabilityZones.0',
    'is an availability zone ID',
  ],
  // network
  [
    'a bastion AMI id that is not one',
    s => {
      s.network.bastionImageId = 'al2023-latest';
    },
    'network.bastionImageId',
    'is not an AMI id',
  ],
  [
    'a world-open portal egress CIDR',
    s => {
      s.network.portalEgressCidrs = ['198.51.100.16/28', '0.0.0.0/0'];
    },
    'network.portalEgressCidrs.1',
    "must not be 0.0.0.0/0: it would open the cluster's API endpoint",
  ],
  [
    'a portal egress CIDR that is not one',
    s => {
      s.network.portalEgressCidrs = ['198.51.100.300/32'];
    },
    'network.portalEgressCidrs.0',
    '198.51.100.300',
  ],
  [
    "the guide's world-open admin CIDR",
    s => {
      s.network.adminCidr = '0.0.0.0/0';
    },
    'network.adminCidr',
    'must not be 0.0.0.0/0',
  ],
  [
    'a public admin CIDR wider than /16',
    s => {
      s.network.adminCidr = '52.0.0.0/8';
    },
    'network.adminCidr',
    'at most a /16',
  ],
  [
    'a loopback admin CIDR',
    s => {
      s.network.adminCidr = '127.0.0.0/8';
    },
    'network.adminCidr',
    'not a range administrators connect from',
  ],
  [
    'a VPC CIDR with host bits set',
    s => {
      s.network.vpcCidr = '10.0.1.0/16';
    },
    'network.vpcCidr',
    'did you mean 10.0.0.0/16?',
  ],
  [
    'a VPC CIDR too small for the subnets of three zones',
    s => {
      s.network.vpcCidr = '10.0.0.0/24';
    },
    'network.vpcCidr',
    'between /16 and /20 (is /24)',
  ],
  [
    'a public VPC CIDR',
    s => {
      s.network.vpcCidr = '54.10.0.0/16';
    },
    'network.vpcCidr',
    'must lie in a private range',
  ],
  [
    'a pod CIDR overlapping the VPC CIDR',
    s => {
      s.network.podCidr = '10.0.0.0/17';
    },
    'network.podCidr',
    'overlaps network.vpcCidr (10.0.0.0/16)',
  ],
  [
    'a pod CIDR AWS will not add to this VPC',
    s => {
      s.network.podCidr = '192.168.0.0/16';
    },
    'network.podCidr',
    'from 100.64.0.0/10',
  ],
  [
    'a pod CIDR too small for the pods',
    s => {
      s.network.podCidr = '100.64.0.0/24';
    },
    'network.podCidr',
    'between /16 and /20',
  ],
  [
    'a service CIDR overlapping the VPC',
    s => {
      s.network.serviceCidr = '10.0.0.0/16';
    },
    'network.serviceCidr',
    'overlaps network.vpcCidr',
  ],
  [
    'a service CIDR overlapping the pods',
    s => {
      s.network.serviceCidr = '100.64.0.0/16';
    },
    'network.serviceCidr',
    'overlaps network.podCidr',
  ],
  [
    'a service CIDR outside the private ranges',
    s => {
      s.network.serviceCidr = '11.0.0.0/16';
    },
    'network.serviceCidr',
    'Amazon EKS rule',
  ],
  [
    'a service CIDR smaller than /24',
    s => {
      s.network.serviceCidr = '172.20.0.0/25';
    },
    'network.serviceCidr',
    'between /12 and /24',
  ],
  [
    'a service CIDR with an octet above 255',
    s => {
      s.network.serviceCidr = '172.256.0.0/16';
    },
    'network.serviceCidr',
    'out of range (0-255)',
  ],
  // cluster
  [
    "a node role's zone outside the environment's zones",
    s => {
      s.cluster.nodes[2].availabilityZone = 'us-east-1d';
    },
    'cluster.nodes.2.availabilityZone',
    'must be one of aws.availabilityZones (us-east-1a, us-east-1b, us-east-1c)',
  ],
  [
    "the guide's EKS 1.27",
    s => {
      s.cluster.kubernetesVersion = '1.27';
    },
    'cluster.kubernetesVersion',
    "Kubernetes 1.27 (the reference guide's version) is no longer offered by Amazon EKS",
  ],
  [
    'a Kubernetes patch version',
    s => {
      s.cluster.kubernetesVersion = '1.33.2';
    },
    'cluster.kubernetesVersion',
    'is not a Kubernetes minor version',
  ],
  [
    'a Kubernetes version EKS does not offer yet',
    s => {
      s.cluster.kubernetesVersion = '1.40';
    },
    'cluster.kubernetesVersion',
    'not offered by Amazon EKS yet',
  ],
  [
    'a malformed instance type',
    s => {
      s.cluster.nodes[2].instanceType = 'm5-4xlarge';
    },
    'cluster.nodes.2.instanceType',
    'not an EC2 instance type',
  ],
  [
    'a data volume above the gp3 limit',
    s => {
      s.cluster.nodes[0].dataVolumeGiB = 20000;
    },
    'cluster.nodes.0.dataVolumeGiB',
    '16384 GiB',
  ],
  [
    'two node roles with the same name',
    s => {
      s.cluster.nodes[1].name = 'node-1';
    },
    'cluster.nodes.1.name',
    'role names must be unique',
  ],
  [
    'two node roles with the same name label',
    s => {
      s.cluster.nodes[1].labels.name = 'node-1';
    },
    'cluster.nodes.1.labels.name',
    'also on cluster.nodes.0',
  ],
  [
    'no role labelled node-4',
    s => {
      s.cluster.nodes.pop();
    },
    'cluster.nodes',
    'no node role is labelled name=node-4',
  ],
  [
    'more than ten node roles',
    s => {
      s.cluster.nodes.push(
        ...Array.from({ length: 7 }, (_, i) => ({
          ...s.cluster.nodes[0],
          name: `extra-${i}`,
          labels: { name: `extra-${i}` },
        })),
      );
    },
    'cluster.nodes',
    'at most 10',
  ],
  [
    'a label key with two slashes',
    s => {
      s.cluster.nodes[0].labels['bpa/role/x'] = 'a';
    },
    'cluster.nodes.0.labels.bpa/role/x',
    'not a Kubernetes label key',
  ],
  [
    'a label value with a space',
    s => {
      s.cluster.nodes[0].labels.zone = 'zone a';
    },
    'cluster.nodes.0.labels.zone',
    'not a Kubernetes label value',
  ],
  [
    'a data directory escaping the data root',
    s => {
      s.cluster.nodes[3].dataDirectories[0] = '../../etc';
    },
    'cluster.nodes.3.dataDirectories.0',
    'no ".."',
  ],
  [
    'an absolute data directory',
    s => {
      s.cluster.nodes[1].dataDirectories[3] = '/var/lib/kafka';
    },
    'cluster.nodes.1.dataDirectories.3',
    'no leading "/"',
  ],
  [
    'a relative data mount path',
    s => {
      s.cluster.dataMountPath = 'opt';
      s.cluster.dataRoot = 'opt/bpa/data';
    },
    'cluster.dataMountPath',
    'must be an absolute path',
  ],
  [
    'the data volume mounted over /usr',
    s => {
      s.cluster.dataMountPath = '/usr';
      s.cluster.dataRoot = '/usr/bpa';
    },
    'cluster.dataMountPath',
    "would hide the node's own files",
  ],
  [
    'a data root outside the data volume',
    s => {
      s.cluster.dataRoot = '/data/bpa';
    },
    'cluster.dataRoot',
    'must be inside cluster.dataMountPath (/opt)',
  ],
  [
    "Linux's default vm.max_map_count",
    s => {
      s.cluster.maxMapCount = 65530;
    },
    'cluster.maxMapCount',
    "BPA's Elasticsearch",
  ],
  // RDS
  [
    "the guide's PostgreSQL 16.3",
    s => {
      s.rds.engineVersion = '16.3';
    },
    'rds.engineVersion',
    'for PostgreSQL 16 choose 16.11',
  ],
  [
    'PostgreSQL 13',
    s => {
      s.rds.engineVersion = '13.7';
    },
    'rds.engineVersion',
    'not offered by Amazon RDS',
  ],
  [
    'an EC2 type as RDS class',
    s => {
      s.rds.instanceClass = 'm5d.2xlarge';
    },
    'rds.instanceClass',
    'db.m5d.2xlarge',
  ],
  [
    'a malformed RDS class',
    s => {
      s.rds.instanceClass = 'db.big';
    },
    'rds.instanceClass',
    'not an RDS DB instance class',
  ],
  [
    'RDS storage below 20 GiB',
    s => {
      s.rds.allocatedStorageGiB = 10;
    },
    'rds.allocatedStorageGiB',
    'between 20 and 65536 GiB',
  ],
  [
    'admin as RDS master user',
    s => {
      s.rds.masterUsername = 'admin';
    },
    'rds.masterUsername',
    'refuses "admin"',
  ],
  [
    'an RDS master user longer than 16 characters',
    s => {
      s.rds.masterUsername = 'bpa_master_account';
    },
    'rds.masterUsername',
    '1 to 16',
  ],
  [
    "RDS's own rdsadmin as root user",
    s => {
      s.rds.root.user = 'rdsadmin';
    },
    'rds.root.user',
    'reserved by RDS or PostgreSQL',
  ],
  [
    'a pg_ user',
    s => {
      s.rds.auth.user = 'pg_kong';
    },
    'rds.auth.user',
    'reserved by RDS or PostgreSQL',
  ],
  [
    'an uppercase database user',
    s => {
      s.rds.workflow.user = 'Camunda';
    },
    'rds.workflow.user',
    'a lowercase letter',
  ],
  [
    'a database name longer than 63 characters',
    s => {
      s.rds.workflow.database = `process-engine-${'x'.repeat(50)}`;
    },
    'rds.workflow.database',
    '1 to 63 characters',
  ],
  [
    'the postgres database',
    s => {
      s.rds.root.database = 'postgres';
    },
    'rds.root.database',
    'already exists',
  ],
  [
    'the auth service logging in as the root user',
    s => {
      s.rds.auth.user = 'admin';
    },
    'rds.auth.user',
    'is the same as rds.root.user',
  ],
  [
    'Camunda sharing the Kong database',
    s => {
      s.rds.workflow.database = 'kong';
    },
    'rds.workflow.database',
    'is the same as rds.auth.database',
  ],
  // Atlas
  [
    "the guide's MongoDB 5.0",
    s => {
      s.atlas.mongoDBVersion = '5.0';
    },
    'atlas.mongoDBVersion',
    "MongoDB 5.0 (the reference guide's version) reached end of life on Atlas on 2024-10-31",
  ],
  [
    'MongoDB 6.0',
    s => {
      s.atlas.mongoDBVersion = '6.0';
    },
    'atlas.mongoDBVersion',
    'reached end of life on Atlas',
  ],
  [
    'a shared Atlas tier',
    s => {
      s.atlas.tier = 'M0';
    },
    'atlas.tier',
    'needs a dedicated tier',
  ],
  [
    'an unknown Atlas tier',
    s => {
      s.atlas.tier = 'M35';
    },
    'atlas.tier',
    'not an Atlas dedicated cluster tier',
  ],
  [
    'an Atlas project id of 23 characters',
    s => {
      s.atlas.projectId = '5f1a2b3c4d5e6f7a8b9c0d1';
    },
    'atlas.projectId',
    '24 lowercase hexadecimal',
  ],
  [
    'Atlas disk below 10 GB',
    s => {
      s.atlas.diskSizeGB = 5;
    },
    'atlas.diskSizeGB',
    'between 10 and 4096 GB',
  ],
  // ECR
  [
    'an uppercase repository prefix',
    s => {
      s.ecr.repositoryPrefix = 'BPA';
    },
    'ecr.repositoryPrefix',
    'not an ECR repository namespace',
  ],
  [
    'an uppercase image name',
    s => {
      s.ecr.images[0].name = 'SASE-Service';
    },
    'ecr.images.0.name',
    'not an ECR repository name',
  ],
  [
    'a repository name over 256 characters with its prefix',
    s => {
      s.ecr.images[0].name = 'a'.repeat(255);
    },
    'ecr.images.0.name',
    'ECR allows 256',
  ],
  [
    'an image tag starting with a hyphen',
    s => {
      s.ecr.images[0].tag = '-latest';
    },
    'ecr.images.0.tag',
    'not an image tag',
  ],
  [
    'the same image twice',
    s => {
      s.ecr.images.push({ name: 'sase-service', tag: '4.0.3-523' });
    },
    'ecr.images.1.name',
    'one ECR repository',
  ],
  [
    'archives outside the workspace',
    s => {
      s.ecr.archives = '../bpa-package';
    },
    'ecr.archives',
    'a directory inside the template workspace',
  ],
  [
    'archives in a bucket whose name S3 refuses',
    s => {
      s.ecr.archives = 's3://BPA_Packages/4.0.3';
    },
    'ecr.archives',
    'must be s3://<bucket>[/<prefix>]',
  ],
  [
    'both archives and a source registry',
    s => {
      s.ecr.archives = 's3://bpa-packages/4.0.3-6';
      s.ecr.sourceRegistry = 'registry.example.com/bpa';
    },
    'ecr.archives',
    'either ecr.archives or ecr.sourceRegistry',
  ],
  // BPA release
  [
    'a namespace with uppercase',
    s => {
      s.bpa.namespace = 'BPA-NS';
    },
    'bpa.namespace',
    'not a Kubernetes namespace name',
  ],
  [
    'the kube-system namespace',
    s => {
      s.bpa.namespace = 'kube-system';
    },
    'bpa.namespace',
    'reserved for Kubernetes',
  ],
  [
    'a release name over 53 characters',
    s => {
      s.bpa.releaseName = `bpa-${'r'.repeat(50)}`;
    },
    'bpa.releaseName',
    "Helm's limit",
  ],
  [
    'a chart path leaving the workspace',
    s => {
      s.bpa.chart = '../charts/bpa.tgz';
    },
    'bpa.chart',
    'inside the template workspace',
  ],
  [
    'a chart over plain http',
    s => {
      s.bpa.chart = 'http://charts.example.com/bpa-4.0.3-6.tgz';
    },
    'bpa.chart',
    'must use https://',
  ],
  [
    'a chart URL with credentials',
    s => {
      s.bpa.chart = 'https://user:pw@charts.example.com/bpa.tgz';
    },
    'bpa.chart',
    'must not embed credentials',
  ],
  [
    'a chart directory in the workspace',
    s => {
      s.bpa.chart = 'charts/bpa';
    },
    'bpa.chart',
    'must be a packaged chart (.tgz',
  ],
  [
    'a two-part BPA version',
    s => {
      s.bpa.version = '4.0';
    },
    'bpa.version',
    'not a BPA release version',
  ],
  [
    'a password in the Helm values',
    s => {
      s.bpa.values = { postgres: { password: 'hunter2' } };
    },
    'bpa.values.postgres.password',
    'looks like a credential',
  ],
  // edge and tags
  [
    'a host name with an underscore',
    s => {
      s.ingress.hostname = 'bpa_demo.example.com';
    },
    'ingress.hostname',
    'not a DNS host name',
  ],
  [
    'a tag in the aws: namespace',
    s => {
      s.tags = { 'aws:createdBy': 'me' };
    },
    'tags.aws:createdBy',
    'reserved by AWS',
  ],
  [
    'a tag key with #',
    s => {
      s.tags = { 'cost#center': '42' };
    },
    'tags.cost#center',
    'characters AWS refuses',
  ],
  [
    'a tag value over 256 characters',
    s => {
      s.tags = { note: 'n'.repeat(257) };
    },
    'tags.note',
    'at most 256 characters',
  ],
  [
    '46 tags',
    s => {
      s.tags = tags(46);
    },
    'tags',
    'at most 45',
  ],
];

describe('bad requests', () => {
  it('are many and distinct', () => {
    expect(BAD_REQUESTS.length).toBeGreaterThanOrEqual(35);
    expect(new Set(BAD_REQUESTS.map(([d]) => d)).size).toBe(
      BAD_REQUESTS.length,
    );
  });

  it.each(BAD_REQUESTS)(
    'refuses %s, naming the field',
    (_description, mutate, path, fragment) => {
      const request = requestWith(mutate);

      const issues = issuesOf(request);
      expect(issues).toContainEqual({
        path,
        message: expect.stringContaining(fragment),
      });

      expect(() => parseEnvironmentSpec(request)).toThrow(SpecValidationError);
      expect(() => parseEnvironmentSpec(request)).toThrow(`${path}: `);
    },
  );
});

describe('a request with several problems', () => {
  it('reports every one of them', () => {
    const request = requestWith(s => {
      s.name = 'BPA_Demo';
      s.aws.accountId = '1234';
      s.aws.availabilityZones = ['us-east-1a', 'us-east-1a'];
      s.network.adminCidr = '0.0.0.0/0';
      s.network.podCidr = '10.0.0.0/16';
      s.cluster.kubernetesVersion = '1.27';
      s.atlas.mongoDBVersion = '5.0';
      s.bpa.namespace = 'BPA';
    });

    const paths = issuesOf(request).map(i => i.path);

    expect(paths).toEqual(
      expect.arrayContaining([
        'name',
        'aws.accountId',
        'aws.availabilityZones',
        'aws.availabilityZones.1',
        'network.adminCidr',
        'network.podCidr',
        'cluster.kubernetesVersion',
        'atlas.mongoDBVersion',
        'bpa.namespace',
      ]),
    );
    let thrown: unknown;
    try {
      parseEnvironmentSpec(request);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(SpecValidationError);
    expect((thrown as SpecValidationError).issues.length).toBe(paths.length);
    expect((thrown as Error).message).toContain(
      'network.adminCidr: must not be 0.0.0.0/0',
    );
  });
});

describe('supported versions', () => {
  it('come from the options when the portal configures its own lists', () => {
    const request = requestWith(s => {
      s.cluster.kubernetesVersion = '1.27';
    });
    const result = validateEnvironmentSpec(request, {
      supportedVersions: {
        ...DEFAULT_SUPPORTED_VERSIONS,
        kubernetes: ['1.27'],
      },
    });
    expect(result.success).toBe(true);
  });

  it('are listed in the message when a version is refused', () => {
    const issues = issuesOf(
      requestWith(s => {
        s.cluster.kubernetesVersion = '1.27';
      }),
    );
    expect(issues).toContainEqual({
      path: 'cluster.kubernetesVersion',
      message: expect.stringContaining(
        `choose one of ${DEFAULT_SUPPORTED_VERSIONS.kubernetes.join(', ')}`,
      ),
    });
  });
});

describe('bounds on the strings of a request', () => {
  /** Dotted paths of every string in a value. */
  function stringPaths(value: unknown, path: string[] = []): string[][] {
    if (typeof value === 'string') return [path];
    if (Array.isArray(value))
      return value.flatMap((v, i) => stringPaths(v, [...path, String(i)]));
    if (value && typeof value === 'object')
      return Object.entries(value).flatMap(([k, v]) =>
        stringPaths(v, [...path, k]),
      );
    return [];
  }
  const withValueAt = (path: string[], value: string) => {
    const spec: any = JSON.parse(JSON.stringify(referenceSpec));
    let parent = spec;
    path.slice(0, -1).forEach(key => {
      parent = parent[key];
    });
    parent[path[path.length - 1]] = value;
    return spec;
  };
  const megabyte = 'x'.repeat(1024 * 1024);
  const paths = stringPaths(referenceSpec);

  it('covers every string field of the reference request', () => {
    expect(paths.map(p => p.join('.'))).toEqual(
      expect.arrayContaining([
        'name',
        'owner',
        'description',
        'aws.accountId',
        'cluster.nodes.0.instanceType',
        'cluster.nodes.0.dataDirectories.0',
        'rds.instanceClass',
        'atlas.projectId',
        'ecr.repositoryPrefix',
        'ecr.images.0.tag',
        'bpa.version',
        'ingress.certificate',
      ]),
    );
  });

  it.each(paths.map(p => [p.join('.'), p]))(
    'refuses a megabyte in %s, naming the field and quoting at most a short prefix',
    (field, path) => {
      const issues = issuesOf(withValueAt(path as string[], megabyte));
      expect(issues.map(i => i.path)).toContain(field);
      for (const { path: where, message } of issues) {
        expect(where.length).toBeLessThan(200);
        expect(message.length).toBeLessThan(1000);
        expect(message).not.toContain('x'.repeat(100));
      }
    },
  );

  it('keeps the description to 1,000 characters', () => {
    expect(
      validateEnvironmentSpec(withValueAt(['description'], 'd'.repeat(1000)))
        .success,
    ).toBe(true);
    expect(issuesOf(withValueAt(['description'], 'd'.repeat(1001)))).toEqual([
      {
        path: 'description',
        message: expect.stringContaining('must be at most 1000 characters'),
      },
    ]);
  });

  it('keeps the recorded request within 64 KiB, naming where its bulk is', () => {
    const spec: any = JSON.parse(JSON.stringify(referenceSpec));
    spec.bpa.values = { extraEnv: 'v'.repeat(70 * 1024) };
    expect(issuesOf(spec)).toEqual([
      {
        path: '(request)',
        message: expect.stringMatching(
          /^is 7\d\.\d KiB as JSON, 7\d\.\d KiB of it in bpa; .*bpa\.cisco\.com\/request annotation, which holds at most 64\.0 KiB$/,
        ),
      },
    ]);
  });

  it('cuts request keys in field paths short', () => {
    const spec: any = JSON.parse(JSON.stringify(referenceSpec));
    spec.tags = { [`k${'#'.repeat(10_000)}`]: 'v' };
    const issues = issuesOf(spec);
    expect(issues.length).toBeGreaterThan(0);
    for (const { path } of issues) {
      expect(path.startsWith('tags.k###')).toBe(true);
      expect(path.length).toBeLessThan(100);
    }
  });
});
