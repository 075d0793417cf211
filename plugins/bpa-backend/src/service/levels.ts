import type { StatusLevel } from '@internal/backstage-plugin-bpa-common';

/** What a source reports for a resource that is not there. */
export const NOT_FOUND = 'NOT_FOUND';
/** Helm's spelling: its statuses are lower case. */
export const HELM_NOT_FOUND = 'not-found';

/**
 * A CloudFormation stack status as the card shows it. A rollback means the
 * last operation failed, even when the stack still runs the previous
 * template (`UPDATE_ROLLBACK_COMPLETE`) or is still rolling back.
 */
export function stackLevel(status: string): StatusLevel {
  if (status === NOT_FOUND || status === 'DELETE_COMPLETE') return 'absent';
  if (status.includes('FAILED') || status.includes('ROLLBACK')) return 'error';
  if (status.endsWith('_IN_PROGRESS')) return 'pending';
  if (status.endsWith('_COMPLETE')) return 'ok';
  return 'error';
}

const EKS_LEVELS: Record<string, StatusLevel> = {
  ACTIVE: 'ok',
  CREATING: 'pending',
  UPDATING: 'pending',
  PENDING: 'pending',
  FAILED: 'error',
  DELETING: 'error',
  [NOT_FOUND]: 'absent',
};

/** An EKS cluster status; a status EKS adds later shows as an error until this list knows it. */
export function eksClusterLevel(status: string): StatusLevel {
  return EKS_LEVELS[status] ?? 'error';
}

const ATLAS_LEVELS: Record<string, StatusLevel> = {
  IDLE: 'ok',
  CREATING: 'pending',
  UPDATING: 'pending',
  REPAIRING: 'pending',
  DELETING: 'error',
  DELETED: 'error',
  [NOT_FOUND]: 'absent',
};

/** An Atlas cluster's `stateName`. */
export function atlasClusterLevel(status: string): StatusLevel {
  return ATLAS_LEVELS[status] ?? 'error';
}

/**
 * The status of a Helm release's newest revision. `superseded` on the newest
 * revision means the release lost its deployed revision (an interrupted
 * upgrade), so it is an error like `failed`.
 */
export function helmReleaseLevel(status: string): StatusLevel {
  if (status === 'deployed') return 'ok';
  if (status.startsWith('pending-') || status === 'uninstalling') {
    return 'pending';
  }
  if (status === HELM_NOT_FOUND || status === 'uninstalled') return 'absent';
  return 'error';
}

/**
 * Pods ready against pods wanted. A workload scaled to zero runs nothing,
 * so it shows as absent rather than healthy.
 */
export function workloadLevel(ready: number, desired: number): StatusLevel {
  if (desired === 0) return 'absent';
  return ready >= desired ? 'ok' : 'pending';
}

/** Container states that will not get better by waiting. */
const FAILING_CONTAINER_REASONS = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'OOMKilled',
]);

/**
 * A pod: failing when it failed or a container is stuck in a state
 * Kubernetes only retries (a crash loop, an image it cannot pull), pending
 * while it is scheduled, starting or not ready yet.
 */
export function podLevel(pod: {
  phase: string;
  ready: boolean;
  reason?: string;
}): StatusLevel {
  if (pod.phase === 'Failed' || pod.phase === 'Unknown') return 'error';
  if (pod.reason && FAILING_CONTAINER_REASONS.has(pod.reason)) return 'error';
  if (pod.phase === 'Succeeded') return 'ok';
  return pod.ready ? 'ok' : 'pending';
}

/** A node's Ready condition. */
export function nodeLevel(ready: string): StatusLevel {
  if (ready === 'Ready') return 'ok';
  return ready === 'NotReady' ? 'error' : 'pending';
}

const RDS_FAILED = new Set([
  'failed',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'restore-error',
  'storage-full',
  'stopped',
  'deleting',
]);

/**
 * An RDS instance status. RDS has many passing states (backing-up,
 * modifying, upgrading, ...): whatever is neither available nor listed as
 * failed is pending.
 */
export function databaseLevel(status: string): StatusLevel {
  if (status === NOT_FOUND) return 'absent';
  if (status === 'available') return 'ok';
  return RDS_FAILED.has(status) ? 'error' : 'pending';
}

/** An interface VPC endpoint's state (EC2 writes them in camel case). */
export function vpcEndpointLevel(state: string): StatusLevel {
  if (state === NOT_FOUND) return 'absent';
  switch (state.toLowerCase()) {
    case 'available':
      return 'ok';
    case 'pending':
    case 'pendingacceptance':
      return 'pending';
    default:
      return 'error';
  }
}
