import fs from 'node:fs';
import {
  EnvironmentSpecInput,
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnLintFinding,
  runCfnLint,
  writeTemplates,
} from '@internal/backstage-plugin-bpa-test-utils';
import { renderStackTemplates } from './index';

/*
 * AWS's CloudFormation linter (cfn-lint, the registry schemas CloudFormation
 * itself validates against, plus AWS's rules) over every template of the
 * reference plan and of varied requests. Errors must be none; a warning may
 * stay only if it is listed below with the reason it is right for us.
 */

jest.setTimeout(120_000);

const reference = REFERENCE_SPEC_INPUT;
const nodes = (count: number, instanceType = 'm5.4xlarge', gib = 2000) =>
  Array.from({ length: count }, (_, i) => ({
    name: `node-${i + 1}`,
    instanceType,
    dataVolumeGiB: gib,
    dataDirectories: [`data${i + 1}`],
  }));

/** Requests that differ in what changes the templates' shape or values. */
const REQUESTS: Record<string, EnvironmentSpecInput> = {
  reference,
  'planned for apply: bastion AMI pinned, SSM access, portal egress': {
    ...reference,
    name: 'bpa-apply',
    network: {
      ...reference.network,
      bastionImageId: 'ami-0123456789abcdef0',
      portalEgressCidrs: ['198.51.100.16/28', '192.0.2.10/32'],
    },
  },
  'SSH bastion from the admin CIDR': {
    ...reference,
    name: 'bpa-ssh',
    aws: { ...reference.aws, region: 'ap-northeast-2' },
    network: {
      ...reference.network,
      bastionAccess: 'ssh',
      bastionImageId: 'ami-0fedcba9876543210',
    },
  },
  'eu-west-1, no bastion': {
    ...reference,
    name: 'bpa-eu',
    aws: { ...reference.aws, region: 'eu-west-1' },
    network: { ...reference.network, bastion: false },
  },
  'ap-southeast-2, small VPC and pod CIDR': {
    ...reference,
    name: 'bpa-syd',
    aws: { ...reference.aws, region: 'ap-southeast-2' },
    network: {
      ...reference.network,
      vpcCidr: '10.20.0.0/20',
      podCidr: '100.72.0.0/20',
    },
  },
  'us-west-2, zones chosen': {
    ...reference,
    name: 'bpa-usw',
    aws: {
      ...reference.aws,
      region: 'us-west-2',
      availabilityZones: ['us-west-2b', 'us-west-2c', 'us-west-2d'],
    },
  },
  'eu-central-1, multi-AZ PostgreSQL 17': {
    ...reference,
    name: 'bpa-fra',
    aws: { ...reference.aws, region: 'eu-central-1' },
    rds: {
      multiAz: true,
      engineVersion: '17.7',
      instanceClass: 'db.r5b.2xlarge',
    },
  },
  'PostgreSQL 14, small storage': {
    ...reference,
    name: 'bpa-pg14',
    rds: {
      engineVersion: '14.20',
      allocatedStorageGiB: 20,
      instanceClass: 'db.t3.medium',
    },
  },
  'provided ingress certificate and hostname': {
    ...reference,
    name: 'bpa-tls',
    ingress: { certificate: 'provided', hostname: 'bpa.example.com' },
  },
  'six node roles': {
    ...reference,
    name: 'bpa-six',
    cluster: { nodes: nodes(6) },
  },
  'ten node roles, small nodes': {
    ...reference,
    name: 'bpa-ten',
    cluster: { nodes: nodes(10, 'm6i.xlarge', 100) },
  },
  'largest data volumes': {
    ...reference,
    name: 'bpa-big',
    cluster: { nodes: nodes(4, 'r6i.8xlarge', 16384) },
  },
  'Kubernetes 1.32, other data paths': {
    ...reference,
    name: 'bpa-k132',
    cluster: {
      kubernetesVersion: '1.32',
      dataMountPath: '/data',
      dataRoot: '/data/bpa',
    },
  },
  'Kubernetes 1.36, larger max_map_count': {
    ...reference,
    name: 'bpa-k136',
    cluster: { kubernetesVersion: '1.36', maxMapCount: 524288 },
  },
  'request tags': {
    ...reference,
    name: 'bpa-tags',
    tags: { 'cost-center': 'cc-42', team: 'automation', 'bpa:owner': 'x' },
  },
  'many images': {
    ...reference,
    name: 'bpa-img',
    ecr: {
      repositoryPrefix: 'cisco-bpa',
      images: [
        { name: 'sase-service', tag: '4.0.3-522' },
        { name: 'workflow', tag: '4.0.3-1' },
        { name: 'ui/portal', tag: '4.0.3-7' },
      ],
    },
  },
  'ca-central-1, private admin CIDR': {
    ...reference,
    name: 'bpa-yul',
    aws: { ...reference.aws, region: 'ca-central-1' },
    network: { ...reference.network, adminCidr: '10.200.0.0/16' },
  },
  'ap-northeast-1, 172.16 VPC': {
    ...reference,
    name: 'bpa-nrt',
    aws: { ...reference.aws, region: 'ap-northeast-1' },
    network: {
      ...reference.network,
      vpcCidr: '172.16.0.0/16',
      podCidr: '100.64.0.0/16',
      serviceCidr: '10.100.0.0/16',
    },
  },
  'eu-north-1, 192.168 VPC, no bastion': {
    ...reference,
    name: 'bpa-arn',
    aws: { ...reference.aws, region: 'eu-north-1' },
    network: {
      ...reference.network,
      vpcCidr: '192.168.0.0/16',
      bastion: false,
    },
  },
  'ap-south-1, Atlas terminated on teardown': {
    ...reference,
    name: 'bpa-bom',
    aws: { ...reference.aws, region: 'ap-south-1' },
    atlas: { ...reference.atlas, tier: 'M40', terminateOnTeardown: true },
  },
  'us-east-2, single admin host': {
    ...reference,
    name: 'bpa-cmh',
    aws: { ...reference.aws, region: 'us-east-2' },
    network: { ...reference.network, adminCidr: '198.51.100.7/32' },
  },
  'eu-west-2, chart from https': {
    ...reference,
    name: 'bpa-lhr',
    aws: { ...reference.aws, region: 'eu-west-2' },
    bpa: { chart: 'https://charts.example.com/bpa-4.0.3-6.tgz' },
  },
  'ap-southeast-1, extra node labels': {
    ...reference,
    name: 'bpa-sin',
    aws: { ...reference.aws, region: 'ap-southeast-1' },
    cluster: {
      nodes: nodes(4).map(n => ({ ...n, labels: { tier: 'data' } })),
    },
  },
};

/**
 * Warnings that stay, each with why it is right here. Anything else cfn-lint
 * reports fails the test.
 */
const KEPT_WARNINGS: Record<string, string> = {
  W3010:
    'Hard-coded availability zones: the request names its three zones (by default <region>a, b and c) and each node role, its subnets and its data volume live in one of them on purpose; Fn::GetAZs would let the zones move between updates',
};

describe('the stack templates pass AWS cfn-lint', () => {
  let findings: CfnLintFinding[];
  let brokenFindings: CfnLintFinding[];
  const dirs: string[] = [];
  const specs = Object.entries(REQUESTS).map(([label, input]) => ({
    label,
    spec: parseEnvironmentSpec(input),
  }));

  beforeAll(() => {
    const templates = specs.flatMap(({ spec }, i) =>
      renderStackTemplates(spec).map(artifact => ({
        name: `${String(i).padStart(2, '0')}-${spec.name}-${artifact.path
          .split('/')
          .pop()}`,
        content: artifact.content,
        region: spec.aws.region,
      })),
    );
    const written = writeTemplates(templates);
    // The last test's misspelt template goes through the same cfn-lint run:
    // each start loads its schemas again (seconds), and findings are per file.
    const edge = renderStackTemplates(specs[0].spec).find(a =>
      a.path.endsWith('edge.yaml'),
    )!.content;
    const broken = writeTemplates([
      {
        name: 'broken.yaml',
        content: edge.replace('SslPolicy:', 'SslPolicyy:'),
        region: 'us-east-1',
      },
    ]);
    dirs.push(written.dir, broken.dir);
    const all = runCfnLint([...written.files, ...broken.files]);
    brokenFindings = all.filter(f => broken.files.includes(f.file));
    findings = all.filter(f => !broken.files.includes(f.file));
  });

  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lints the reference plan and at least 20 other requests', () => {
    expect(specs.length).toBeGreaterThanOrEqual(23);
    expect(new Set(specs.map(s => s.spec.aws.region)).size).toBeGreaterThan(10);
  });

  it('finds no errors', () => {
    const errors = findings
      .filter(f => f.level === 'Error')
      .map(
        f =>
          `${f.rule} ${f.file.split('/').pop()}:${f.line} ${f.path}: ${
            f.message
          }`,
      );
    expect(errors).toEqual([]);
  });

  it('keeps only the warnings listed with their reason', () => {
    const unexplained = findings
      .filter(f => f.level !== 'Error' && !KEPT_WARNINGS[f.rule])
      .map(
        f =>
          `${f.rule} ${f.file.split('/').pop()}:${f.line} ${f.path}: ${
            f.message
          }`,
      );
    expect(unexplained).toEqual([]);
  });

  it('is a real linter: a template with a misspelt property fails', () => {
    expect(brokenFindings).toContainEqual(
      expect.objectContaining({
        rule: 'E3002',
        level: 'Error',
        message: expect.stringContaining("'SslPolicyy' was unexpected"),
      }),
    );
  });
});
