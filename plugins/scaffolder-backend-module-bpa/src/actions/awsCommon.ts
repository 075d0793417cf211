import fs from 'node:fs/promises';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  STACK_KINDS,
  StackKind,
  SupportedVersions,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  AwsClientFactory,
  AwsClients,
  DEFAULT_STACK_TIMEOUTS_MS,
  NodeGroupTargets,
  ParsedTemplate,
  StackClock,
  StackDeployer,
  StackCheckpoint,
  attachNodeGroupsToTargetGroups,
  detachNodeGroupsFromTargetGroups,
  edgeTargetGroupArns,
  environmentTagValues,
  parseTemplateBody,
} from '@internal/backstage-plugin-bpa-node';

/** What the AWS actions are built with, once, in the module's init. */
export interface AwsActionOptions {
  /** AWS SDK clients per account and region, credentials from `aws.*` in app-config. */
  clients: AwsClientFactory;
  /** Versions and tiers accepted by validation; defaults to the built-in list. */
  supportedVersions?: SupportedVersions;
  /** Between two looks at a stack's events (`bpa.aws.pollIntervalSeconds`). Default 20 s. */
  pollIntervalMs?: number;
  clock?: StackClock;
}

/** A deployer writing progress to the task log and checkpointing every mutation in the task. */
export function stackDeployer(
  ctx: Pick<ActionContext<any, any>, 'logger' | 'checkpoint' | 'signal'>,
  clients: AwsClients,
  options: AwsActionOptions,
  timeoutMinutes?: number,
): StackDeployer {
  return new StackDeployer({
    cloudFormation: clients.cloudFormation,
    logger: ctx.logger,
    checkpoint: (key, fn) => ctx.checkpoint({ key, fn }),
    clock: options.clock,
    pollIntervalMs: options.pollIntervalMs,
    signal: ctx.signal,
    timeoutsMs: timeoutMinutes
      ? Object.fromEntries(STACK_KINDS.map(k => [k, timeoutMinutes * 60_000]))
      : DEFAULT_STACK_TIMEOUTS_MS,
  });
}

/**
 * Puts the environment's node groups behind the edge stack's target groups,
 * once the edge stack is complete (its outputs name them).
 */
/** Runs every promise to its end; throws one error naming every failure. */
export async function allOrReport<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.filter(
    (s): s is PromiseRejectedResult => s.status === 'rejected',
  );
  if (failed.length === 1) throw failed[0].reason;
  if (failed.length) {
    throw new Error(failed.map(f => (f.reason as Error).message).join('\n\n'));
  }
  return settled.map(s => (s as PromiseFulfilledResult<T>).value);
}

/** What attachEdgeTargets does, as dry runs and logs say it. */
export const ATTACH_EDGE_TARGETS_NOTE =
  "attach the node groups' Auto Scaling groups to the load balancer's target groups";

type EdgeTargetsContext = Pick<
  ActionContext<any, any>,
  'logger' | 'checkpoint'
>;

/** The environment's node groups, as the edge target calls name them. */
function nodeGroupsOf(
  ctx: EdgeTargetsContext,
  clients: AwsClients,
  spec: EnvironmentSpec,
) {
  const checkpoint: StackCheckpoint = (key, fn) => ctx.checkpoint({ key, fn });
  return {
    clients,
    environment: spec.name,
    clusterName: resourceNames(spec).eksCluster,
    nodegroups: spec.cluster.nodes.map(n => n.name),
    logger: ctx.logger,
    checkpoint,
  };
}

export function attachEdgeTargets(
  ctx: EdgeTargetsContext,
  clients: AwsClients,
  spec: EnvironmentSpec,
  edgeOutputs: Record<string, string>,
): Promise<NodeGroupTargets[]> {
  return attachNodeGroupsToTargetGroups({
    ...nodeGroupsOf(ctx, clients, spec),
    targetGroupArns: edgeTargetGroupArns(
      edgeOutputs,
      resourceNames(spec).stack('edge'),
    ),
  });
}

/**
 * Takes the environment's node groups off the edge stack's target groups,
 * before the edge stack is deleted.
 */
export function detachEdgeTargets(
  ctx: EdgeTargetsContext,
  clients: AwsClients,
  spec: EnvironmentSpec,
  edgeOutputs: Record<string, string>,
): Promise<string[]> {
  return detachNodeGroupsFromTargetGroups({
    ...nodeGroupsOf(ctx, clients, spec),
    edgeOutputs,
  });
}

/** Stack kinds once each, in deployment order. */
export function orderedKinds(kinds: readonly StackKind[]): StackKind[] {
  return STACK_KINDS.filter(k => kinds.includes(k));
}

export interface PlannedTemplate {
  body: string;
  parsed: ParsedTemplate;
}

/**
 * The stack templates the plan wrote into the workspace: what was reviewed is
 * what is deployed. Refuses a plan directory without them, or one planned
 * for another environment.
 */
export async function readPlannedTemplates(
  workspacePath: string,
  planDirectory: string,
  kinds: StackKind[],
  spec: EnvironmentSpec,
): Promise<Map<StackKind, PlannedTemplate>> {
  const templates = new Map<StackKind, PlannedTemplate>();
  for (const kind of kinds) {
    const relative = `${planDirectory}/cloudformation/${kind}.yaml`;
    const file = resolveSafeChildPath(workspacePath, relative);
    let body: string;
    try {
      body = await fs.readFile(file, 'utf8');
    } catch {
      throw new InputError(
        `The plan has no ${relative}: run bpa:environment:plan first (its outputDir is this action's planDirectory)`,
      );
    }
    let parsed: ParsedTemplate;
    try {
      parsed = parseTemplateBody(body);
    } catch (error) {
      throw new InputError(
        `${relative} is not a CloudFormation template: ${
          (error as Error).message
        }`,
      );
    }
    const planned = environmentTagValues(parsed);
    if (planned.some(name => name !== spec.name)) {
      throw new InputError(
        `${relative} was planned for environment ${planned.join(', ')}, not ${
          spec.name
        }: plan this request again`,
      );
    }
    templates.set(kind, { body, parsed });
  }
  return templates;
}

/**
 * Refuses a template whose parameters the apply cannot fill: each must be
 * one the apply provides, or have a default. Secret parameters (NoEcho) are
 * refused: secrets live in Secrets Manager, never in stack parameters.
 */
export function checkStackParameters(
  kind: StackKind,
  template: ParsedTemplate,
  provided: string[],
): void {
  for (const [name, declared] of Object.entries(template.parameters)) {
    if (declared.NoEcho === true || declared.NoEcho === 'true') {
      throw new InputError(
        `The ${kind} template takes a secret parameter ${name}; secrets belong in Secrets Manager, not in stack parameters`,
      );
    }
    if (!provided.includes(name) && declared.Default === undefined) {
      throw new InputError(
        `The ${kind} stack needs a value for its parameter ${name}${
          declared.Description ? ` (${declared.Description})` : ''
        }`,
      );
    }
  }
}

/** The values the apply provides for the parameters this template takes; the others keep their defaults. */
export function stackParameters(
  template: ParsedTemplate,
  values: Record<string, string | undefined>,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of Object.keys(template.parameters)) {
    const value = values[name];
    if (value !== undefined) result[name] = value;
  }
  return result;
}
