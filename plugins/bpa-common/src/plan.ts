/** What kind of artifact a plan entry is; decides which apply step consumes it. */
export type PlanArtifactKind =
  | 'cloudformation'
  | 'kubernetes'
  | 'helm-values'
  | 'image-mirror'
  | 'environment-txt'
  | 'sql'
  | 'iam-policy'
  | 'shell'
  | 'summary';

/** One rendered file of the plan. Its content is exactly what apply uses. */
export interface PlanArtifact {
  /** Path relative to the plan directory, e.g. `cloudformation/network.yaml`. */
  path: string;
  kind: PlanArtifactKind;
  /** One line saying what it is for. */
  description: string;
  content: string;
  /** How many cloud or cluster resources applying this file creates, where it creates any. */
  resources?: number;
}

/** CloudFormation stacks, in the order they are first deployed. */
export const STACK_KINDS = [
  'network',
  'cluster',
  'data',
  'registry',
  'edge',
] as const;
export type StackKind = (typeof STACK_KINDS)[number];

/** The complete, reviewable plan of an environment. */
export interface EnvironmentPlan {
  /** Environment name (from the spec). */
  environment: string;
  artifacts: PlanArtifact[];
  /** Markdown summary for reviewers. */
  summary: string;
  /** Estimated number of cloud and cluster resources the apply creates. */
  resourceCount: number;
}
