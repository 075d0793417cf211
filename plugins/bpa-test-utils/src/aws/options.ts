import type { StackClock } from '@internal/backstage-plugin-bpa-node';
import { PolicyDocumentJson } from './iamPolicyEvaluator';

/** How long operations take on one stack, in clock milliseconds. */
export interface SimulatedTimings {
  create: number;
  update: number;
  delete: number;
}

export interface SimulatedAwsOptions {
  clock: StackClock;
  accountId: string;
  region: string;
  /** What STS GetCallerIdentity says; an assumed-role session by default. */
  callerArn?: string;
  /** The account the credentials belong to, when it should differ from accountId. */
  callerAccountId?: string;
  /** STS fails as it does without any credentials. */
  noCredentials?: boolean;
  /** Actions the principal's policies do not allow. */
  deniedActions?: string[];
  /** The principal's policy: the simulation evaluates it (else everything but deniedActions is allowed). */
  policy?: PolicyDocumentJson;
  /** The principal may not call iam:SimulatePrincipalPolicy. */
  simulationDenied?: boolean;
  /** Per stack name; stacks not listed take `defaultTimings`. */
  timings?: Record<string, Partial<SimulatedTimings>>;
  defaultTimings?: SimulatedTimings;
  /** What EKS DescribeCluster answers as the clusters' API server (e.g. a lab kube-apiserver). */
  eksEndpoint?: { endpoint: string; caData: string };
  /**
   * The value of a complete stack's output (its template's `Value`
   * expression given), e.g. a realistic id or the ARN of a secret RDS made;
   * undefined for the default `<stack>:<key>:value`. Asked once per stack
   * and output.
   */
  outputValue?: (
    stack: { stackName: string; stackId: string },
    outputKey: string,
    value: unknown,
  ) => string | undefined;
  /** How long CloudFormation takes to compute a change set. */
  changeSetMs?: number;
}
