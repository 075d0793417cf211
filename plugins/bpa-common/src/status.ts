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
  level: StatusLevel;
  /**
   * The BPA component the workload belongs to: its
   * `backstage.io/kubernetes-id` label, as on the component's entity.
   */
  component?: string;
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
}
