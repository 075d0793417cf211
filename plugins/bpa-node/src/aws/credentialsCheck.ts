import {
  ContextEntry,
  EvaluationResult,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClients, isNetworkError } from './clients';
import { simulationResourceArn } from './permissions';
import type { ProgressLogger } from './stackEvents';

/** Refuses an apply or teardown before anything is changed: missing credentials, wrong account, missing permissions. */
export class AwsAccessError extends Error {
  constructor(message: string, readonly deniedActions: string[] = []) {
    super(message);
    this.name = 'AwsAccessError';
  }
}

/** Who the portal is in the environment's account. */
export interface AwsAccess {
  accountId: string;
  /** What STS says the caller is (an assumed-role session, a user). */
  callerArn: string;
  /** The IAM role or user behind it: what IAM policies and EKS access entries name. */
  principalArn: string;
  /** False when the permissions could not be simulated (the check was skipped with a warning). */
  permissionsChecked: boolean;
}

/**
 * The IAM principal behind an STS caller ARN. An assumed-role session
 * (`arn:aws:sts::123:assumed-role/Portal/session`) becomes its role
 * (`arn:aws:iam::123:role/Portal`; STS drops the role's path, and EKS
 * access entries want the ARN without it). Users stay as they are. Root and
 * federated users cannot get an EKS access entry, so they are refused.
 */
export function principalArnOf(callerArn: string): string {
  const match = /^arn:([^:]+):(sts|iam)::(\d{12}):(.+)$/.exec(callerArn);
  if (!match) throw new AwsAccessError(`Unrecognised caller ARN ${callerArn}`);
  const [, partition, service, account, resource] = match;
  if (service === 'sts' && resource.startsWith('assumed-role/')) {
    const role = resource.split('/')[1];
    return `arn:${partition}:iam::${account}:role/${role}`;
  }
  if (
    service === 'iam' &&
    (resource.startsWith('user/') || resource.startsWith('role/'))
  ) {
    return callerArn;
  }
  throw new AwsAccessError(
    `The portal calls AWS as ${callerArn}; use an IAM role or user instead (root and federated users cannot be given cluster access or be checked against a policy).`,
  );
}

/** Condition values the portal policy scopes its statements with, as the apply will present them. */
function simulationContext(
  environment: string,
  region: string,
): ContextEntry[] {
  const string = (ContextKeyName: string, value: string): ContextEntry => ({
    ContextKeyName,
    ContextKeyType: 'string',
    ContextKeyValues: [value],
  });
  return [
    string('aws:RequestedRegion', region),
    string('aws:RequestTag/bpa:environment', environment),
    string('aws:ResourceTag/bpa:environment', environment),
    // EKS tags the node groups' Auto Scaling groups for the cluster autoscaler (not with bpa:environment).
    string('aws:ResourceTag/k8s.io/cluster-autoscaler/enabled', 'true'),
    {
      ContextKeyName: 'aws:TagKeys',
      ContextKeyType: 'stringList',
      ContextKeyValues: ['bpa:environment', 'bpa:owner'],
    },
    string('iam:PassedToService', 'eks.amazonaws.com'),
    string('iam:PolicyARN', 'arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'),
    string('ec2:CreateAction', 'CreateVpc'),
  ];
}

const SIMULATION_BATCH = 100;

function isAccessDenied(error: unknown): boolean {
  const name = (error as { name?: string })?.name ?? '';
  return /AccessDenied|UnauthorizedOperation/i.test(name);
}

/**
 * Checks, before anything is created or deleted, that the portal can act in
 * the environment's account: credentials exist (STS GetCallerIdentity), they
 * belong to `spec.aws.accountId`, and the principal's policies allow every
 * action the operation needs (iam:SimulatePrincipalPolicy; the denied ones
 * are named). When the simulation itself is denied, says so and goes on.
 */
export async function verifyAwsAccess(options: {
  clients: Pick<AwsClients, 'sts' | 'iam' | 'target'>;
  environment: string;
  /** The IAM actions the operation needs. */
  actions: string[];
  /** What the actions are for, in the messages: "deploy", "teardown". */
  operation: string;
  logger: ProgressLogger;
}): Promise<AwsAccess> {
  const { clients, environment, actions, operation, logger } = options;
  const { accountId, region } = clients.target;

  let identity;
  try {
    identity = await clients.sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    const failure = `STS GetCallerIdentity failed (${(error as Error).name}: ${
      (error as Error).message
    })`;
    throw new AwsAccessError(
      isNetworkError(error)
        ? `AWS could not be reached for account ${accountId}: ${failure}. Check the backend's network access to AWS (and AWS_ENDPOINT_URL or proxy settings, if any).`
        : `No usable AWS credentials for account ${accountId}: ${failure}. Configure the account under aws.accounts in app-config.yaml, or give the backend default credentials (environment variables, AWS_PROFILE, or an instance/pod role).`,
    );
  }
  const callerArn = identity.Arn ?? '';
  if (identity.Account !== accountId) {
    throw new AwsAccessError(
      `The AWS credentials are for account ${identity.Account} (${callerArn}), but the environment is in account ${accountId} (spec.aws.accountId). Add account ${accountId} under aws.accounts in app-config.yaml (e.g. a roleName to assume).`,
    );
  }
  const principalArn = principalArnOf(callerArn);

  const partition = principalArn.split(':')[1];
  const byResource = new Map<string, string[]>();
  for (const action of actions) {
    const arn = simulationResourceArn(action, {
      partition,
      region,
      accountId,
      environment,
    });
    byResource.set(arn, [...(byResource.get(arn) ?? []), action]);
  }
  const results: EvaluationResult[] = [];
  try {
    for (const [resourceArn, group] of byResource) {
      for (let i = 0; i < group.length; i += SIMULATION_BATCH) {
        let marker: string | undefined;
        do {
          const page = await clients.iam.send(
            new SimulatePrincipalPolicyCommand({
              PolicySourceArn: principalArn,
              ActionNames: group.slice(i, i + SIMULATION_BATCH),
              ResourceArns: [resourceArn],
              ContextEntries: simulationContext(environment, region),
              Marker: marker,
            }),
          );
          results.push(...(page.EvaluationResults ?? []));
          marker = page.IsTruncated ? page.Marker : undefined;
        } while (marker);
      }
    }
  } catch (error) {
    const why = isAccessDenied(error)
      ? `iam:SimulatePrincipalPolicy is denied to ${principalArn}`
      : `the simulation failed (${(error as Error).name}: ${
          (error as Error).message
        })`;
    logger.warn(
      `Could not check the ${operation} permissions: ${why}. Continuing; a missing permission will show up as a failed resource. Grant iam:SimulatePrincipalPolicy on the portal's own role (docs/iam/portal-policy.json) to have it checked first.`,
    );
    return { accountId, callerArn, principalArn, permissionsChecked: false };
  }

  const denied = results
    .filter(r => r.EvalDecision !== 'allowed')
    .map(r => r.EvalActionName ?? '?')
    .filter((a, i, all) => all.indexOf(a) === i)
    .sort();
  if (denied.length) {
    throw new AwsAccessError(
      `${principalArn} may not do ${denied.length} of the ${
        actions.length
      } actions the ${operation} needs: ${denied.join(
        ', ',
      )}. Nothing was changed. Grant them to the portal's principal (docs/iam/portal-policy.json is the policy it needs).`,
      denied,
    );
  }
  logger.info(
    `AWS account ${accountId} as ${principalArn}: all ${actions.length} actions the ${operation} needs are allowed`,
  );
  return { accountId, callerArn, principalArn, permissionsChecked: true };
}
