import {
  CloudFormationClient,
  GetTemplateCommand,
  Stack,
} from '@aws-sdk/client-cloudformation';
import type {
  EnvironmentSpec,
  StackKind,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnTemplate,
  renderStackTemplates,
  renderTemplateYaml,
} from '../plan/cloudformation';
import {
  StackDeployer,
  StackDeployment,
  StackOperationError,
} from './stackDeployer';
import { ProgressLogger, isInProgress } from './stackEvents';
import {
  ParsedTemplate,
  parseTemplateBody,
  resourceTypes,
} from './templateBody';

/**
 * Deletion order: the edge first (nothing imports it), then the stacks that
 * import the network's exports, side by side, then the network.
 */
export const TEARDOWN_WAVES: StackKind[][] = [
  ['edge'],
  ['registry', 'data', 'cluster'],
  ['network'],
];

/** A stack that exists and will be deleted, with its deployed template. */
interface StackToDelete {
  kind: StackKind;
  stack: Stack;
  template: ParsedTemplate;
  body: string;
}

/** What the teardown found: read-only, so it can be checked (and permissions simulated) before anything is deleted. */
export interface TeardownPlan {
  environment: string;
  stacks: StackToDelete[];
  absent: StackKind[];
}

export interface TeardownOptions {
  environment: string;
  stackName: (kind: StackKind) => string;
  /** Delete ECR repositories that still hold images, images included. */
  deleteImages: boolean;
  /** Lift the RDS instance's deletion protection (its final snapshot is still taken). */
  liftDeletionProtection: boolean;
}

export class TeardownRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeardownRefusedError';
  }
}

const DATABASE_TYPES = new Set(['AWS::RDS::DBInstance', 'AWS::RDS::DBCluster']);

function resourcesOfType(template: ParsedTemplate, types: Set<string>) {
  return Object.entries(template.resources).filter(([, r]) =>
    types.has(r.Type),
  );
}

/**
 * Reads what is deployed and refuses, before anything is deleted, a teardown
 * that would lose data: a database whose deletion policy is not Snapshot or
 * Retain, or one under deletion protection unless lifting it was asked for.
 */
export async function planTeardown(
  cloudFormation: CloudFormationClient,
  deployer: StackDeployer,
  options: TeardownOptions,
): Promise<TeardownPlan> {
  const stacks: StackToDelete[] = [];
  const absent: StackKind[] = [];
  const refusals: string[] = [];
  for (const kind of TEARDOWN_WAVES.flat()) {
    const name = options.stackName(kind);
    const stack = await deployer.describe(name);
    if (!stack) {
      absent.push(kind);
      continue;
    }
    const status = stack.StackStatus ?? '';
    if (
      isInProgress(status) &&
      status !== 'DELETE_IN_PROGRESS' &&
      status !== 'REVIEW_IN_PROGRESS'
    ) {
      refusals.push(
        `stack ${name} is ${status}; let that operation finish first`,
      );
      continue;
    }
    const body =
      status === 'REVIEW_IN_PROGRESS'
        ? 'Resources: {}'
        : (
            await cloudFormation.send(
              new GetTemplateCommand({
                StackName: stack.StackId,
                TemplateStage: 'Original',
              }),
            )
          ).TemplateBody ?? 'Resources: {}';
    const template = parseTemplateBody(body);
    for (const [id, db] of resourcesOfType(template, DATABASE_TYPES)) {
      // CloudFormation's default for a database instance is Snapshot too.
      const policy = db.DeletionPolicy ?? 'Snapshot';
      if (policy !== 'Snapshot' && policy !== 'Retain') {
        refusals.push(
          `${id} in stack ${name} has DeletionPolicy ${policy}: deleting the stack would delete the database without a final snapshot`,
        );
      }
      if (
        db.Properties?.DeletionProtection === true &&
        !options.liftDeletionProtection
      ) {
        refusals.push(
          `${id} in stack ${name} has deletion protection; set liftDeletionProtection: true to lift it (RDS still takes a final snapshot)`,
        );
      }
    }
    stacks.push({ kind, stack, template, body });
  }
  if (refusals.length) {
    throw new TeardownRefusedError(
      `Teardown of ${
        options.environment
      } refused; nothing was deleted:\n${refusals
        .map(r => `  - ${r}`)
        .join('\n')}`,
    );
  }
  return { environment: options.environment, stacks, absent };
}

/**
 * The resource types an environment's stacks hold, as planned: what a
 * teardown's permissions are checked for before anything is read or deleted.
 */
export function environmentResourceTypes(spec: EnvironmentSpec): string[] {
  return [
    ...new Set(
      renderStackTemplates(spec).flatMap(a =>
        resourceTypes(parseTemplateBody(a.content)),
      ),
    ),
  ].sort();
}

/**
 * The deployed template with what must change before the stack can go:
 * deletion protection off (databases keep their Snapshot policy), and, when
 * asked, repositories allowed to go with their images. Undefined when
 * nothing needs to change.
 */
export function templateReadyForDeletion(
  template: ParsedTemplate,
  options: Pick<TeardownOptions, 'deleteImages' | 'liftDeletionProtection'>,
): string | undefined {
  const document = structuredClone(template.document) as unknown as CfnTemplate;
  let changed = false;
  for (const resource of Object.values(document.Resources)) {
    const props = resource.Properties;
    if (!props) continue;
    if (
      options.liftDeletionProtection &&
      DATABASE_TYPES.has(resource.Type) &&
      props.DeletionProtection === true
    ) {
      props.DeletionProtection = false;
      changed = true;
    }
    if (
      options.deleteImages &&
      resource.Type === 'AWS::ECR::Repository' &&
      props.EmptyOnDelete !== true
    ) {
      props.EmptyOnDelete = true;
      changed = true;
    }
  }
  return changed ? renderTemplateYaml(document) : undefined;
}

function stackTags(stack: Stack): Record<string, string> {
  return Object.fromEntries(
    (stack.Tags ?? []).map(t => [t.Key ?? '', t.Value ?? '']),
  );
}

/** Explains a registry stack that could not be deleted because repositories hold images. */
function explainKeptRepositories(
  error: StackOperationError,
  region: string,
  deleteImagesAsked: boolean,
): Error {
  const repositories = error.failures
    .filter(
      f =>
        f.type === 'AWS::ECR::Repository' &&
        /still contains images|not empty/i.test(f.reason),
    )
    .map(
      f => /repository with name '([^']+)'/.exec(f.reason)?.[1] ?? f.logicalId,
    );
  if (!repositories.length) return error;
  const commands = repositories
    .map(
      r =>
        `aws ecr delete-repository --force --region ${region} --repository-name ${r}`,
    )
    .join('; ');
  return new Error(
    `${error.message}\nThe ECR repositories ${repositories.join(
      ', ',
    )} still hold images, so they were kept. ${
      deleteImagesAsked
        ? 'deleteImages cannot empty them any more: CloudFormation does not update a stack in DELETE_FAILED.'
        : 'To delete them with the stack, run the teardown with deleteImages: true before it fails like this; now that the stack is DELETE_FAILED CloudFormation cannot be told to empty them.'
    } Delete their images or the repositories (${commands}), then run the teardown again.`,
  );
}

/**
 * Deletes the environment's stacks in reverse order of their dependencies,
 * waiting for each wave. Stacks already gone are skipped, so running it
 * again after a failure continues where it stopped. RDS takes a final
 * snapshot (the data stack's DeletionPolicy); nothing here overrides it.
 */
export async function executeTeardown(
  plan: TeardownPlan,
  deployer: StackDeployer,
  options: TeardownOptions & {
    region: string;
    logger: ProgressLogger;
    timeoutMs?: number;
    /**
     * Runs before a stack is deleted, with its outputs (the teardown takes
     * the node groups off the edge stack's target groups here).
     */
    beforeDelete?: (
      kind: StackKind,
      outputs: Record<string, string>,
    ) => Promise<void>;
  },
): Promise<{ deleted: StackKind[]; absent: StackKind[] }> {
  const deleted: StackKind[] = [];
  for (const wave of TEARDOWN_WAVES) {
    const inWave = plan.stacks.filter(s => wave.includes(s.kind));
    if (!inWave.length) continue;

    await Promise.all(
      inWave.map(async s => {
        await prepareForDeletion(s, deployer, options);
        await options.beforeDelete?.(
          s.kind,
          Object.fromEntries(
            (s.stack.Outputs ?? []).map(o => [
              o.OutputKey ?? '',
              o.OutputValue ?? '',
            ]),
          ),
        );
      }),
    );
    const started = await Promise.all(
      inWave.map(s =>
        deployer.startDelete({
          environment: plan.environment,
          kind: s.kind,
          stackName: s.stack.StackName ?? options.stackName(s.kind),
        }),
      ),
    );
    const outcomes = await Promise.allSettled(
      started
        .filter((d): d is StackDeployment => d !== undefined)
        .map(d => deployer.waitForDelete(d, { timeoutMs: options.timeoutMs })),
    );
    const failures = outcomes
      .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
      .map(o =>
        o.reason instanceof StackOperationError
          ? explainKeptRepositories(
              o.reason,
              options.region,
              options.deleteImages,
            )
          : (o.reason as Error),
      );
    if (failures.length) {
      throw new Error(
        `Teardown of ${
          plan.environment
        } stopped before the stacks that come after ${wave.join(
          ', ',
        )}:\n${failures.map(f => f.message).join('\n')}`,
      );
    }
    deleted.push(...inWave.map(s => s.kind));
    options.logger.info(
      `Deleted ${inWave.map(s => s.stack.StackName).join(', ')}`,
    );
  }
  return { deleted, absent: plan.absent };
}

async function prepareForDeletion(
  s: StackToDelete,
  deployer: StackDeployer,
  options: TeardownOptions & { logger: ProgressLogger },
): Promise<void> {
  const status = s.stack.StackStatus ?? '';
  if (status === 'DELETE_IN_PROGRESS' || status === 'REVIEW_IN_PROGRESS')
    return;
  const body = templateReadyForDeletion(s.template, options);
  if (!body) return;
  if (status === 'DELETE_FAILED') {
    // CloudFormation updates no stack in DELETE_FAILED; the deletion will report what is left.
    options.logger.warn(
      `[${s.kind}] ${s.stack.StackName} is DELETE_FAILED and cannot be updated before deleting it again`,
    );
    return;
  }
  options.logger.info(
    `[${s.kind}] updating ${s.stack.StackName} before deleting it: ${[
      options.liftDeletionProtection && s.kind === 'data'
        ? 'deletion protection off (a final snapshot is still taken)'
        : '',
      options.deleteImages && s.kind === 'registry'
        ? 'repositories may go with their images'
        : '',
    ]
      .filter(Boolean)
      .join('; ')}`,
  );
  await deployer.deploy({
    environment: options.environment,
    kind: s.kind,
    stackName: s.stack.StackName ?? options.stackName(s.kind),
    templateBody: body,
    parameters: {},
    previousParameters: (s.stack.Parameters ?? [])
      .map(p => p.ParameterKey ?? '')
      .filter(Boolean),
    tags: stackTags(s.stack),
  });
}
