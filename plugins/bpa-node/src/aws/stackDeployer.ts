import { createHash, randomBytes } from 'node:crypto';
import {
  Change,
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeChangeSetCommandOutput,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  Parameter,
  Stack,
  StackEvent,
} from '@aws-sdk/client-cloudformation';
import type { StackKind } from '@internal/backstage-plugin-bpa-common';
import { Clock, formatElapsed, systemClock } from './clock';
import {
  ProgressLogger,
  ResourceFailure,
  StackProgress,
  formatFailures,
  isInProgress,
  isOperationStart,
  isStackEvent,
  resourceFailures,
} from './stackEvents';
import { MAX_TEMPLATE_BODY_BYTES, deploymentHash } from './templateBody';

/** What a checkpoint may store: a flat JSON object. */
export type CheckpointValue = {
  [key: string]: string | number | boolean | null;
};

/**
 * Runs a mutation once per key: the scaffolder's `ctx.checkpoint`, so a
 * resumed task does not repeat what already succeeded.
 */
export type Checkpoint = <T extends CheckpointValue>(
  key: string,
  fn: () => Promise<T>,
) => Promise<T>;

const runDirectly: Checkpoint = (_key, fn) => fn();

/** One stack to create or update. */
export interface StackRequest {
  /** Environment name; prefixes checkpoint keys. */
  environment: string;
  kind: StackKind;
  stackName: string;
  templateBody: string;
  /** Parameter values; parameters left out take the template's default. */
  parameters: Record<string, string>;
  /** Parameters that keep their deployed value (an update of the deployed template). */
  previousParameters?: string[];
  /** Stack tags; CloudFormation copies them to every resource that takes tags. */
  tags: Record<string, string>;
}

/** What `start` did: a plain object, so actions can output it and `wait` can take it back. */
export interface StackDeployment {
  kind: StackKind;
  stackName: string;
  stackId: string | null;
  /** `unchanged`: the stack already matched, nothing was started. */
  change: 'create' | 'update' | 'unchanged';
  /**
   * The request token of the operation this run started: its events carry
   * it, so a wait never mistakes the previous operation for this one. Null
   * when the operation was started by an earlier run.
   */
  token: string | null;
}

/** A stack once its operation has finished. */
export interface StackResult {
  kind: StackKind;
  stackName: string;
  stackId: string | null;
  status: string;
  /** Stack outputs by key; values that look like secrets are left out. */
  outputs: Record<string, string>;
}

/** A stack operation that ended badly; names the failed resources and their reasons. */
export class StackOperationError extends Error {
  constructor(
    readonly stackName: string,
    readonly status: string,
    readonly failures: ResourceFailure[],
    message: string,
  ) {
    super(message);
    this.name = 'StackOperationError';
  }
}

/** A stack that did not finish in time; it keeps going in AWS. */
export class StackWaitTimeoutError extends Error {
  constructor(stackName: string, status: string, waitedMs: number) {
    super(
      `Timed out after ${formatElapsed(
        waitedMs,
      )} waiting for stack ${stackName} (still ${status}). CloudFormation keeps working on it; run the task again to keep waiting, or look at the stack's events in the AWS console.`,
    );
    this.name = 'StackWaitTimeoutError';
  }
}

/** How long each stack may take, create or delete. EKS is the slow one. */
export const DEFAULT_STACK_TIMEOUTS_MS: Record<StackKind, number> = {
  network: 30 * 60_000,
  cluster: 40 * 60_000,
  data: 60 * 60_000,
  registry: 10 * 60_000,
  edge: 20 * 60_000,
};

export interface StackDeployerOptions {
  cloudFormation: CloudFormationClient;
  logger: ProgressLogger;
  checkpoint?: Checkpoint;
  clock?: Clock;
  /** Between two looks at a stack's events. Default 20 s. */
  pollIntervalMs?: number;
  /** A "still in progress" line at most this often while nothing changes. Default 60 s. */
  heartbeatMs?: number;
  timeoutsMs?: Partial<Record<StackKind, number>>;
  signal?: AbortSignal;
}

const SUCCESS_STATUSES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'IMPORT_COMPLETE',
]);

const ROLLING_BACK = new Set([
  'ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_IN_PROGRESS',
  'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
]);

/** States CloudFormation refuses to update, with what the user can do. */
const STUCK_STATUSES: Record<string, string> = {
  ROLLBACK_FAILED:
    'its creation failed and so did the rollback; delete the stack in the AWS console (retaining what cannot be deleted) and run the task again',
  DELETE_FAILED:
    'a teardown could not delete it; finish the teardown (or delete it in the AWS console) before deploying it again',
  UPDATE_ROLLBACK_FAILED:
    'an update failed and so did its rollback; continue the rollback (ContinueUpdateRollback in the AWS console) and run the task again',
};

/** What to do about a stack an operation left in this state. */
const FAILURE_HINTS: Record<string, string> = {
  ROLLBACK_COMPLETE:
    'The stack was rolled back and CloudFormation cannot update it: fix the cause, then run again with replaceRolledBackStacks: true to delete it and create it anew.',
  UPDATE_ROLLBACK_COMPLETE:
    'The stack was rolled back to its previous state; fix the cause and run again.',
};

/** Change sets take seconds: a look every 3 s for the first minute, then every 10 s; refused after 10 minutes. */
const CHANGE_SET_POLL_MS = 3_000;
const CHANGE_SET_SLOW_POLL_MS = 10_000;
const CHANGE_SET_TIMEOUT_MS = 10 * 60_000;
/** The look after every resource of an operation has finished: the stack ends within seconds. */
const SETTLING_POLL_MS = 5_000;
/** Event pages read back to find where the current operation began. */
const MAX_EVENT_PAGES = 20;

const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
/** Outputs never echoed: anything that looks like a credential (ARNs and names of secrets are fine). */
const SECRET_OUTPUT =
  /password|secret(?!arn|name|id)|privatekey|token|accesskey/i;

const shortHash = (text: string) =>
  createHash('sha256').update(text).digest('hex').slice(0, 10);

const iso = (d?: Date) => (d ? new Date(d).toISOString() : '');

/**
 * Changes whenever the stack starts or finishes an operation, so a checkpoint
 * taken in one state is not replayed in another. A stack in
 * REVIEW_IN_PROGRESS was never created (CreateChangeSet made it to hold a
 * change set): it is still new, so a create interrupted after its change set
 * was made finds the same keys, and that change set, again.
 */
function stackGeneration(stack: Stack | undefined): string {
  if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') return 'new';
  return shortHash(
    [
      stack.StackId,
      iso(stack.CreationTime),
      iso(stack.LastUpdatedTime),
      iso(stack.DeletionTime),
      stack.StackStatus,
    ].join('|'),
  );
}

function isMissingStack(error: unknown): boolean {
  const e = error as { name?: string; message?: string };
  return (
    e?.name === 'ValidationError' && /does not exist/i.test(e.message ?? '')
  );
}

function isMissingChangeSet(error: unknown): boolean {
  return (error as { name?: string })?.name === 'ChangeSetNotFoundException';
}

/** Wraps an SDK failure with the call and the stack it was about. */
function callFailed(call: string, stackName: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new Error(
    `CloudFormation ${call} for stack ${stackName} failed: ${message}`,
  );
  wrapped.name = (error as { name?: string })?.name ?? 'Error';
  return wrapped;
}

/** A stack as CloudFormation has it now, or undefined when there is none (never created, or deleted). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackRef: string,
): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(
      new DescribeStacksCommand({ StackName: stackRef }),
    );
    return out.Stacks?.[0];
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw callFailed('DescribeStacks', stackRef, error);
  }
}

export function stackOutputs(stack: Stack | undefined): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const o of stack?.Outputs ?? []) {
    if (!o.OutputKey || o.OutputValue === undefined) continue;
    if (SECRET_OUTPUT.test(o.OutputKey)) continue;
    outputs[o.OutputKey] = o.OutputValue;
  }
  return outputs;
}

/**
 * Creates, updates and deletes one environment's CloudFormation stacks:
 * change sets for every create and update (an empty one is a no-op), stack
 * events as the progress log, failures named by resource.
 */
export class StackDeployer {
  private readonly cfn: CloudFormationClient;
  private readonly logger: ProgressLogger;
  private readonly checkpoint: Checkpoint;
  private readonly clock: Clock;
  private readonly pollIntervalMs: number;
  private readonly heartbeatMs: number;
  private readonly timeoutsMs: Record<StackKind, number>;
  private readonly signal?: AbortSignal;

  constructor(options: StackDeployerOptions) {
    this.cfn = options.cloudFormation;
    this.logger = options.logger;
    this.checkpoint = options.checkpoint ?? runDirectly;
    this.clock = options.clock ?? systemClock;
    this.pollIntervalMs = options.pollIntervalMs ?? 20_000;
    this.heartbeatMs = options.heartbeatMs ?? 60_000;
    this.timeoutsMs = { ...DEFAULT_STACK_TIMEOUTS_MS, ...options.timeoutsMs };
    this.signal = options.signal;
  }

  /** The stack as CloudFormation has it now, or undefined when there is none. */
  describe(stackRef: string): Promise<Stack | undefined> {
    return describeStack(this.cfn, stackRef);
  }

  /** Creates or updates the stack and waits for it. */
  async deploy(
    request: StackRequest,
    options: { replaceRolledBack?: boolean } = {},
  ): Promise<StackResult> {
    return this.wait(await this.start(request, options));
  }

  /**
   * Starts creating or updating the stack through a change set and returns
   * without waiting. Does nothing when the change set is empty, and takes
   * over an operation an earlier run already started.
   */
  async start(
    request: StackRequest,
    options: { replaceRolledBack?: boolean } = {},
  ): Promise<StackDeployment> {
    const { kind, stackName } = request;
    if (
      Buffer.byteLength(request.templateBody, 'utf8') > MAX_TEMPLATE_BODY_BYTES
    ) {
      throw new Error(
        `The ${kind} template is larger than CloudFormation's ${MAX_TEMPLATE_BODY_BYTES}-byte limit for inline templates`,
      );
    }
    let stack = await this.describe(stackName);
    if (stack && ROLLING_BACK.has(stack.StackStatus ?? '')) {
      this.logger.info(
        `[${kind}] ${stackName} is ${stack.StackStatus} from an earlier attempt; waiting for it to settle`,
      );
      await this.waitFor(
        { kind, stackName, stackId: stack.StackId ?? null },
        'settle',
      );
      stack = await this.describe(stack.StackId ?? stackName);
    }
    const status = stack?.StackStatus ?? '';
    if (status === 'DELETE_IN_PROGRESS') {
      throw new Error(
        `Stack ${stackName} is being deleted; let the teardown finish before deploying it again`,
      );
    }
    if (isInProgress(status) && status !== 'REVIEW_IN_PROGRESS') {
      this.logger.info(
        `[${kind}] ${stackName} is already ${status} (started by an earlier run); waiting on that operation`,
      );
      return {
        kind,
        stackName,
        stackId: stack?.StackId ?? null,
        change: status.startsWith('CREATE') ? 'create' : 'update',
        token: null,
      };
    }
    if (STUCK_STATUSES[status]) {
      throw new Error(
        `Stack ${stackName} is ${status}: ${STUCK_STATUSES[status]}.`,
      );
    }
    if (status === 'ROLLBACK_COMPLETE') {
      await this.replaceRolledBack(
        request,
        stack!,
        options.replaceRolledBack ?? false,
      );
      stack = undefined;
    }

    const hash = deploymentHash(
      request.templateBody,
      request.parameters,
      request.tags,
    );
    const generation = stackGeneration(stack);
    const base = `bpa:${request.environment}:${kind}:${hash}`;
    // The change set's name is chosen once per task and stack state, before
    // it is created: a retry finds the change set it made, while another
    // task applying the same template (A, then B, then A again) makes a
    // change set of its own.
    const { changeSetName } = await this.checkpoint(
      `${base}:change-set:${generation}`,
      async () => ({
        changeSetName: `bpa-${hash}-${randomBytes(4).toString('hex')}`,
      }),
    );
    let key = `${base}:deploy:${generation}`;
    let ran = false;
    const createAndExecute = () => {
      ran = true;
      return this.createAndExecute(request, stack, hash, changeSetName);
    };
    let result = await this.checkpoint(key, createAndExecute);
    // A stored start of another stack of this name (deleted after a rollback): that start is history.
    while (!ran && result.stackId && result.stackId !== stack?.StackId) {
      key = `${key}:after:${shortHash(result.stackId)}`;
      result = await this.checkpoint(key, createAndExecute);
    }
    return {
      kind,
      stackName,
      stackId: result.stackId,
      change: result.change as StackDeployment['change'],
      token: result.token,
    };
  }

  /** Waits for a started deployment; returns the stack's outputs, or throws naming the failed resources. */
  async wait(
    deployment: StackDeployment,
    options: { timeoutMs?: number } = {},
  ): Promise<StackResult> {
    const ref = deployment.stackId ?? deployment.stackName;
    if (deployment.change === 'unchanged') {
      const stack = await this.describe(ref);
      return {
        kind: deployment.kind,
        stackName: deployment.stackName,
        stackId: stack?.StackId ?? deployment.stackId,
        status: stack?.StackStatus ?? 'UNKNOWN',
        outputs: stackOutputs(stack),
      };
    }
    return this.waitFor(deployment, 'deploy', options.timeoutMs);
  }

  /**
   * Starts deleting the stack. Returns undefined when there is no such stack
   * (deleted already): tearing down twice is fine.
   */
  async startDelete(target: {
    environment: string;
    kind: StackKind;
    stackName: string;
  }): Promise<StackDeployment | undefined> {
    const { kind, stackName } = target;
    const stack = await this.describe(stackName);
    if (!stack) {
      this.logger.info(
        `[${kind}] ${stackName} does not exist (deleted already)`,
      );
      return undefined;
    }
    const status = stack.StackStatus ?? '';
    if (status === 'DELETE_IN_PROGRESS') {
      this.logger.info(
        `[${kind}] ${stackName} is already being deleted; waiting on it`,
      );
      return {
        kind,
        stackName,
        stackId: stack.StackId ?? null,
        change: 'update',
        token: null,
      };
    }
    if (isInProgress(status) && status !== 'REVIEW_IN_PROGRESS') {
      throw new Error(
        `Stack ${stackName} is ${status}; wait for that operation to finish before tearing it down`,
      );
    }
    const generation = stackGeneration(stack);
    const token = `bpa-delete-${generation}`;
    await this.checkpoint(
      `bpa:${target.environment}:${kind}:delete:${generation}`,
      async () => {
        try {
          // By id, so a retried call cannot hit a newer stack of the same name.
          await this.cfn.send(
            new DeleteStackCommand({
              StackName: stack.StackId,
              ClientRequestToken: token,
            }),
          );
        } catch (error) {
          throw callFailed('DeleteStack', stackName, error);
        }
        this.logger.info(`[${kind}] deleting ${stackName}`);
        return { stackId: stack.StackId ?? null };
      },
    );
    return {
      kind,
      stackName,
      stackId: stack.StackId ?? null,
      change: 'update',
      token,
    };
  }

  /** Waits until a deletion is complete; throws naming the resources CloudFormation could not delete. */
  async waitForDelete(
    deletion: StackDeployment,
    options: { timeoutMs?: number } = {},
  ): Promise<StackResult> {
    return this.waitFor(deletion, 'delete', options.timeoutMs);
  }

  private async replaceRolledBack(
    request: StackRequest,
    stack: Stack,
    allowed: boolean,
  ): Promise<void> {
    const { kind, stackName } = request;
    const earlier = resourceFailures(
      await this.operationEvents(stack.StackId ?? stackName),
    );
    const why = earlier.length
      ? ` Its creation failed:\n${formatFailures(earlier)}\n`
      : ' ';
    if (!allowed) {
      throw new StackOperationError(
        stackName,
        'ROLLBACK_COMPLETE',
        earlier,
        `Stack ${stackName} is in ROLLBACK_COMPLETE: an earlier attempt to create it failed and was rolled back, and CloudFormation cannot update such a stack.${why}Fix the cause, then run again with replaceRolledBackStacks: true to delete the empty stack and create it anew.`,
      );
    }
    this.logger.info(
      `[${kind}] ${stackName} is in ROLLBACK_COMPLETE; deleting it to create it again`,
    );
    const deletion = await this.startDelete(request);
    if (deletion) await this.waitForDelete(deletion);
  }

  private async createAndExecute(
    request: StackRequest,
    stack: Stack | undefined,
    hash: string,
    changeSetName: string,
  ): Promise<{ stackId: string | null; change: string; token: string | null }> {
    const { kind, stackName } = request;
    const changeSetType =
      !stack || stack.StackStatus === 'REVIEW_IN_PROGRESS'
        ? 'CREATE'
        : 'UPDATE';

    // A stack that does not exist has no change sets to take over.
    let existing = stack
      ? await this.describeChangeSet(stackName, changeSetName)
      : undefined;
    if (
      existing &&
      !['CREATE_PENDING', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'].includes(
        existing.Status ?? '',
      )
    ) {
      await this.deleteChangeSet(stackName, changeSetName);
      existing = undefined;
    }
    if (!existing) {
      const parameters: Parameter[] = [
        ...Object.entries(request.parameters).map(
          ([ParameterKey, ParameterValue]) => ({
            ParameterKey,
            ParameterValue,
          }),
        ),
        ...(request.previousParameters ?? []).map(ParameterKey => ({
          ParameterKey,
          UsePreviousValue: true,
        })),
      ];
      try {
        await this.cfn.send(
          new CreateChangeSetCommand({
            StackName: stackName,
            ChangeSetName: changeSetName,
            ChangeSetType: changeSetType,
            Description: `BPA ${request.environment} ${kind} ${hash}`,
            TemplateBody: request.templateBody,
            Parameters: parameters,
            Tags: Object.entries(request.tags).map(([Key, Value]) => ({
              Key,
              Value,
            })),
            Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
            ClientToken: changeSetName,
          }),
        );
      } catch (error) {
        throw callFailed('CreateChangeSet', stackName, error);
      }
    }

    const changeSet = await this.waitForChangeSet(
      kind,
      stackName,
      changeSetName,
    );
    if (changeSet.Status === 'FAILED') {
      if (NO_CHANGES.test(changeSet.StatusReason ?? '')) {
        await this.deleteChangeSet(stackName, changeSetName);
        this.logger.info(
          `[${kind}] ${stackName}: no changes, the stack already matches the plan`,
        );
        return {
          stackId: changeSet.StackId ?? stack?.StackId ?? null,
          change: 'unchanged',
          token: null,
        };
      }
      throw new Error(
        `CloudFormation refused the change set for stack ${stackName}: ${
          changeSet.StatusReason ?? 'no reason given'
        }`,
      );
    }
    this.logChanges(kind, stackName, changeSet.Changes ?? []);
    // One token per change set (its id is new each time one is created), so
    // a retried call is recognised and no other execution ever reuses it.
    const token = `${changeSetName}-${shortHash(
      changeSet.ChangeSetId ?? changeSetName,
    )}`;
    try {
      await this.cfn.send(
        new ExecuteChangeSetCommand({
          StackName: stackName,
          ChangeSetName: changeSetName,
          ClientRequestToken: token,
        }),
      );
    } catch (error) {
      throw callFailed('ExecuteChangeSet', stackName, error);
    }
    this.logger.info(
      `[${kind}] ${
        changeSetType === 'CREATE' ? 'creating' : 'updating'
      } ${stackName} (change set ${changeSetName})`,
    );
    return {
      stackId: changeSet.StackId ?? null,
      change: changeSetType.toLowerCase(),
      token,
    };
  }

  private async describeChangeSet(
    stackName: string,
    changeSetName: string,
  ): Promise<DescribeChangeSetCommandOutput | undefined> {
    const pages: DescribeChangeSetCommandOutput[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await this.cfn.send(
          new DescribeChangeSetCommand({
            StackName: stackName,
            ChangeSetName: changeSetName,
            NextToken: token,
          }),
        );
        pages.push(page);
        // Only a finished change set has all its changes; pending ones are polled again.
        token = page.Status === 'CREATE_COMPLETE' ? page.NextToken : undefined;
      } while (token);
    } catch (error) {
      if (isMissingChangeSet(error) || isMissingStack(error)) return undefined;
      throw callFailed('DescribeChangeSet', stackName, error);
    }
    return { ...pages[0], Changes: pages.flatMap(p => p.Changes ?? []) };
  }

  private async deleteChangeSet(stackName: string, changeSetName: string) {
    try {
      await this.cfn.send(
        new DeleteChangeSetCommand({
          StackName: stackName,
          ChangeSetName: changeSetName,
        }),
      );
    } catch (error) {
      if (!isMissingChangeSet(error))
        throw callFailed('DeleteChangeSet', stackName, error);
    }
  }

  private async waitForChangeSet(
    kind: StackKind,
    stackName: string,
    changeSetName: string,
  ): Promise<DescribeChangeSetCommandOutput> {
    const startedAt = this.clock.now();
    for (;;) {
      const changeSet = await this.describeChangeSet(stackName, changeSetName);
      if (!changeSet) {
        throw new Error(
          `Change set ${changeSetName} of stack ${stackName} disappeared while it was being created`,
        );
      }
      if (
        changeSet.Status !== 'CREATE_PENDING' &&
        changeSet.Status !== 'CREATE_IN_PROGRESS'
      ) {
        return changeSet;
      }
      const waited = this.clock.now() - startedAt;
      if (waited > CHANGE_SET_TIMEOUT_MS) {
        throw new Error(
          `[${kind}] CloudFormation did not finish the change set ${changeSetName} of ${stackName} within 10 minutes`,
        );
      }
      await this.clock.sleep(
        waited < 60_000 ? CHANGE_SET_POLL_MS : CHANGE_SET_SLOW_POLL_MS,
        this.signal,
      );
    }
  }

  private logChanges(kind: StackKind, stackName: string, changes: Change[]) {
    const count = (action: string) =>
      changes.filter(c => c.ResourceChange?.Action === action).length;
    this.logger.info(
      `[${kind}] ${stackName}: ${count('Add')} to add, ${count(
        'Modify',
      )} to modify, ${count('Remove')} to remove`,
    );
    for (const c of changes) {
      const r = c.ResourceChange;
      if (
        r?.Action === 'Modify' &&
        (r.Replacement === 'True' || r.Replacement === 'Conditional')
      ) {
        this.logger.warn(
          `[${kind}] ${r.ResourceType} ${r.LogicalResourceId} will be replaced${
            r.Replacement === 'Conditional' ? ' (conditionally)' : ''
          }`,
        );
      }
      if (r?.Action === 'Remove') {
        this.logger.warn(
          `[${kind}] ${r.ResourceType} ${r.LogicalResourceId} will be removed`,
        );
      }
    }
  }

  /** The events of the stack's latest operation, newest first (for the reasons of an earlier failure). */
  private async operationEvents(stackRef: string): Promise<StackEvent[]> {
    const events = await this.eventsSince(stackRef, undefined);
    return events === 'missing' ? [] : events;
  }

  /**
   * Events newer than `cursor` (an event id), newest first. Without a
   * cursor, reads back to the start of the latest operation.
   */
  private async eventsSince(
    stackRef: string,
    cursor: string | undefined,
  ): Promise<StackEvent[] | 'missing'> {
    const events: StackEvent[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_EVENT_PAGES; page++) {
      let out;
      try {
        out = await this.cfn.send(
          new DescribeStackEventsCommand({
            StackName: stackRef,
            NextToken: token,
          }),
        );
      } catch (error) {
        if (isMissingStack(error)) return 'missing';
        throw callFailed('DescribeStackEvents', stackRef, error);
      }
      for (const event of out.StackEvents ?? []) {
        if (cursor && event.EventId === cursor) return events;
        events.push(event);
        if (!cursor && isOperationStart(event)) return events;
      }
      token = out.NextToken;
      if (!token) return events;
    }
    return events;
  }

  /**
   * Follows the stack's current operation through its events until it ends.
   * `settle` accepts any end (waiting out a rollback before deploying).
   */
  private async waitFor(
    target: {
      kind: StackKind;
      stackName: string;
      stackId: string | null;
      token?: string | null;
    },
    mode: 'deploy' | 'delete' | 'settle',
    timeoutMs: number = this.timeoutsMs[target.kind],
  ): Promise<StackResult> {
    const { kind, stackName } = target;
    const ref = target.stackId ?? stackName;
    const waitStartedAt = this.clock.now();
    const operationEvents: StackEvent[] = [];
    let progress: StackProgress | undefined;
    let cursor: string | undefined;
    let status: string | undefined;

    for (;;) {
      const fresh = await this.eventsSince(ref, cursor);
      if (fresh === 'missing') {
        if (mode === 'delete') {
          return {
            kind,
            stackName,
            stackId: target.stackId,
            status: 'DELETE_COMPLETE',
            outputs: {},
          };
        }
        throw new Error(`Stack ${stackName} does not exist`);
      }
      if (!progress) {
        const start = fresh.find(isOperationStart);
        if (target.token && start?.ClientRequestToken !== target.token) {
          // This run's operation has not reached the event log yet: what is there is the previous one.
          if (this.clock.now() - waitStartedAt > timeoutMs) {
            throw new StackWaitTimeoutError(
              stackName,
              'not started',
              this.clock.now() - waitStartedAt,
            );
          }
          await this.clock.sleep(this.pollIntervalMs, this.signal);
          continue;
        }
        progress = new StackProgress(
          kind,
          this.logger,
          this.clock,
          start?.Timestamp
            ? new Date(start.Timestamp).getTime()
            : waitStartedAt,
          this.heartbeatMs,
        );
      }
      if (fresh.length) cursor = fresh[0].EventId;
      operationEvents.push(...fresh);
      progress.record(fresh);
      status = fresh.find(isStackEvent)?.ResourceStatus ?? status;
      if (status === undefined) {
        status = (await this.describe(ref))?.StackStatus ?? 'UNKNOWN';
      }
      if (!isInProgress(status)) break;
      if (this.clock.now() - waitStartedAt > timeoutMs) {
        throw new StackWaitTimeoutError(
          stackName,
          status,
          this.clock.now() - waitStartedAt,
        );
      }
      progress.heartbeat(status);
      await this.clock.sleep(
        progress.settling()
          ? Math.min(SETTLING_POLL_MS, this.pollIntervalMs)
          : this.pollIntervalMs,
        this.signal,
      );
    }

    const stack = await this.describe(ref);
    const finalStatus = stack?.StackStatus ?? status;
    const succeeded =
      mode === 'settle' ||
      (mode === 'delete'
        ? finalStatus === 'DELETE_COMPLETE'
        : SUCCESS_STATUSES.has(finalStatus));
    if (!succeeded) {
      throw this.operationFailed(
        stackName,
        finalStatus,
        operationEvents,
        progress.elapsed(),
        mode,
      );
    }
    return {
      kind,
      stackName,
      stackId: stack?.StackId ?? target.stackId,
      status: finalStatus,
      outputs: mode === 'delete' ? {} : stackOutputs(stack),
    };
  }

  private operationFailed(
    stackName: string,
    status: string,
    events: StackEvent[],
    elapsed: string,
    mode: 'deploy' | 'delete' | 'settle',
  ): StackOperationError {
    const failures = resourceFailures(events);
    const what = mode === 'delete' ? 'Deleting' : 'Deploying';
    const hint = FAILURE_HINTS[status] ? `\n${FAILURE_HINTS[status]}` : '';
    return new StackOperationError(
      stackName,
      status,
      failures,
      `${what} stack ${stackName} failed after ${elapsed}: it is ${status}.${
        failures.length
          ? `\nFailed resources:\n${formatFailures(failures)}`
          : ''
      }${hint}`,
    );
  }
}
