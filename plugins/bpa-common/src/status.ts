import type { StackKind } from './plan';

/**
 * How a part of a running environment is doing, as the environment card
 * shows it: `ok` (complete, ready), `pending` (being created or changed),
 * `error` (failed, rolled back, not ready), `absent` (not there).
 */
export type StatusLevel = 'ok' | 'pending' | 'error' | 'absent';

/**
 * One source of the live status (CloudFormation, EKS, Atlas, the
 * Kubernetes API). A source that could not be read carries `error` (a
 * message without secrets) and no `data`; the other sources still answer.
 */
export interface StatusSection<T> {
  data?: T;
  error?: string;
}

export interface StackStatus {
  kind: StackKind;
  stackName: string;
  /** CloudFormation's stack status, or `NOT_FOUND`. */
  status: string;
  level: StatusLevel;
  /** CloudFormation's status reason, when it gives one. */
  reason?: string;
}

export interface ClusterStatus {
  name: string;
  /** EKS cluster status (`ACTIVE`, `CREATING`, ...), or `NOT_FOUND`. */
  status: string;
  level: StatusLevel;
  kubernetesVersion?: string;
}

export interface AtlasClusterStatus {
  name: string;
  /** Atlas `stateName` (`IDLE`, `CREATING`, ...), or `NOT_FOUND`. */
  status: string;
  level: StatusLevel;
  mongoDBVersion?: string;
}

export interface HelmReleaseStatus {
  name: string;
  namespace: string;
  /** Helm's release status (`deployed`, `failed`, `pending-upgrade`, ...), or `not-found`. */
  status: string;
  level: StatusLevel;
  revision?: number;
}

export interface WorkloadStatus {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  name: string;
  /** Pods ready, and wanted. */
  ready: number;
  desired: number;
  /** `error` when one of its pods is failing (crash loop, image pull, failed). */
  level: StatusLevel;
  /**
   * The BPA component the workload belongs to: its
   * `backstage.io/kubernetes-id` label, as on the component's entity.
   */
  component?: string;
  /** Container restarts, summed over its pods. */
  restarts: number;
}

/** A worker node of the environment's cluster. */
export interface NodeStatus {
  name: string;
  /** The environment's node role: the node's `name` label (`node-1`). */
  role?: string;
  /** `topology.kubernetes.io/zone`. */
  zone?: string;
  /** `node.kubernetes.io/instance-type`. */
  instanceType?: string;
  /** `Ready`, `NotReady` or `Unknown` (the Ready condition). */
  status: string;
  level: StatusLevel;
}

/** A pod of the release's namespace. */
export interface PodStatus {
  name: string;
  /** Its `backstage.io/kubernetes-id` label. */
  component?: string;
  /** `<kind>/<name>` of the workload whose selector matches it. */
  workload?: string;
  /** The node it runs on; absent while it is not scheduled. */
  node?: string;
  /** Kubernetes' pod phase (`Pending`, `Running`, `Failed`, ...). */
  phase: string;
  /** Why a container is not running (`CrashLoopBackOff`, `ImagePullBackOff`, ...). */
  reason?: string;
  ready: boolean;
  restarts: number;
  level: StatusLevel;
}

/** A Warning event of the release's namespace. */
export interface WarningEvent {
  /** `<kind>/<name>` of the object it is about. */
  object: string;
  /** The BPA component of that object, when it is one of its pods or workloads. */
  component?: string;
  reason: string;
  message: string;
  count: number;
  /** When it was last seen (ISO 8601). */
  lastSeen: string;
}

/** The RDS instance (`DescribeDBInstances`). */
export interface DatabaseStatus {
  identifier: string;
  /** RDS's instance status (`available`, `creating`, ...), or `NOT_FOUND`. */
  status: string;
  level: StatusLevel;
  /** Zone of the primary. */
  zone?: string;
  /** Zone of the standby, when Multi-AZ. */
  standbyZone?: string;
}

/** The interface VPC endpoint to Atlas's PrivateLink endpoint service. */
export interface PrivateEndpointStatus {
  /** The endpoint's id, when there is one. */
  id?: string;
  /** EC2's endpoint state (`available`, `pendingAcceptance`, ...), or `NOT_FOUND`. */
  status: string;
  level: StatusLevel;
}

/** One availability zone of the plan, with its subnets. */
export interface ZoneTopology {
  name: string;
  publicSubnet: string;
  privateSubnet: string;
  podSubnet: string;
}

/** A node role of the plan: where its node runs and what keeps its data there. */
export interface NodeRoleTopology {
  role: string;
  zone: string;
  instanceType: string;
  labels: Record<string, string>;
  /** BPA components whose data directories are on this node (`zookeeper`, `kafka`). */
  components: string[];
}

/**
 * The environment as planned, from its recorded request: what the
 * architecture picture draws before anything runs (no cloud is asked).
 */
export interface EnvironmentTopology {
  region: string;
  vpcCidr: string;
  podCidr: string;
  zones: ZoneTopology[];
  nodes: NodeRoleTopology[];
  /** The bastion's zone (the first public subnet), when there is one. */
  bastionZone?: string;
  loadBalancer: { name: string; listeners: number[] };
  database: { identifier: string; instanceClass: string; multiAz: boolean };
  atlas: { clusterName: string; tier: string };
  registry: { repositories: string[] };
  release: { name: string; namespace: string };
}

/** GET /api/bpa/environments/:namespace/:name/status */
export interface EnvironmentStatus {
  /** The environment's System. */
  entityRef: string;
  environment: string;
  /** The System's `bpa.cisco.com/state`: `planned`, `applied`, or `unknown`. */
  state: string;
  /** False when nothing was looked at: the environment has not been applied. */
  live: boolean;
  /** When the sources were read (ISO 8601); answers are cached briefly. */
  checkedAt: string;
  stacks?: StatusSection<StackStatus[]>;
  cluster?: StatusSection<ClusterStatus>;
  atlas?: StatusSection<AtlasClusterStatus>;
  release?: StatusSection<HelmReleaseStatus>;
  workloads?: StatusSection<WorkloadStatus[]>;
  database?: StatusSection<DatabaseStatus>;
  privateEndpoint?: StatusSection<PrivateEndpointStatus>;
  nodes?: StatusSection<NodeStatus[]>;
  pods?: StatusSection<PodStatus[]>;
  /** The newest Warning events first. */
  events?: StatusSection<WarningEvent[]>;
  /** The plan, whatever the state; absent when the System's request cannot be read. */
  topology?: EnvironmentTopology;
}
