import {
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import { partitionOf } from './common';
import { environmentRepositories } from './registry';

export const ECR_PULL_ACTIONS = [
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
  'ecr:BatchCheckLayerAvailability',
];

/**
 * Repositories of the images EKS itself runs on every node (VPC CNI, kube-proxy,
 * CoreDNS, pause). They live in an AWS-owned account that differs by region;
 * a cross-account pull needs the puller's own policy to allow it too, so
 * without these the nodes never become Ready.
 */
const EKS_ADDON_REPOSITORIES = [
  'amazon-k8s-cni',
  'amazon-k8s-cni-init',
  'amazon/aws-network-policy-agent',
  'eks/*',
];

/** An IAM policy document. */
export type PolicyDocument = {
  Version: '2012-10-17';
  Statement: {
    Sid: string;
    Effect: 'Allow';
    Action: string | string[];
    Resource: string | string[];
  }[];
};

/**
 * The node role's ECR pull policy: pull from the environment's repositories
 * (and EKS's own add-on images), never push; the registry token itself is not
 * resource-scoped in IAM, hence `*`.
 */
export function nodeEcrPullPolicy(spec: EnvironmentSpec): PolicyDocument {
  const { region, accountId } = spec.aws;
  const ecrArn = (account: string, repository: string) =>
    `arn:${partitionOf(
      region,
    )}:ecr:${region}:${account}:repository/${repository}`;
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'PullEnvironmentImages',
        Effect: 'Allow',
        Action: [...ECR_PULL_ACTIONS],
        Resource: environmentRepositories(spec).map(r => ecrArn(accountId, r)),
      },
      {
        Sid: 'PullEksAddonImages',
        Effect: 'Allow',
        Action: [...ECR_PULL_ACTIONS],
        Resource: EKS_ADDON_REPOSITORIES.map(r => ecrArn('*', r)),
      },
      {
        Sid: 'GetRegistryToken',
        Effect: 'Allow',
        Action: 'ecr:GetAuthorizationToken',
        Resource: '*',
      },
    ],
  };
}

/** The IAM policy documents of the plan, for review; the cluster stack embeds the same document. */
export function renderIamPolicies(spec: EnvironmentSpec): PlanArtifact[] {
  return [
    {
      path: 'iam/node-ecr-pull-policy.json',
      kind: 'iam-policy',
      description:
        'Node role policy: pull BPA images from the environment ECR repositories',
      content: `${JSON.stringify(nodeEcrPullPolicy(spec), null, 2)}\n`,
    },
  ];
}
