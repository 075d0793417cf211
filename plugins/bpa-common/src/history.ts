/**
 * An environment's history, as `GET /api/bpa/environments/:namespace/:name/history`
 * answers it: the scaffolder tasks that ran BPA actions on it, newest first.
 */
export interface EnvironmentHistory {
  entityRef: string;
  environment: string;
  tasks: EnvironmentTask[];
  /** How many of the scaffolder's most recent tasks were looked at. */
  scanned: number;
}

export interface EnvironmentTask {
  taskId: string;
  /** ISO 8601. */
  createdAt: string;
  /** The user who started the task (entity ref), when the scaffolder recorded one. */
  createdBy?: string;
  /** The scaffolder's task status: open, processing, completed, failed, cancelled, skipped. */
  status: string;
  /** The template's title (or reference), e.g. "BPA environment on Amazon EKS". */
  template: string;
  /** What the task was asked to do: plan only, plan and apply, teardown, or the BPA actions a custom template ran. */
  what: string;
  /** ISO 8601: the last sign of life of a task that ran. */
  lastHeartbeatAt?: string;
  /** Whether the requester may open the task's page (`scaffolder.task.read`), as the history API answers. */
  canOpen?: boolean;
}
