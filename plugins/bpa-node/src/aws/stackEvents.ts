import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { Clock, formatElapsed } from './clock';

/** Where progress goes: the scaffolder task log. */
export interface ProgressLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** A resource that failed during a stack operation. */
export interface ResourceFailure {
  logicalId: string;
  type: string;
  status: string;
  reason: string;
}

/** Stack statuses CloudFormation starts an operation with, on the stack's own event. */
const OPERATION_START_STATUSES = new Set([
  'CREATE_IN_PROGRESS',
  'UPDATE_IN_PROGRESS',
  'DELETE_IN_PROGRESS',
  'IMPORT_IN_PROGRESS',
]);

const time = (e: StackEvent) =>
  e.Timestamp ? new Date(e.Timestamp).getTime() : 0;

export const isInProgress = (status: string) => status.endsWith('_IN_PROGRESS');

/** The stack's own events (not its resources'). */
export function isStackEvent(event: StackEvent): boolean {
  return (
    event.ResourceType === 'AWS::CloudFormation::Stack' &&
    event.LogicalResourceId === event.StackName
  );
}

/** The first event of an operation someone started (an update, a delete), as opposed to a rollback. */
export function isOperationStart(event: StackEvent): boolean {
  return (
    isStackEvent(event) &&
    OPERATION_START_STATUSES.has(event.ResourceStatus ?? '') &&
    event.ResourceStatusReason === 'User Initiated'
  );
}

/**
 * The resources that failed, in the order they failed. Failures CloudFormation
 * caused itself by cancelling the rest of an operation come last, and only
 * when nothing else failed: the first ones are the reasons.
 */
export function resourceFailures(events: StackEvent[]): ResourceFailure[] {
  const chronological = [...events].sort((a, b) => time(a) - time(b));
  const byResource = new Map<string, ResourceFailure>();
  for (const e of chronological) {
    if (isStackEvent(e) || !e.ResourceStatus?.endsWith('_FAILED')) continue;
    const id = e.LogicalResourceId ?? '?';
    if (byResource.has(id)) continue;
    byResource.set(id, {
      logicalId: id,
      type: e.ResourceType ?? '?',
      status: e.ResourceStatus,
      reason: e.ResourceStatusReason ?? 'no reason given',
    });
  }
  const all = [...byResource.values()];
  const causes = all.filter(f => !/cancel+ed/i.test(f.reason));
  return causes.length ? causes : all;
}

export function formatFailures(failures: ResourceFailure[]): string {
  return failures
    .map(f => `  - ${f.type} ${f.logicalId} ${f.status}: ${f.reason}`)
    .join('\n');
}

/**
 * Turns a stack's events into one log line per resource transition
 * (`[cluster 4m12s] AWS::EKS::Cluster Cluster CREATE_IN_PROGRESS`), and a
 * heartbeat while nothing changes.
 */
export class StackProgress {
  private readonly logged = new Set<string>();
  private readonly inProgress = new Map<string, string>();
  private resourcesSeen = false;
  private lastLineAt: number;

  constructor(
    private readonly label: string,
    private readonly logger: ProgressLogger,
    private readonly clock: Clock,
    /** When the operation started, for elapsed times. */
    readonly startedAt: number,
    private readonly heartbeatMs: number,
  ) {
    this.lastLineAt = clock.now();
  }

  elapsed(at: number = this.clock.now()): string {
    return formatElapsed(at - this.startedAt);
  }

  /** Logs the transitions among these events not logged yet (events in any order). */
  record(events: StackEvent[]): void {
    for (const e of [...events].sort((a, b) => time(a) - time(b))) {
      const id = e.LogicalResourceId ?? '?';
      const status = e.ResourceStatus ?? '?';
      if (!isStackEvent(e)) {
        this.resourcesSeen = true;
        if (isInProgress(status))
          this.inProgress.set(id, e.ResourceType ?? '?');
        else this.inProgress.delete(id);
      }
      const transition = `${id}\0${status}`;
      if (this.logged.has(transition)) continue;
      this.logged.add(transition);
      const reason =
        e.ResourceStatusReason && e.ResourceStatusReason !== 'User Initiated'
          ? ` - ${e.ResourceStatusReason}`
          : '';
      const line = `[${this.label} ${this.elapsed(time(e))}] ${
        e.ResourceType
      } ${id} ${status}${reason}`;
      if (status.endsWith('_FAILED')) this.logger.warn(line);
      else this.logger.info(line);
      this.lastLineAt = this.clock.now();
    }
  }

  /**
   * Every resource has finished but the stack has not said so yet: it will
   * within seconds (or start on the next resource), worth a closer look.
   */
  settling(): boolean {
    return this.resourcesSeen && this.inProgress.size === 0;
  }

  /** Says the stack is still busy when nothing was logged for a while. */
  heartbeat(stackStatus: string): void {
    const now = this.clock.now();
    if (now - this.lastLineAt < this.heartbeatMs) return;
    const busy = [...this.inProgress.entries()]
      .slice(0, 3)
      .map(([id, type]) => `${id} (${type})`);
    const more =
      this.inProgress.size > 3 ? `, +${this.inProgress.size - 3} more` : '';
    this.logger.info(
      `[${this.label} ${this.elapsed(now)}] still ${stackStatus}${
        busy.length ? `; waiting on ${busy.join(', ')}${more}` : ''
      }`,
    );
    this.lastLineAt = now;
  }
}
