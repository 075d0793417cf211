import { z } from 'zod';
import {
  DEFAULT_SUPPORTED_VERSIONS,
  SupportedVersions,
} from './supportedVersions';

/** The reference deployment's per-node data directories (DESIGN.md; the guide's spelling). */
export const REFERENCE_NODE_DIRECTORIES: Record<string, string[]> = {
  'node-1': ['zookeeper1', 'zookeeper4', 'zookeeper5', 'kafka1'],
  'node-2': ['zookeeper2', 'zookeeper4', 'zookeeper5', 'kafka2'],
  'node-3': ['zookeeper3', 'zookeeper4', 'zookeeper5', 'kafka3'],
  'node-4': ['elk', 'metrices/prometheus', 'metrices/grafana'],
};

/** BPA 4.0.3 images mirrored into ECR (one repository each). */
export const REFERENCE_IMAGES = [{ name: 'sase-service', tag: '4.0.3-522' }];

/** Where Cisco's BPA-on-EKS guide pulls the BPA images from: the mirror's default source. */
export const DEFAULT_SOURCE_REGISTRY = 'containers.cisco.com/bpa';
/**
 * A string of at most `max` characters, refused with a message naming the
 * limit's source. Fields whose rules already bound their length (names,
 * identifiers, versions from a list) are checked in ./checks instead.
 */
const text = (max: number, why: string) =>
  z.string().max(max, `must be at most ${max} characters: ${why}`);

/** Linux PATH_MAX: the longest path the node preparation can create or mount. */
const PATH_MAX = 4096;
/** ECR `repositoryName`: 2 to 256 characters (ECR API reference, CreateRepository). */
export const ECR_REPOSITORY_NAME_MAX = 256;
/** S3 bucket names and object keys (Amazon S3 User Guide: bucket naming rules; object key names). */
const S3_BUCKET_NAME_MAX = 63;
const S3_KEY_MAX = 1024;
/** A DNS name: at most 253 characters (RFC 1035, 2.3.4). */
const DNS_NAME_MAX = 253;
/** The description of the environment's System in the catalog. */
export const DESCRIPTION_MAX = 1000;

const nodeRole = (name: string) => ({
  name,
  instanceType: 'm5.4xlarge',
  dataVolumeGiB: 2000,
  labels: { name },
  dataDirectories: REFERENCE_NODE_DIRECTORIES[name],
});

const nodeRoleSchema = z.object({
  name: z.string().describe('Node role name, e.g. node-1'),
  instanceType: text(
    64,
    'EC2 instance types are short family.size names (the EC2 API takes them from a fixed list)',
  ).describe('EC2 instance type, e.g. m5.4xlarge'),
  dataVolumeGiB: z
    .number()
    .int()
    .describe('Size of the EBS data volume mounted at the data mount path'),
  labels: z
    .record(z.string(), z.string())
    .default({})
    .describe(
      'Kubernetes node labels; BPA schedules on `name`, which defaults to the role name',
    ),
  dataDirectories: z
    .array(text(PATH_MAX, 'the longest path Linux accepts (PATH_MAX)'))
    .default([])
    .describe('Directories created under the data root on this node'),
  availabilityZone: z
    .string()
    .optional()
    .describe(
      "Zone of the role's node and data volume, one of aws.availabilityZones; default: the zones in turn, in role order. Recorded with the request, so that later changes to the roles move no node",
    ),
});

const databaseUserSchema = z.object({
  database: z.string(),
  user: z.string(),
});

export const environmentSpecBaseSchema = z.object({
  name: z
    .string({ required_error: 'is required' })
    .describe('Environment name; prefixes every AWS and Atlas resource'),
  owner: z
    .string({ required_error: 'is required' })
    .describe('Owning group or user (entity reference)'),
  description: text(
    DESCRIPTION_MAX,
    "it is the description of the environment's System, shown wherever the catalog lists it",
  ).default('BPA environment on Amazon EKS'),
  aws: z.object({
    accountId: z.string({ required_error: 'is required' }),
    region: z.string().default('us-east-1'),
    availabilityZones: z.array(z.string()).optional(),
  }),
  network: z
    .object({
      vpcCidr: z
        .string()
        .default('10.0.0.0/16')
        .describe('Private IPv4 range of the VPC, /16 to /20'),
      podCidr: z
        .string()
        .default('100.64.0.0/16')
        .describe(
          'Secondary VPC CIDR the pods get addresses from, /16 to /20, in 100.64.0.0/10 or the VPC CIDR private range',
        ),
      serviceCidr: z
        .string()
        .default('172.20.0.0/16')
        .describe(
          'Kubernetes service range: private, /12 to /24, not overlapping the VPC; avoid 172.17.0.0/16 (Docker bridge)',
        ),
      adminCidr: z
        .string({ required_error: 'is required' })
        .describe(
          'Where administrators connect from (bastion SSH, load balancer); 0.0.0.0/0 is refused',
        ),
      bastion: z.boolean().default(true),
      bastionAccess: z
        .enum(['ssm', 'ssh'])
        .default('ssm')
        .describe(
          'How administrators reach the bastion: ssm (AWS Systems Manager Session Manager; no public address, no inbound port) or ssh (a public address, port 22 from adminCidr, keys pushed with EC2 Instance Connect)',
        ),
      bastionImageId: z
        .string()
        .optional()
        .describe(
          "The bastion's AMI. Default: the latest Amazon Linux 2023, looked up once by bpa:environment:plan when planning for apply and recorded here, so later runs keep it until the request changes it",
        ),
      portalEgressCidrs: z
        .array(z.string())
        .optional()
        .describe(
          "Where the portal's backend reaches AWS from (its NAT or egress addresses): the EKS API server's public endpoint admits these besides adminCidr. Default: bpa.aws.portalEgressCidrs of the portal's configuration, filled in by bpa:environment:plan",
        ),
    })
    .describe('Network layout'),
  cluster: z
    .object({
      kubernetesVersion: z.string().default('1.35'),
      dataMountPath: text(
        PATH_MAX,
        'the longest path Linux accepts (PATH_MAX)',
      ).default('/opt'),
      dataRoot: text(
        PATH_MAX,
        'the longest path Linux accepts (PATH_MAX)',
      ).default('/opt/bpa/data'),
      maxMapCount: z.number().int().default(262144),
      nodes: z
        .array(nodeRoleSchema)
        .default(['node-1', 'node-2', 'node-3', 'node-4'].map(nodeRole)),
    })
    .default({}),
  rds: z
    .object({
      instanceClass: text(
        64,
        'RDS DB instance classes are short db.family.size names (the RDS API takes them from a fixed list per engine)',
      ).default('db.m5d.2xlarge'),
      engineVersion: z.string().default('16.11'),
      allocatedStorageGiB: z.number().int().default(200),
      multiAz: z.boolean().default(false),
      masterUsername: z
        .string()
        .default('bpa_master')
        .describe(
          "RDS master user (the instance's MasterUsername) that creates the BPA databases and users; RDS for PostgreSQL refuses `admin` here, so the guide's root user `admin` is created by the bootstrap SQL instead",
        ),
      root: databaseUserSchema.default({ database: 'admin', user: 'admin' }),
      auth: databaseUserSchema.default({ database: 'kong', user: 'kong' }),
      workflow: databaseUserSchema.default({
        database: 'process-engine',
        user: 'camunda',
      }),
    })
    .default({}),
  atlas: z
    .object({
      projectId: z.string({ required_error: 'is required' }),
      tier: z.string().default('M30'),
      mongoDBVersion: z.string().default('8.0'),
      diskSizeGB: z.number().int().default(40),
      databaseUser: z.string().default('bpa'),
      terminateOnTeardown: z.boolean().default(false),
    })
    .describe('MongoDB Atlas dedicated cluster'),
  ecr: z
    .object({
      repositoryPrefix: text(
        ECR_REPOSITORY_NAME_MAX,
        'ECR repository names are at most 256 characters',
      ).default('bpa'),
      sourceRegistry: text(
        DNS_NAME_MAX + ':65535/'.length + ECR_REPOSITORY_NAME_MAX,
        'a registry host (a DNS name, at most 253 characters), a port and a repository path (at most 256 characters, as in ECR)',
      )
        .optional()
        .describe(
          `Registry (host and path) the BPA images and chart are copied into ECR from; default ${DEFAULT_SOURCE_REGISTRY} unless archives are given`,
        ),
      archives: text(
        's3://'.length + S3_BUCKET_NAME_MAX + '/'.length + S3_KEY_MAX,
        's3://, a bucket name (at most 63 characters) and a key prefix (at most 1,024 bytes), or a workspace path',
      )
        .optional()
        .describe(
          "Where the BPA package's archives are, instead of a registry: s3://bucket/prefix or a workspace directory, holding <image>_<tag>.tar per image and bpa-chart-<version>.tgz",
        ),
      images: z
        .array(
          z.object({
            name: text(
              ECR_REPOSITORY_NAME_MAX,
              'ECR repository names are at most 256 characters',
            ),
            tag: text(
              128,
              'an image tag, which the OCI distribution specification limits to 128 characters',
            ),
          }),
        )
        .default(REFERENCE_IMAGES),
    })
    .default({}),
  bpa: z
    .object({
      version: text(
        128,
        'the chart version is pulled as an OCI tag, which the OCI distribution specification limits to 128 characters',
      ).default('4.0.3-6'),
      chart: text(
        2048,
        'an oci:// reference, an https:// URL (2,048 characters, what HTTP servers and proxies commonly accept) or a workspace path',
      )
        .optional()
        .describe(
          'Where the mirror takes the BPA chart from (oci://<registry>/<repository>, an https:// .tgz or a .tgz in the workspace); default: bpa-chart in the source registry or the archives. The release installs it from the environment ECR',
        ),
      namespace: z.string().default('bpa-ns'),
      releaseName: z.string().default('bpa-rel'),
      values: z.record(z.string(), z.unknown()).default({}),
    })
    .default({}),
  ingress: z
    .object({
      hostname: z.string().optional(),
      certificate: z
        .enum(['self-signed', 'provided'])
        .default('self-signed')
        .describe(
          'self-signed: generated at apply time and flagged; provided: read from the secret given at apply time',
        ),
    })
    .default({}),
  tags: z.record(z.string(), z.string()).default({}),
});

type SpecOutput = z.output<typeof environmentSpecBaseSchema>;
type NodeRoleOutput = SpecOutput['cluster']['nodes'][number];

/** The environment request, every default filled in. */
export type EnvironmentSpec = Omit<SpecOutput, 'aws' | 'cluster'> & {
  aws: SpecOutput['aws'] & { availabilityZones: string[] };
  cluster: Omit<SpecOutput['cluster'], 'nodes'> & {
    nodes: Array<NodeRoleOutput & { availabilityZone: string }>;
  };
};
/** What a caller may send: everything with a default is optional. */
export type EnvironmentSpecInput = z.input<typeof environmentSpecBaseSchema>;

export type { SupportedVersions };
export { DEFAULT_SUPPORTED_VERSIONS };
