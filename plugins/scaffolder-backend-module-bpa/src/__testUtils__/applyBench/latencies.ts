/**
 * How long each thing the apply creates takes, with where the figure comes
 * from. Few providers publish creation times: where only a timeout or an SDK
 * waiter's limit is published, the source says so and the figure is an
 * estimate below it.
 */
export interface Latency {
  /** Simulated milliseconds. */
  ms: number;
  source: string;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** CloudFormation resources by type; DB instances by Multi-AZ or not. */
export const RESOURCE_LATENCIES: Record<string, Latency> = {
  'AWS::EKS::Cluster': {
    ms: 15 * MINUTE,
    source:
      'aws/containers-roadmap#1227: ~15 min average control plane creation (AWS announced 9 min in 2021; users there report ~14 min); Terraform waits up to 30 min (hashicorp/terraform-provider-aws#8909)',
  },
  'AWS::EKS::Nodegroup': {
    ms: 5 * MINUTE,
    source:
      'estimate; only a limit is published: the EKS NodegroupActive waiter polls every 30 s, 80 times (40 min) (boto3 EKS waiter docs)',
  },
  'AWS::EKS::Addon': {
    ms: 1 * MINUTE,
    source:
      'estimate; no published figure (an add-on is a Deployment or DaemonSet rollout)',
  },
  'AWS::RDS::DBInstance': {
    ms: 12 * MINUTE,
    source:
      'estimate for single-AZ PostgreSQL; only a limit is published: the DBInstanceAvailable waiter polls every 30 s, 60 times (30 min) (boto3 RDS waiter docs)',
  },
  'AWS::RDS::DBInstance MultiAZ': {
    ms: 20 * MINUTE,
    source:
      'estimate for Multi-AZ (a standby in a second zone, synchronised before available); same 30 min waiter limit (boto3 RDS waiter docs)',
  },
  'AWS::EC2::NatGateway': {
    ms: 2 * MINUTE,
    source:
      'estimate; only a limit is published: the NatGatewayAvailable waiter polls every 15 s, 40 times (10 min) (AWS CLI / boto3 EC2 waiter docs)',
  },
  'AWS::EC2::Instance': {
    ms: 1 * MINUTE,
    source:
      'estimate; the InstanceRunning waiter polls every 15 s, 40 times (10 min) (boto3 EC2 waiter docs)',
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    ms: 3 * MINUTE,
    source:
      'estimate; only a limit is published: the LoadBalancerAvailable waiter polls every 15 s, 40 times (10 min) (AWS SDK ELBv2 waiter docs)',
  },
  'AWS::ECR::Repository': {
    ms: 5 * SECOND,
    source: 'estimate; a repository is a metadata record (no waiter exists)',
  },
  'AWS::IAM::Role': {
    ms: 15 * SECOND,
    source:
      'estimate (IAM is eventually consistent; CloudFormation waits for the role to propagate)',
  },
};

/** Any CloudFormation type the table does not name. */
export const OTHER_RESOURCE_LATENCY: Latency = {
  ms: 10 * SECOND,
  source:
    'estimate for metadata-only resources (subnets, routes, security groups, launch templates, log groups, access entries, volumes)',
};

/** Everything the apply waits for that is not a CloudFormation resource. */
export const OTHER_LATENCIES = {
  changeSet: {
    ms: 10 * SECOND,
    source:
      'estimate; only a limit is published: the ChangeSetCreateComplete waiter polls every 30 s, 120 times (AWS CLI cloudformation wait docs)',
  },
  atlasCluster: {
    ms: 10 * MINUTE,
    source:
      "estimate for a dedicated M30 replica set; only timeouts are published (Terraform providers wait 40 min: akshaykarle/terraform-provider-mongodbatlas#57; MongoDB's own waits hours)",
  },
  atlasEndpointService: {
    ms: 5 * MINUTE,
    source:
      'estimate; Atlas creates a network load balancer and VPC endpoint service (WAITING_FOR_USER/AVAILABLE); its Terraform provider waits up to 2 h (mongodb/terraform-provider-mongodbatlas#1982)',
  },
  awsInterfaceEndpoint: {
    ms: 2 * MINUTE,
    source:
      'estimate; no published figure or waiter for VPC interface endpoints',
  },
  atlasEndpointRegistration: {
    ms: 3 * MINUTE,
    source:
      'estimate; Atlas accepts the interface endpoint (PENDING_ACCEPTANCE → AVAILABLE), no published figure',
  },
  imageMirror: {
    // 3 GB at 42 MB/s.
    ms: Math.round(((3 * 1024) / 42) * SECOND),
    source:
      "README: BPA's images are a few GB (3 GB assumed) copied through the portal at 41–44 MB/s (a local loopback measurement of a 300 MB copy, not AWS's)",
  },
  nodePreparation: {
    ms: 1 * MINUTE,
    source:
      "estimate (a pod per node formats and mounts the data volume, sets vm.max_map_count); bpa:kubernetes:bootstrap's timeout is 15 min",
  },
  databaseJob: {
    ms: 1 * MINUTE,
    source:
      "estimate (pull the PostgreSQL client image, run bootstrap.sql); bpa:database:bootstrap's timeout is 15 min",
  },
  helmRelease: {
    ms: 10 * MINUTE,
    source:
      "estimate for BPA's pods pulling their images and becoming ready; bpa:helm:release gives helm --wait 30 min",
  },
} satisfies Record<string, Latency>;

/** A CloudFormation resource's latency: its type's, Multi-AZ DB instances apart. */
export function resourceLatency(
  type: string,
  properties: Record<string, unknown> = {},
): Latency {
  const key =
    type === 'AWS::RDS::DBInstance' && properties.MultiAZ === true
      ? `${type} MultiAZ`
      : type;
  return RESOURCE_LATENCIES[key] ?? OTHER_RESOURCE_LATENCY;
}
