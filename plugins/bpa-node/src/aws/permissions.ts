import { CERTIFICATE_CHECK_ACTIONS } from './certificate';
import { BASTION_IMAGE_ACTIONS } from './bastionImage';
import { DATABASE_SNAPSHOT_ACTIONS } from './databaseSnapshots';
import {
  LOAD_BALANCER_DETACH_ACTIONS,
  LOAD_BALANCER_TARGET_ACTIONS,
} from './loadBalancerTargets';

/**
 * The IAM actions the portal's principal needs to apply and tear down BPA
 * environments. CloudFormation runs without a service role, so it calls every
 * resource API with the caller's credentials: the actions follow from the
 * resource types in the stacks, plus what the apply calls itself (stack
 * operations, attaching the node groups to the load balancer, the
 * certificate check). `docs/iam/portal-policy.json` grants these and what
 * the other steps call: permissions.test.ts evaluates it for these actions,
 * portalPolicy.test.ts for every SDK command the code sends, and checks that
 * the stack operations' own calls are listed here.
 */

/** What CloudFormation does to a resource type, and the API actions each needs. */
interface ResourceActions {
  create: string[];
  update?: string[];
  delete: string[];
}

const TAGS_EC2 = ['ec2:CreateTags', 'ec2:DeleteTags'];

const RESOURCE_ACTIONS: Record<string, ResourceActions> = {
  'AWS::EC2::VPC': {
    create: [
      'ec2:CreateVpc',
      'ec2:ModifyVpcAttribute',
      'ec2:DescribeVpcs',
      ...TAGS_EC2,
    ],
    delete: ['ec2:DeleteVpc', 'ec2:DescribeVpcs'],
  },
  'AWS::EC2::VPCCidrBlock': {
    create: ['ec2:AssociateVpcCidrBlock', 'ec2:DescribeVpcs'],
    delete: ['ec2:DisassociateVpcCidrBlock', 'ec2:DescribeVpcs'],
  },
  'AWS::EC2::Subnet': {
    create: [
      'ec2:CreateSubnet',
      'ec2:ModifySubnetAttribute',
      'ec2:DescribeSubnets',
      ...TAGS_EC2,
    ],
    delete: ['ec2:DeleteSubnet', 'ec2:DescribeSubnets'],
  },
  'AWS::EC2::InternetGateway': {
    create: [
      'ec2:CreateInternetGateway',
      'ec2:DescribeInternetGateways',
      ...TAGS_EC2,
    ],
    delete: ['ec2:DeleteInternetGateway', 'ec2:DescribeInternetGateways'],
  },
  'AWS::EC2::VPCGatewayAttachment': {
    create: ['ec2:AttachInternetGateway', 'ec2:DescribeInternetGateways'],
    delete: ['ec2:DetachInternetGateway', 'ec2:DescribeInternetGateways'],
  },
  'AWS::EC2::RouteTable': {
    create: ['ec2:CreateRouteTable', 'ec2:DescribeRouteTables', ...TAGS_EC2],
    delete: ['ec2:DeleteRouteTable', 'ec2:DescribeRouteTables'],
  },
  'AWS::EC2::Route': {
    create: ['ec2:CreateRoute', 'ec2:DescribeRouteTables'],
    update: ['ec2:ReplaceRoute'],
    delete: ['ec2:DeleteRoute', 'ec2:DescribeRouteTables'],
  },
  'AWS::EC2::SubnetRouteTableAssociation': {
    create: ['ec2:AssociateRouteTable', 'ec2:DescribeRouteTables'],
    update: ['ec2:ReplaceRouteTableAssociation'],
    delete: ['ec2:DisassociateRouteTable', 'ec2:DescribeRouteTables'],
  },
  'AWS::EC2::EIP': {
    create: ['ec2:AllocateAddress', 'ec2:DescribeAddresses', ...TAGS_EC2],
    delete: ['ec2:ReleaseAddress', 'ec2:DescribeAddresses'],
  },
  'AWS::EC2::NatGateway': {
    create: ['ec2:CreateNatGateway', 'ec2:DescribeNatGateways', ...TAGS_EC2],
    delete: ['ec2:DeleteNatGateway', 'ec2:DescribeNatGateways'],
  },
  'AWS::EC2::SecurityGroup': {
    create: [
      'ec2:CreateSecurityGroup',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:DescribeSecurityGroups',
      ...TAGS_EC2,
    ],
    update: ['ec2:RevokeSecurityGroupIngress'],
    delete: ['ec2:DeleteSecurityGroup', 'ec2:DescribeSecurityGroups'],
  },
  'AWS::EC2::SecurityGroupIngress': {
    create: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:DescribeSecurityGroups'],
    delete: ['ec2:RevokeSecurityGroupIngress', 'ec2:DescribeSecurityGroups'],
  },
  'AWS::EC2::Instance': {
    create: [
      'ec2:RunInstances',
      'ec2:DescribeInstances',
      'iam:PassRole',
      ...TAGS_EC2,
    ],
    update: [
      'ec2:ModifyInstanceAttribute',
      'ec2:StopInstances',
      'ec2:StartInstances',
    ],
    delete: ['ec2:TerminateInstances', 'ec2:DescribeInstances'],
  },
  'AWS::EC2::LaunchTemplate': {
    create: [
      'ec2:CreateLaunchTemplate',
      'ec2:DescribeLaunchTemplates',
      ...TAGS_EC2,
    ],
    update: ['ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate'],
    delete: ['ec2:DeleteLaunchTemplate', 'ec2:DescribeLaunchTemplates'],
  },
  'AWS::EC2::Volume': {
    create: ['ec2:CreateVolume', 'ec2:DescribeVolumes', ...TAGS_EC2],
    update: ['ec2:ModifyVolume', 'ec2:DescribeVolumesModifications'],
    // DeletionPolicy and UpdateReplacePolicy Snapshot: CloudFormation snapshots the volume first.
    delete: [
      'ec2:CreateSnapshot',
      'ec2:DescribeSnapshots',
      'ec2:DeleteVolume',
      'ec2:DescribeVolumes',
    ],
  },
  'AWS::IAM::Role': {
    create: [
      'iam:CreateRole',
      'iam:GetRole',
      'iam:TagRole',
      'iam:AttachRolePolicy',
      'iam:PutRolePolicy',
      'iam:GetRolePolicy',
    ],
    update: [
      'iam:UpdateAssumeRolePolicy',
      'iam:DetachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:UntagRole',
    ],
    delete: [
      'iam:DeleteRole',
      'iam:DetachRolePolicy',
      'iam:DeleteRolePolicy',
      'iam:ListAttachedRolePolicies',
      'iam:ListRolePolicies',
      'iam:ListInstanceProfilesForRole',
    ],
  },
  'AWS::IAM::InstanceProfile': {
    create: [
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'iam:GetInstanceProfile',
      'iam:PassRole',
    ],
    delete: [
      'iam:DeleteInstanceProfile',
      'iam:RemoveRoleFromInstanceProfile',
      'iam:GetInstanceProfile',
    ],
  },
  'AWS::EKS::Cluster': {
    create: [
      'eks:CreateCluster',
      'eks:DescribeCluster',
      'eks:TagResource',
      'iam:PassRole',
    ],
    update: [
      'eks:UpdateClusterConfig',
      'eks:UpdateClusterVersion',
      'eks:DescribeUpdate',
      'eks:UntagResource',
    ],
    delete: ['eks:DeleteCluster', 'eks:DescribeCluster'],
  },
  'AWS::EKS::AccessEntry': {
    create: [
      'eks:CreateAccessEntry',
      'eks:AssociateAccessPolicy',
      'eks:DescribeAccessEntry',
      'eks:ListAssociatedAccessPolicies',
    ],
    update: ['eks:UpdateAccessEntry', 'eks:DisassociateAccessPolicy'],
    delete: [
      'eks:DeleteAccessEntry',
      'eks:DisassociateAccessPolicy',
      'eks:DescribeAccessEntry',
    ],
  },
  'AWS::EKS::Addon': {
    // PodIdentityAssociations: EKS creates the add-on's associations with the caller's rights, passing their roles.
    create: [
      'eks:CreateAddon',
      'eks:DescribeAddon',
      'eks:TagResource',
      'eks:CreatePodIdentityAssociation',
      'eks:DescribePodIdentityAssociation',
      'iam:PassRole',
    ],
    update: [
      'eks:UpdateAddon',
      'eks:DescribeUpdate',
      'eks:UpdatePodIdentityAssociation',
    ],
    delete: [
      'eks:DeleteAddon',
      'eks:DescribeAddon',
      'eks:DeletePodIdentityAssociation',
    ],
  },
  'AWS::EKS::Nodegroup': {
    create: [
      'eks:CreateNodegroup',
      'eks:DescribeNodegroup',
      'eks:TagResource',
      'iam:PassRole',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:RunInstances',
    ],
    update: [
      'eks:UpdateNodegroupConfig',
      'eks:UpdateNodegroupVersion',
      'eks:DescribeUpdate',
    ],
    delete: ['eks:DeleteNodegroup', 'eks:DescribeNodegroup'],
  },
  'AWS::Logs::LogGroup': {
    create: [
      'logs:CreateLogGroup',
      'logs:PutRetentionPolicy',
      'logs:TagResource',
      'logs:DescribeLogGroups',
    ],
    update: ['logs:PutRetentionPolicy', 'logs:UntagResource'],
    delete: ['logs:DeleteLogGroup', 'logs:DescribeLogGroups'],
  },
  'AWS::RDS::DBSubnetGroup': {
    create: [
      'rds:CreateDBSubnetGroup',
      'rds:DescribeDBSubnetGroups',
      'rds:AddTagsToResource',
    ],
    update: ['rds:ModifyDBSubnetGroup'],
    delete: ['rds:DeleteDBSubnetGroup', 'rds:DescribeDBSubnetGroups'],
  },
  'AWS::RDS::DBParameterGroup': {
    create: [
      'rds:CreateDBParameterGroup',
      'rds:ModifyDBParameterGroup',
      'rds:DescribeDBParameterGroups',
      'rds:DescribeDBParameters',
      'rds:AddTagsToResource',
    ],
    delete: ['rds:DeleteDBParameterGroup', 'rds:DescribeDBParameterGroups'],
  },
  'AWS::RDS::DBInstance': {
    // ManageMasterUserPassword: RDS creates the master secret with the caller's rights.
    create: [
      'rds:CreateDBInstance',
      'rds:DescribeDBInstances',
      'rds:AddTagsToResource',
      'secretsmanager:CreateSecret',
      'secretsmanager:TagResource',
    ],
    update: ['rds:ModifyDBInstance', 'rds:RemoveTagsFromResource'],
    // DeletionPolicy Snapshot: the final snapshot is taken by DeleteDBInstance.
    delete: [
      'rds:DeleteDBInstance',
      'rds:CreateDBSnapshot',
      'rds:DescribeDBInstances',
    ],
  },
  'AWS::ECR::Repository': {
    create: [
      'ecr:CreateRepository',
      'ecr:DescribeRepositories',
      'ecr:TagResource',
    ],
    update: [
      'ecr:PutImageScanningConfiguration',
      'ecr:PutImageTagMutability',
      'ecr:UntagResource',
    ],
    delete: ['ecr:DeleteRepository', 'ecr:DescribeRepositories'],
  },
  'AWS::ElasticLoadBalancingV2::LoadBalancer': {
    create: [
      'elasticloadbalancing:CreateLoadBalancer',
      'elasticloadbalancing:DescribeLoadBalancers',
      'elasticloadbalancing:ModifyLoadBalancerAttributes',
      'elasticloadbalancing:AddTags',
    ],
    update: [
      'elasticloadbalancing:SetSecurityGroups',
      'elasticloadbalancing:SetSubnets',
      'elasticloadbalancing:RemoveTags',
    ],
    delete: [
      'elasticloadbalancing:DeleteLoadBalancer',
      'elasticloadbalancing:DescribeLoadBalancers',
    ],
  },
  'AWS::ElasticLoadBalancingV2::TargetGroup': {
    create: [
      'elasticloadbalancing:CreateTargetGroup',
      'elasticloadbalancing:DescribeTargetGroups',
      'elasticloadbalancing:ModifyTargetGroupAttributes',
      'elasticloadbalancing:AddTags',
    ],
    update: [
      'elasticloadbalancing:ModifyTargetGroup',
      'elasticloadbalancing:RemoveTags',
    ],
    delete: [
      'elasticloadbalancing:DeleteTargetGroup',
      'elasticloadbalancing:DescribeTargetGroups',
    ],
  },
  'AWS::ElasticLoadBalancingV2::Listener': {
    create: [
      'elasticloadbalancing:CreateListener',
      'elasticloadbalancing:DescribeListeners',
      'elasticloadbalancing:AddTags',
    ],
    update: ['elasticloadbalancing:ModifyListener'],
    delete: [
      'elasticloadbalancing:DeleteListener',
      'elasticloadbalancing:DescribeListeners',
    ],
  },
};

/** What the apply itself calls on CloudFormation, before any resource. */
export const STACK_DEPLOY_ACTIONS = [
  'cloudformation:CreateChangeSet',
  'cloudformation:DescribeChangeSet',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:DeleteChangeSet',
  'cloudformation:DescribeStacks',
  'cloudformation:DescribeStackEvents',
];

/** What the teardown calls on CloudFormation: it reads the deployed template and may update it first. */
export const STACK_TEARDOWN_ACTIONS = [
  ...STACK_DEPLOY_ACTIONS,
  'cloudformation:GetTemplate',
  'cloudformation:DeleteStack',
  // The final snapshots it reports.
  ...DATABASE_SNAPSHOT_ACTIONS,
];

/**
 * Instance target groups are filled after the deploy: the node groups'
 * Auto Scaling groups (EKS's, not the stack's) are attached to them.
 */
const ATTACHED_TARGET_GROUP = 'AWS::ElasticLoadBalancingV2::TargetGroup';

/** HTTPS listeners take an ACM certificate, checked before the edge stack is deployed. */
const CERTIFIED_LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';

/**
 * What bpa:ecr:mirror does in the environment's ECR beside the stacks: the
 * login, the digests ECR holds, and skopeo's pushes (and reads) with the
 * login's token, which ECR checks as these actions on the repository.
 */
export const IMAGE_MIRROR_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:DescribeImages',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
];

export type StackOperation = 'deploy' | 'teardown';

/** Resource types of the given templates that the action table does not know; they are reported, not guessed. */
export function unknownResourceTypes(resourceTypes: string[]): string[] {
  return [...new Set(resourceTypes)].filter(t => !RESOURCE_ACTIONS[t]).sort();
}

/**
 * Every action an operation on stacks holding these resource types needs,
 * sorted and unique. A deploy may create, update or (on replacement) delete
 * any resource; a teardown may first update (to lift deletion protection or
 * let repositories go with their images) and then deletes.
 */
export function requiredActions(options: {
  operation: StackOperation;
  resourceTypes: string[];
  /** Whether a rolled-back stack may be deleted and created again. */
  replacesStacks?: boolean;
}): string[] {
  const actions = new Set<string>(
    options.operation === 'deploy'
      ? STACK_DEPLOY_ACTIONS
      : STACK_TEARDOWN_ACTIONS,
  );
  if (options.replacesStacks) {
    actions.add('cloudformation:DeleteStack');
  }
  if (
    options.operation === 'deploy' &&
    options.resourceTypes.includes(CERTIFIED_LISTENER)
  ) {
    CERTIFICATE_CHECK_ACTIONS.forEach(a => actions.add(a));
  }
  if (options.resourceTypes.includes(ATTACHED_TARGET_GROUP)) {
    (options.operation === 'deploy'
      ? LOAD_BALANCER_TARGET_ACTIONS
      : LOAD_BALANCER_DETACH_ACTIONS
    ).forEach(a => actions.add(a));
  }
  for (const type of new Set(options.resourceTypes)) {
    const entry = RESOURCE_ACTIONS[type];
    if (!entry) continue;
    const phases =
      options.operation === 'deploy'
        ? [entry.create, entry.update ?? [], entry.delete]
        : [entry.update ?? [], entry.delete];
    phases.flat().forEach(a => actions.add(a));
  }
  return [...actions].sort();
}

/** Every action any known resource type may need, and the plan step's bastion AMI lookup: what the portal policy document must grant. */
export function allPortalActions(): string[] {
  return requiredActions({
    operation: 'deploy',
    resourceTypes: Object.keys(RESOURCE_ACTIONS),
    replacesStacks: true,
  })
    .concat(
      STACK_TEARDOWN_ACTIONS,
      LOAD_BALANCER_DETACH_ACTIONS,
      BASTION_IMAGE_ACTIONS,
      IMAGE_MIRROR_ACTIONS,
    )
    .filter((a, i, all) => all.indexOf(a) === i)
    .sort();
}

/**
 * The resource an action is simulated on. The portal policy names resources
 * for some services (stacks, roles, the AMI parameter, RDS's secret, the control plane log group), and
 * IAM's simulator only matches such a statement when asked about a matching
 * ARN; everything else is simulated on `*`.
 */
export function simulationResourceArn(
  action: string,
  where: {
    partition: string;
    region: string;
    accountId: string;
    environment: string;
  },
): string {
  const { partition: p, region, accountId, environment } = where;
  const [service, name] = action.split(':');
  if (service === 'cloudformation') {
    return `arn:${p}:cloudformation:${region}:${accountId}:stack/${environment}-network/00000000-0000-0000-0000-000000000000`;
  }
  if (
    service === 'iam' &&
    name.includes('InstanceProfile') &&
    name !== 'ListInstanceProfilesForRole'
  ) {
    return `arn:${p}:iam::${accountId}:instance-profile/${environment}-network-BastionInstanceProfile-EXAMPLE`;
  }
  if (
    service === 'iam' &&
    action !== 'iam:SimulatePrincipalPolicy' &&
    action !== 'iam:CreateServiceLinkedRole'
  ) {
    return `arn:${p}:iam::${accountId}:role/${environment}-cluster-ClusterRole-EXAMPLE`;
  }
  if (service === 'ssm') {
    return `arn:${p}:ssm:${region}::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`;
  }
  if (service === 'acm') {
    return `arn:${p}:acm:${region}:${accountId}:certificate/00000000-0000-0000-0000-000000000000`;
  }
  if (service === 'logs') {
    return `arn:${p}:logs:${region}:${accountId}:log-group:/aws/eks/${environment}-eks/cluster:*`;
  }
  if (service === 'ecr' && name !== 'GetAuthorizationToken') {
    return `arn:${p}:ecr:${region}:${accountId}:repository/EXAMPLE/bpa-chart`;
  }
  if (service === 'secretsmanager') {
    return `arn:${p}:secretsmanager:${region}:${accountId}:secret:rds!db-EXAMPLE`;
  }
  return '*';
}
