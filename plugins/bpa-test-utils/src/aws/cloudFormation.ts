import {
  AlreadyExistsException,
  Change,
  ChangeSetNotFoundException,
  CloudFormationServiceException,
  CreateChangeSetCommandInput,
  DeleteChangeSetCommandInput,
  DeleteStackCommandInput,
  DescribeChangeSetCommandInput,
  DescribeChangeSetCommandOutput,
  DescribeStackEventsCommandInput,
  DescribeStacksCommandInput,
  ExecuteChangeSetCommandInput,
  GetTemplateCommandInput,
  InvalidChangeSetStatusException,
  Stack,
  StackEvent,
  TokenAlreadyExistsException,
} from '@aws-sdk/client-cloudformation';
import {
  ParsedTemplate,
  TemplateResource,
  parseTemplateBody,
} from '@internal/backstage-plugin-bpa-node';
import { SimulatedAwsOptions, SimulatedTimings } from './options';

interface Deployed {
  body: string;
  template: ParsedTemplate;
  parameters: Record<string, string>;
  tags: Record<string, string>;
}

interface SimChangeSet {
  name: string;
  id: string;
  type: 'CREATE' | 'UPDATE';
  token?: string;
  readyAt: number;
  /** Set once executed: CloudFormation keeps the executed change set (and deletes the others). */
  executed?: boolean;
  outcome: {
    status: 'CREATE_COMPLETE' | 'FAILED';
    reason?: string;
    changes: Change[];
  };
  target: Deployed;
}

interface SimStack {
  stackId: string;
  stackName: string;
  creationTime: Date;
  lastUpdatedTime?: Date;
  deletionTime?: Date;
  deleted: boolean;
  deployed?: Deployed;
  events: StackEvent[];
  scheduled: { at: number; event?: StackEvent; effect?: () => void }[];
  changeSets: Map<string, SimChangeSet>;
  /** Client request tokens of the stack operations started so far, with the request each was for. */
  tokens: Map<string, string>;
  /** Logical ids of repositories that hold images. */
  imagesIn: Set<string>;
}

const DEFAULT_TIMINGS: SimulatedTimings = {
  create: 60_000,
  update: 30_000,
  delete: 30_000,
};
const EVENTS_PAGE = 100;
/** How long after its last resource a stack completes; at most a tenth of the operation (scaled timings). */
const STACK_SETTLE_MS = 2_000;
const settleMs = (duration: number) => Math.min(STACK_SETTLE_MS, duration / 10);
const UPDATABLE = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
]);

function validationError(message: string) {
  return new CloudFormationServiceException({
    name: 'ValidationError',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

/** Every `Fn::ImportValue` name in a template. */
function importNames(
  value: unknown,
  into: Set<string> = new Set(),
): Set<string> {
  if (Array.isArray(value)) value.forEach(v => importNames(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Fn::ImportValue' && typeof v === 'string') into.add(v);
      else importNames(v, into);
    }
  }
  return into;
}

function exportsOf(template: ParsedTemplate): { key: string; name: string }[] {
  const outputs = (template.document.Outputs ?? {}) as Record<
    string,
    { Export?: { Name?: unknown } }
  >;
  return Object.entries(outputs)
    .filter(([, o]) => typeof o.Export?.Name === 'string')
    .map(([key, o]) => ({ key, name: o.Export!.Name as string }));
}

/**
 * A CloudFormation that behaves like the real one closely enough for the
 * deployer: change sets that find changes or none, stacks whose status and
 * events move with the clock, rollbacks, exports other stacks import,
 * deletion policies, deletion protection, repositories that refuse to go
 * while they hold images.
 */
export class SimulatedCloudFormation {
  private readonly stacks: SimStack[] = [];
  private readonly failures = new Map<
    string,
    { logicalId: string; reason: string }
  >();
  private counter = 0;
  private readonly outputValues = new Map<string, string>();
  /** Final snapshots RDS took when a stack deleted its database. */
  readonly finalSnapshots: Array<{
    stackName: string;
    logicalId: string;
    instanceIdentifier: string;
    at: Date;
  }> = [];
  private readonly createdListeners: Array<
    (template: ParsedTemplate, logicalId: string) => void
  > = [];

  /** The names of the final snapshots, in the order they were taken. */
  get snapshots(): string[] {
    return this.finalSnapshots.map(
      s => `${s.stackName}-${s.logicalId}-snapshot`,
    );
  }

  /** Called as each resource of a stack being created completes (what the services do on their side). */
  onResourceCreated(
    listener: (template: ParsedTemplate, logicalId: string) => void,
  ) {
    this.createdListeners.push(listener);
  }

  constructor(private readonly options: SimulatedAwsOptions) {}

  private now() {
    return this.options.clock.now();
  }

  private timings(stackName: string): SimulatedTimings {
    return {
      ...(this.options.defaultTimings ?? DEFAULT_TIMINGS),
      ...this.options.timings?.[stackName],
    };
  }

  /** The next create or update of this stack fails at this resource. */
  failNextOperation(stackName: string, logicalId: string, reason: string) {
    this.failures.set(stackName, { logicalId, reason });
  }

  /** Pushes images into a repository of a deployed stack. */
  putImages(stackName: string, logicalId: string) {
    this.live(stackName)!.imagesIn.add(logicalId);
  }

  /** The stack's status right now (undefined when there is none). */
  status(stackName: string): string | undefined {
    const s = this.live(stackName);
    return s ? this.statusOf(s) : undefined;
  }

  /** Every event of a live stack so far, oldest first. */
  events(stackName: string): StackEvent[] {
    return [...(this.live(stackName)?.events ?? [])];
  }

  /** Names of the stacks that exist (not deleted), with their status. */
  liveStacks(): Array<{ stackName: string; status: string }> {
    this.advance();
    return this.stacks
      .filter(s => !s.deleted)
      .map(s => ({ stackName: s.stackName, status: this.statusOf(s) }));
  }

  /** The template body deployed on a live stack. */
  deployedBody(stackName: string): string | undefined {
    return this.live(stackName)?.deployed?.body;
  }

  /** The resources of one type the live stacks hold. */
  liveResources(type: string): TemplateResource[] {
    this.advance();
    return this.stacks
      .filter(s => !s.deleted && s.deployed)
      .flatMap(s =>
        Object.values(s.deployed!.template.resources).filter(
          r => r.Type === type,
        ),
      );
  }

  /** The EKS clusters of the stacks whose creation completed: name and Kubernetes version. */
  eksClusters(): Array<{ name: string; version?: string; stackId: string }> {
    this.advance();
    return this.stacks
      .filter(s => !s.deleted && s.deployed)
      .flatMap(s =>
        Object.values(s.deployed!.template.resources)
          .filter(r => r.Type === 'AWS::EKS::Cluster')
          .map(r => ({
            name: r.Properties?.Name as string,
            version: r.Properties?.Version as string | undefined,
            stackId: s.stackId,
          })),
      );
  }

  /** The EKS node groups the live stacks hold, with their cluster's name. */
  nodegroups(): Array<{ cluster: string; name: string; stackId: string }> {
    this.advance();
    return this.stacks
      .filter(s => !s.deleted && s.deployed)
      .flatMap(s => {
        const resources = s.deployed!.template.resources;
        const clusterName = (value: unknown) => {
          const ref = (value as { Ref?: string } | undefined)?.Ref;
          return (ref ? resources[ref]?.Properties?.Name : value) as string;
        };
        return Object.values(resources)
          .filter(r => r.Type === 'AWS::EKS::Nodegroup')
          .map(r => ({
            cluster: clusterName(r.Properties?.ClusterName),
            name: r.Properties?.NodegroupName as string,
            stackId: s.stackId,
          }));
      });
  }

  /** The resources of one type in the live stacks, with their stack's name and status. */
  resourcesOfType(
    type: string,
  ): Array<{
    stackName: string;
    status: string;
    properties: Record<string, unknown>;
  }> {
    this.advance();
    return this.stacks
      .filter(s => !s.deleted && s.deployed)
      .flatMap(s =>
        Object.values(s.deployed!.template.resources)
          .filter(r => r.Type === type)
          .map(r => ({
            stackName: s.stackName,
            status: this.statusOf(s),
            properties: (r.Properties ?? {}) as Record<string, unknown>,
          })),
      );
  }

  private live(ref: string): SimStack | undefined {
    this.advance();
    return this.stacks.find(
      s => !s.deleted && (s.stackName === ref || s.stackId === ref),
    );
  }

  private byRef(ref: string): SimStack | undefined {
    this.advance();
    return (
      this.stacks.find(s => s.stackId === ref) ??
      this.stacks.find(s => !s.deleted && s.stackName === ref)
    );
  }

  private statusOf(stack: SimStack): string {
    for (let i = stack.events.length - 1; i >= 0; i--) {
      const e = stack.events[i];
      if (
        e.LogicalResourceId === stack.stackName &&
        e.ResourceType === 'AWS::CloudFormation::Stack'
      ) {
        return e.ResourceStatus!;
      }
    }
    return 'UNKNOWN';
  }

  /** Stacks whose operation (of a kind, or any) may not end until released. */
  private readonly held = new Map<
    string,
    'CREATE' | 'UPDATE' | 'DELETE' | undefined
  >();

  /**
   * Keeps the stack's operation from ending (its resources go on; the
   * stack's own final event waits): a test decides when it is done. With
   * `operation`, only an operation of that kind is held (a teardown
   * updates a stack before it deletes it).
   */
  hold(stackName: string, operation?: 'CREATE' | 'UPDATE' | 'DELETE') {
    this.held.set(stackName, operation);
  }

  /** Lets it end: at once if its time has passed meanwhile. */
  release(stackName: string) {
    this.held.delete(stackName);
  }

  /** Moves every scheduled event and effect whose time has come into the stack. */
  private advance() {
    const now = this.now();
    for (const stack of this.stacks) {
      stack.scheduled.sort((a, b) => a.at - b.at);
      while (stack.scheduled.length && stack.scheduled[0].at <= now) {
        if (
          this.held.has(stack.stackName) &&
          this.ends(stack, stack.scheduled[0]) &&
          String(stack.scheduled[0].event?.ResourceStatus).startsWith(
            this.held.get(stack.stackName) ?? '',
          )
        )
          break;
        const next = stack.scheduled.shift()!;
        if (next.event) stack.events.push(next.event);
        next.effect?.();
      }
    }
  }

  /** Whether a scheduled item is the stack's own final event (`CREATE_COMPLETE`, `ROLLBACK_COMPLETE`…). */
  private ends(stack: SimStack, item: SimStack['scheduled'][number]) {
    const e = item.event;
    return (
      !!e &&
      e.LogicalResourceId === stack.stackName &&
      e.ResourceType === 'AWS::CloudFormation::Stack' &&
      !String(e.ResourceStatus).endsWith('_IN_PROGRESS')
    );
  }

  private event(
    stack: SimStack,
    at: number,
    logicalId: string,
    type: string,
    status: string,
    reason?: string,
    token?: string,
  ): { at: number; event: StackEvent } {
    this.counter += 1;
    return {
      at,
      event: {
        StackId: stack.stackId,
        StackName: stack.stackName,
        EventId: `event-${this.counter}`,
        LogicalResourceId: logicalId,
        PhysicalResourceId:
          logicalId === stack.stackName
            ? stack.stackId
            : `${logicalId.toLowerCase()}-${this.counter}`,
        ResourceType: type,
        ResourceStatus: status as StackEvent['ResourceStatus'],
        ResourceStatusReason: reason,
        Timestamp: new Date(at),
        ClientRequestToken: token,
      },
    };
  }

  private stackEvent(
    stack: SimStack,
    at: number,
    status: string,
    reason?: string,
    token?: string,
  ) {
    return this.event(
      stack,
      at,
      stack.stackName,
      'AWS::CloudFormation::Stack',
      status,
      reason,
      token,
    );
  }

  private liveExports(): Map<string, string> {
    const exported = new Map<string, string>();
    for (const s of this.stacks) {
      if (s.deleted || !s.deployed) continue;
      for (const e of exportsOf(s.deployed.template)) {
        exported.set(e.name, `${s.stackName}:${e.key}:value`);
      }
    }
    return exported;
  }

  /** A stack output's value: the options' (e.g. realistic ids, a secret RDS made), else `<stack>:<key>:value`; the same on every look. */
  private outputValue(stack: SimStack, key: string): string {
    const id = `${stack.stackId}/${key}`;
    let value = this.outputValues.get(id);
    if (value === undefined) {
      const outputs = (stack.deployed!.template.document.Outputs ??
        {}) as Record<string, { Value?: unknown }>;
      value =
        this.options.outputValue?.(
          { stackName: stack.stackName, stackId: stack.stackId },
          key,
          outputs[key]?.Value,
        ) ?? `${stack.stackName}:${key}:value`;
      this.outputValues.set(id, value);
    }
    return value;
  }

  // ---- API handlers ----

  describeStacks(input: DescribeStacksCommandInput) {
    const stack = input.StackName ? this.byRef(input.StackName) : undefined;
    if (!stack)
      throw validationError(`Stack with id ${input.StackName} does not exist`);
    const status = this.statusOf(stack);
    const complete =
      stack.deployed &&
      /_COMPLETE$/.test(status) &&
      !status.includes('ROLLBACK');
    const result: Stack = {
      StackId: stack.stackId,
      StackName: stack.stackName,
      StackStatus: status as Stack['StackStatus'],
      CreationTime: stack.creationTime,
      LastUpdatedTime: stack.lastUpdatedTime,
      DeletionTime: stack.deletionTime,
      Tags: Object.entries(stack.deployed?.tags ?? {}).map(([Key, Value]) => ({
        Key,
        Value,
      })),
      Parameters: Object.entries(stack.deployed?.parameters ?? {}).map(
        ([ParameterKey, ParameterValue]) => ({
          ParameterKey,
          ParameterValue,
        }),
      ),
      Outputs: complete
        ? Object.keys(
            (stack.deployed!.template.document.Outputs ?? {}) as object,
          ).map(key => ({
            OutputKey: key,
            OutputValue: this.outputValue(stack, key),
          }))
        : undefined,
    };
    return { Stacks: [result] };
  }

  describeStackEvents(input: DescribeStackEventsCommandInput) {
    const stack = input.StackName ? this.byRef(input.StackName) : undefined;
    if (!stack)
      throw validationError(`Stack [${input.StackName}] does not exist`);
    const newestFirst = [...stack.events].reverse();
    const offset = Number(input.NextToken ?? 0);
    const page = newestFirst.slice(offset, offset + EVENTS_PAGE);
    const next =
      offset + EVENTS_PAGE < newestFirst.length
        ? String(offset + EVENTS_PAGE)
        : undefined;
    return { StackEvents: page, NextToken: next };
  }

  getTemplate(input: GetTemplateCommandInput) {
    const stack = input.StackName ? this.byRef(input.StackName) : undefined;
    if (!stack?.deployed)
      throw validationError(`Stack with id ${input.StackName} does not exist`);
    return {
      TemplateBody: stack.deployed.body,
      StagesAvailable: ['Original', 'Processed'],
    };
  }

  createChangeSet(input: CreateChangeSetCommandInput) {
    const name = input.StackName!;
    let stack = this.live(name);
    const status = stack ? this.statusOf(stack) : undefined;
    if (
      input.ChangeSetType === 'CREATE' &&
      stack &&
      status !== 'REVIEW_IN_PROGRESS'
    ) {
      throw validationError(
        `Stack [${name}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`,
      );
    }
    if (input.ChangeSetType !== 'CREATE' && !stack) {
      throw validationError(`Stack [${name}] does not exist`);
    }
    if (stack && status !== 'REVIEW_IN_PROGRESS' && !UPDATABLE.has(status!)) {
      throw validationError(
        `Stack:${stack.stackId} is in ${status} state and can not be updated.`,
      );
    }
    // A change set's name is unique among the stack's change sets; a request
    // repeating the ClientToken of the one that holds it is a retry and gets
    // that change set back (CreateChangeSet, ChangeSetName and ClientToken:
    // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateChangeSet.html).
    const sameName = stack?.changeSets.get(input.ChangeSetName!);
    if (sameName) {
      if (input.ClientToken && input.ClientToken === sameName.token) {
        return { Id: sameName.id, StackId: stack!.stackId };
      }
      throw new AlreadyExistsException({
        $metadata: {},
        message: input.ClientToken
          ? `ChangeSet ${input.ChangeSetName} cannot be created due to a mismatch with existing attribute ClientToken`
          : `ChangeSet [${input.ChangeSetName}] already exists`,
      });
    }
    const template = parseTemplateBody(input.TemplateBody!);
    const parameters: Record<string, string> = {};
    for (const p of input.Parameters ?? []) {
      if (p.UsePreviousValue) {
        const previous = stack?.deployed?.parameters[p.ParameterKey!];
        if (previous !== undefined) parameters[p.ParameterKey!] = previous;
      } else {
        parameters[p.ParameterKey!] = p.ParameterValue!;
      }
    }
    for (const [key, declared] of Object.entries(template.parameters)) {
      const value = parameters[key] ?? declared.Default;
      if (value === undefined)
        throw validationError(`Parameters: [${key}] must have values`);
      const pattern = (declared as { AllowedPattern?: string }).AllowedPattern;
      if (pattern && !new RegExp(pattern).test(value)) {
        throw validationError(
          `Parameter '${key}' must match pattern ${pattern}`,
        );
      }
    }
    const tags = Object.fromEntries(
      (input.Tags ?? []).map(t => [t.Key!, t.Value!]),
    );
    const now = this.now();
    if (!stack) {
      this.counter += 1;
      stack = {
        stackId: `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:stack/${name}/sim-${this.counter}`,
        stackName: name,
        creationTime: new Date(now),
        deleted: false,
        events: [],
        scheduled: [],
        changeSets: new Map(),
        tokens: new Map(),
        imagesIn: new Set(),
      };
      this.stacks.push(stack);
      stack.events.push(
        this.stackEvent(stack, now, 'REVIEW_IN_PROGRESS', 'User Initiated')
          .event,
      );
    }
    const target: Deployed = {
      body: input.TemplateBody!,
      template,
      parameters,
      tags,
    };
    this.counter += 1;
    const changeSet: SimChangeSet = {
      name: input.ChangeSetName!,
      // Like CloudFormation's, a new id for every change set, even of a name used before.
      id: `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:changeSet/${input.ChangeSetName}/sim-${this.counter}`,
      type: input.ChangeSetType === 'CREATE' ? 'CREATE' : 'UPDATE',
      token: input.ClientToken,
      readyAt: now + (this.options.changeSetMs ?? 3_000),
      outcome: this.changeSetOutcome(stack, target),
      target,
    };
    stack.changeSets.set(changeSet.name, changeSet);
    return { Id: changeSet.id, StackId: stack.stackId };
  }

  private changeSetOutcome(
    stack: SimStack,
    target: Deployed,
  ): SimChangeSet['outcome'] {
    const exported = this.liveExports();
    const missing = [...importNames(target.template.document.Resources)].filter(
      n => !exported.has(n),
    );
    if (missing.length) {
      return {
        status: 'FAILED',
        reason: `No export named ${missing[0]} found`,
        changes: [],
      };
    }
    const before = stack.deployed;
    const same =
      before &&
      before.body === target.body &&
      JSON.stringify(before.parameters) === JSON.stringify(target.parameters) &&
      JSON.stringify(before.tags) === JSON.stringify(target.tags);
    if (same) {
      return {
        status: 'FAILED',
        reason:
          "The submitted information didn't contain changes. Submit different information to create a change set.",
        changes: [],
      };
    }
    const old = before?.template.resources ?? {};
    const changes: Change[] = [];
    for (const [id, r] of Object.entries(target.template.resources)) {
      if (!old[id]) changes.push(resourceChange('Add', id, r));
      else if (JSON.stringify(old[id]) !== JSON.stringify(r))
        changes.push(resourceChange('Modify', id, r));
    }
    for (const [id, r] of Object.entries(old)) {
      if (!target.template.resources[id])
        changes.push(resourceChange('Remove', id, r));
    }
    return { status: 'CREATE_COMPLETE', changes };
  }

  describeChangeSet(input: DescribeChangeSetCommandInput) {
    const stack = this.live(input.StackName!);
    const changeSet = stack?.changeSets.get(input.ChangeSetName!);
    if (!stack || !changeSet) {
      throw new ChangeSetNotFoundException({
        $metadata: {},
        message: `ChangeSet [${input.ChangeSetName}] does not exist`,
      });
    }
    const ready = this.now() >= changeSet.readyAt;
    return {
      ChangeSetName: changeSet.name,
      ChangeSetId: changeSet.id,
      StackId: stack.stackId,
      StackName: stack.stackName,
      Status: ready ? changeSet.outcome.status : 'CREATE_IN_PROGRESS',
      StatusReason: ready ? changeSet.outcome.reason : undefined,
      ExecutionStatus: this.executionStatus(stack, changeSet, ready),
      Changes: ready ? changeSet.outcome.changes : [],
    };
  }

  private executionStatus(
    stack: SimStack,
    changeSet: SimChangeSet,
    ready: boolean,
  ): DescribeChangeSetCommandOutput['ExecutionStatus'] {
    if (changeSet.executed) {
      // The executed change set is the stack's latest operation: the others went when it was executed.
      const status = this.statusOf(stack);
      if (/_IN_PROGRESS$/.test(status)) return 'EXECUTE_IN_PROGRESS';
      return /^(CREATE|UPDATE)_COMPLETE$/.test(status)
        ? 'EXECUTE_COMPLETE'
        : 'EXECUTE_FAILED';
    }
    return ready && changeSet.outcome.status === 'CREATE_COMPLETE'
      ? 'AVAILABLE'
      : 'UNAVAILABLE';
  }

  /**
   * Records the client request token of a stack operation. The same token
   * for the same request is a retry: CloudFormation accepts it and starts
   * nothing (returns false). A token the stack has seen for another request
   * is refused with TokenAlreadyExistsException, which ExecuteChangeSet and
   * DeleteStack list among their errors; their ClientRequestToken "is a
   * unique identifier for this request ... so that CloudFormation knows that
   * you're not attempting to [execute a change set | delete a stack] with
   * the same name"
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ExecuteChangeSet.html,
   * .../API_DeleteStack.html).
   */
  private startsOperation(
    stack: SimStack,
    token: string | undefined,
    request: string,
  ): boolean {
    if (!token) return true;
    const earlier = stack.tokens.get(token);
    if (earlier === request) return false;
    if (earlier !== undefined) {
      throw new TokenAlreadyExistsException({
        $metadata: { httpStatusCode: 400 },
        message: `Another request of stack ${stack.stackName} already used the client request token ${token}`,
      });
    }
    stack.tokens.set(token, request);
    return true;
  }

  deleteChangeSet(input: DeleteChangeSetCommandInput) {
    this.live(input.StackName!)?.changeSets.delete(input.ChangeSetName!);
    return {};
  }

  executeChangeSet(input: ExecuteChangeSetCommandInput) {
    const stack = this.live(input.StackName!);
    const changeSet = stack?.changeSets.get(input.ChangeSetName!);
    if (!stack || !changeSet) {
      throw new ChangeSetNotFoundException({
        $metadata: {},
        message: `ChangeSet [${input.ChangeSetName}] does not exist`,
      });
    }
    const request = `execute ${changeSet.id}`;
    if (
      input.ClientRequestToken &&
      stack.tokens.get(input.ClientRequestToken) === request
    ) {
      return {};
    }
    if (
      changeSet.executed ||
      this.now() < changeSet.readyAt ||
      changeSet.outcome.status !== 'CREATE_COMPLETE'
    ) {
      throw new InvalidChangeSetStatusException({
        $metadata: {},
        message: `ChangeSet [${changeSet.id}] cannot be executed in its current status`,
      });
    }
    this.startsOperation(stack, input.ClientRequestToken, request);
    changeSet.executed = true;
    // "CloudFormation deletes all other change sets associated with the stack" (ExecuteChangeSet).
    stack.changeSets.clear();
    stack.changeSets.set(changeSet.name, changeSet);
    if (changeSet.type === 'CREATE')
      this.scheduleCreate(stack, changeSet.target, input.ClientRequestToken);
    else this.scheduleUpdate(stack, changeSet.target, input.ClientRequestToken);
    return {};
  }

  deleteStack(input: DeleteStackCommandInput) {
    const stack = this.live(input.StackName!);
    if (!stack) return {};
    if (
      input.RetainResources?.length &&
      this.statusOf(stack) !== 'DELETE_FAILED'
    ) {
      throw validationError(
        'Invalid operation on stack: RetainResources applies only to stacks in DELETE_FAILED',
      );
    }
    const request = `delete ${JSON.stringify(input.RetainResources ?? [])}`;
    if (!this.startsOperation(stack, input.ClientRequestToken, request))
      return {};
    this.scheduleDelete(stack, input.ClientRequestToken);
    return {};
  }

  // ---- operations ----

  private scheduleCreate(stack: SimStack, target: Deployed, token?: string) {
    const t0 = this.now();
    const duration = this.timings(stack.stackName).create;
    const ids = Object.keys(target.template.resources);
    // Resources one after another; the stack completes moments after the last one, as CloudFormation's do.
    const slot = (duration - settleMs(duration)) / Math.max(1, ids.length);
    const failure = this.takeFailure(stack.stackName, ids);
    const plan: SimStack['scheduled'] = [
      this.stackEvent(stack, t0, 'CREATE_IN_PROGRESS', 'User Initiated', token),
    ];
    const created: string[] = [];
    for (const [i, id] of ids.entries()) {
      const type = target.template.resources[id].Type;
      plan.push(
        this.event(
          stack,
          t0 + slot * i + 1,
          id,
          type,
          'CREATE_IN_PROGRESS',
          undefined,
          token,
        ),
      );
      plan.push(
        this.event(
          stack,
          t0 + slot * i + 2,
          id,
          type,
          'CREATE_IN_PROGRESS',
          'Resource creation Initiated',
          token,
        ),
      );
      if (failure?.logicalId === id) {
        const at = t0 + slot * (i + 1);
        plan.push(
          this.event(
            stack,
            at,
            id,
            type,
            'CREATE_FAILED',
            failure.reason,
            token,
          ),
        );
        plan.push(
          this.stackEvent(
            stack,
            at + 1,
            'ROLLBACK_IN_PROGRESS',
            `The following resource(s) failed to create: [${id}]. Rollback requested by user.`,
            token,
          ),
        );
        const back = [...created].reverse();
        const rollbackSlot = (t0 + duration - at) / (back.length + 1);
        back.forEach((done, j) => {
          const doneType = target.template.resources[done].Type;
          plan.push(
            this.event(
              stack,
              at + rollbackSlot * j + 2,
              done,
              doneType,
              'DELETE_IN_PROGRESS',
              undefined,
              token,
            ),
          );
          plan.push(
            this.event(
              stack,
              at + rollbackSlot * (j + 1),
              done,
              doneType,
              'DELETE_COMPLETE',
              undefined,
              token,
            ),
          );
        });
        plan.push(
          this.stackEvent(
            stack,
            t0 + duration,
            'ROLLBACK_COMPLETE',
            undefined,
            token,
          ),
        );
        stack.scheduled.push(...plan);
        return;
      }
      plan.push({
        ...this.event(
          stack,
          t0 + slot * (i + 1),
          id,
          type,
          'CREATE_COMPLETE',
          undefined,
          token,
        ),
        effect: () =>
          this.createdListeners.forEach(listener =>
            listener(target.template, id),
          ),
      });
      created.push(id);
    }
    plan.push({
      ...this.stackEvent(
        stack,
        t0 + duration,
        'CREATE_COMPLETE',
        undefined,
        token,
      ),
      effect: () => (stack.deployed = target),
    });
    stack.scheduled.push(...plan);
  }

  private scheduleUpdate(stack: SimStack, target: Deployed, token?: string) {
    const t0 = this.now();
    stack.lastUpdatedTime = new Date(t0);
    const duration = this.timings(stack.stackName).update;
    const old = stack.deployed?.template.resources ?? {};
    const touched = Object.entries(target.template.resources).filter(
      ([id, r]) => JSON.stringify(old[id]) !== JSON.stringify(r),
    );
    const removed = Object.keys(old).filter(
      id => !target.template.resources[id],
    );
    const failure = this.takeFailure(
      stack.stackName,
      touched.map(([id]) => id),
    );
    const slot =
      (duration - settleMs(duration)) / (touched.length + removed.length + 1);
    const plan: SimStack['scheduled'] = [
      this.stackEvent(stack, t0, 'UPDATE_IN_PROGRESS', 'User Initiated', token),
    ];
    for (const [i, [id, r]] of touched.entries()) {
      const verb = old[id] ? 'UPDATE' : 'CREATE';
      plan.push(
        this.event(
          stack,
          t0 + slot * i + 1,
          id,
          r.Type,
          `${verb}_IN_PROGRESS`,
          undefined,
          token,
        ),
      );
      if (failure?.logicalId === id) {
        const at = t0 + slot * (i + 1);
        plan.push(
          this.event(
            stack,
            at,
            id,
            r.Type,
            `${verb}_FAILED`,
            failure.reason,
            token,
          ),
        );
        plan.push(
          this.stackEvent(
            stack,
            at + 1,
            'UPDATE_ROLLBACK_IN_PROGRESS',
            `The following resource(s) failed to update: [${id}].`,
            token,
          ),
        );
        plan.push(
          this.stackEvent(
            stack,
            t0 + duration,
            'UPDATE_ROLLBACK_COMPLETE',
            undefined,
            token,
          ),
        );
        stack.scheduled.push(...plan);
        return;
      }
      plan.push(
        this.event(
          stack,
          t0 + slot * (i + 1),
          id,
          r.Type,
          `${verb}_COMPLETE`,
          undefined,
          token,
        ),
      );
    }
    const cleanupAt = t0 + slot * (touched.length + 1);
    plan.push(
      this.stackEvent(
        stack,
        cleanupAt,
        'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
        undefined,
        token,
      ),
    );
    removed.forEach((id, j) => {
      plan.push(
        this.event(
          stack,
          cleanupAt + slot * j + 1,
          id,
          old[id].Type,
          'DELETE_COMPLETE',
          undefined,
          token,
        ),
      );
    });
    plan.push({
      ...this.stackEvent(
        stack,
        t0 + duration,
        'UPDATE_COMPLETE',
        undefined,
        token,
      ),
      effect: () => (stack.deployed = target),
    });
    stack.scheduled.push(...plan);
  }

  private scheduleDelete(stack: SimStack, token?: string) {
    const t0 = this.now();
    stack.deletionTime = new Date(t0);
    const plan: SimStack['scheduled'] = [
      this.stackEvent(stack, t0, 'DELETE_IN_PROGRESS', 'User Initiated', token),
    ];
    const importers = this.importersOf(stack);
    if (importers.length) {
      plan.push(
        this.stackEvent(
          stack,
          t0 + 1,
          'DELETE_FAILED',
          `Export ${importers[0].name} cannot be deleted as it is in use by ${importers[0].by}`,
          token,
        ),
      );
      stack.scheduled.push(...plan);
      return;
    }
    const duration = this.timings(stack.stackName).delete;
    const resources = Object.entries(
      stack.deployed?.template.resources ?? {},
    ).reverse();
    const slot =
      (duration - settleMs(duration)) / Math.max(1, resources.length);
    const failed: string[] = [];
    const gone: string[] = [];
    resources.forEach(([id, r], i) => {
      plan.push(
        this.event(
          stack,
          t0 + slot * i + 1,
          id,
          r.Type,
          'DELETE_IN_PROGRESS',
          undefined,
          token,
        ),
      );
      const at = t0 + slot * (i + 1);
      const refusal = this.deletionRefusal(stack, id, r);
      if (refusal) {
        failed.push(id);
        plan.push(
          this.event(stack, at, id, r.Type, 'DELETE_FAILED', refusal, token),
        );
      } else if (r.DeletionPolicy === 'Retain') {
        plan.push(
          this.event(stack, at, id, r.Type, 'DELETE_SKIPPED', undefined, token),
        );
      } else {
        gone.push(id);
        const snapshot =
          r.Type === 'AWS::RDS::DBInstance' &&
          (r.DeletionPolicy ?? 'Snapshot') === 'Snapshot';
        plan.push({
          ...this.event(
            stack,
            at,
            id,
            r.Type,
            'DELETE_COMPLETE',
            undefined,
            token,
          ),
          effect: snapshot
            ? () =>
                this.finalSnapshots.push({
                  stackName: stack.stackName,
                  logicalId: id,
                  instanceIdentifier: String(
                    r.Properties?.DBInstanceIdentifier ?? id.toLowerCase(),
                  ),
                  at: new Date(at),
                })
            : undefined,
        });
      }
    });
    const end = t0 + duration;
    if (failed.length) {
      plan.push({
        ...this.stackEvent(
          stack,
          end,
          'DELETE_FAILED',
          `The following resource(s) failed to delete: [${failed.join(
            ', ',
          )}]. `,
          token,
        ),
        effect: () => {
          const remaining = { ...stack.deployed!.template.resources };
          gone.forEach(id => delete remaining[id]);
          stack.deployed = {
            ...stack.deployed!,
            template: { ...stack.deployed!.template, resources: remaining },
          };
        },
      });
    } else {
      plan.push({
        ...this.stackEvent(stack, end, 'DELETE_COMPLETE', undefined, token),
        effect: () => {
          stack.deleted = true;
          stack.deployed = undefined;
        },
      });
    }
    stack.scheduled.push(...plan);
  }

  private deletionRefusal(
    stack: SimStack,
    id: string,
    r: TemplateResource,
  ): string | undefined {
    const props = r.Properties ?? {};
    if (
      r.Type === 'AWS::ECR::Repository' &&
      stack.imagesIn.has(id) &&
      props.EmptyOnDelete !== true
    ) {
      return `Resource handler returned message: "The repository with name '${props.RepositoryName}' in registry with id '${this.options.accountId}' cannot be deleted because it still contains images (Service: Ecr, Status Code: 400)" (HandlerErrorCode: GeneralServiceException)`;
    }
    if (
      r.Type === 'AWS::RDS::DBInstance' &&
      props.DeletionProtection === true
    ) {
      return 'Resource handler returned message: "Cannot delete protected DB Instance, please disable deletion protection and try again. (Service: Rds, Status Code: 400)" (HandlerErrorCode: InvalidRequest)';
    }
    return undefined;
  }

  private importersOf(stack: SimStack): { name: string; by: string }[] {
    const names = new Set(
      stack.deployed ? exportsOf(stack.deployed.template).map(e => e.name) : [],
    );
    const found: { name: string; by: string }[] = [];
    for (const other of this.stacks) {
      if (other === stack || other.deleted || !other.deployed) continue;
      for (const n of importNames(other.deployed.template.document.Resources)) {
        if (names.has(n)) found.push({ name: n, by: other.stackName });
      }
    }
    return found;
  }

  private takeFailure(stackName: string, ids: string[]) {
    const failure = this.failures.get(stackName);
    if (failure && ids.includes(failure.logicalId)) {
      this.failures.delete(stackName);
      return failure;
    }
    return undefined;
  }
}

function resourceChange(
  action: 'Add' | 'Modify' | 'Remove',
  id: string,
  r: TemplateResource,
): Change {
  return {
    Type: 'Resource',
    ResourceChange: {
      Action: action,
      LogicalResourceId: id,
      ResourceType: r.Type,
      Replacement: action === 'Modify' ? 'False' : undefined,
    },
  };
}
