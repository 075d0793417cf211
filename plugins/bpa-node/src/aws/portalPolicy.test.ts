import fs from 'node:fs';
import path from 'node:path';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  PolicyDocumentJson,
  policyAllows,
  sdkCallsIn,
} from '@internal/backstage-plugin-bpa-test-utils';
import { renderStackTemplates } from '../plan/cloudformation';
import { BASTION_AMI_PARAMETER } from '../plan/cloudformation/network';
import { IMAGE_MIRROR_ACTIONS, requiredActions } from './permissions';
import { parseTemplateBody, resourceTypes } from './templateBody';

/**
 * The portal policy against what the code really calls: every AWS API call
 * of the apply, the teardown and the live status, read from the runtime
 * sources (`new XxxCommand(` of an `@aws-sdk/client-*` command), must be allowed by docs/iam/portal-policy.json on
 * the resources it is made on. A new call without its permission fails here.
 */
const plugins = path.resolve(__dirname, '../../..');
const calls = sdkCallsIn(
  ['bpa-node/src', 'scaffolder-backend-module-bpa/src', 'bpa-backend/src'].map(
    dir => path.join(plugins, dir),
  ),
);
const policy: PolicyDocumentJson = JSON.parse(
  fs.readFileSync(path.join(plugins, '../docs/iam/portal-policy.json'), 'utf8'),
);

/** Calls AWS answers without any permission. */
const NEEDS_NO_PERMISSION: Record<string, string> = {
  // "No permissions are required to perform this operation" (STS API reference).
  'sts:GetCallerIdentity': 'always allowed',
};

/**
 * Calls the policy leaves to a statement of the operator's, because only
 * they know the resource (docs/iam/README.md says what to add).
 */
const GRANTED_BY_THE_OPERATOR: Record<string, string> = {
  's3:GetObject':
    "the BPA package's archives (ecr.archives): the operator's own bucket",
};

/**
 * What the ECR login is for: skopeo pushes the images and the chart (and
 * reads them back), helm pulls the chart, with its token, and the registry
 * checks these (ECR's "Private repository policies").
 */
const REGISTRY_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
  'ecr:InitiateLayerUpload',
  'ecr:UploadLayerPart',
  'ecr:CompleteLayerUpload',
  'ecr:PutImage',
];

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const arn = (service: string, resource: string, region = REGION) =>
  `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;

/**
 * The resources each call is made on, as the code names them (secrets of
 * the environment and RDS's own, the environment's cluster, stacks, VPC
 * endpoint, Auto Scaling groups, AWS's public AMI parameter); calls not
 * listed act on `*`.
 */
function resourcesOf(action: string): string[] {
  const [service, operation] = action.split(':');
  const bpaSecret = arn(
    'secretsmanager',
    'secret:bpa/bpa-demo/postgres-root-AbCdEf',
  );
  switch (service) {
    case 'cloudformation':
      return [arn('cloudformation', 'stack/bpa-demo-network/0a1b2c3d')];
    case 'secretsmanager':
      // The references of the plan read RDS's master secret as well.
      return operation === 'GetSecretValue'
        ? [bpaSecret, arn('secretsmanager', 'secret:rds!db-0a1b2c3d-AbCdEf')]
        : [bpaSecret];
    case 'eks':
      return operation === 'DescribeNodegroup'
        ? [arn('eks', 'nodegroup/bpa-demo-eks/bpa-demo-node-1/0a1b2c3d')]
        : [arn('eks', 'cluster/bpa-demo-eks')];
    case 'ec2':
      return operation === 'CreateVpcEndpoint'
        ? [
            'vpc-endpoint/*',
            'vpc/vpc-0a1b2c3d',
            'subnet/subnet-0a1b2c3d',
            'security-group/sg-0a1b2c3d',
          ].map(r => arn('ec2', r))
        : [arn('ec2', 'vpc-endpoint/vpce-0a1b2c3d')];
    case 'autoscaling':
      return [
        arn(
          'autoscaling',
          'autoScalingGroup:0a1b2c3d:autoScalingGroupName/eks-node-1',
        ),
      ];
    case 'acm':
      return [arn('acm', 'certificate/0a1b2c3d')];
    case 'iam':
      return [`arn:aws:iam::${ACCOUNT}:role/bpa-portal`];
    case 'ssm':
      // AWS's public parameters have no account in their ARN.
      return [`arn:aws:ssm:${REGION}::parameter${BASTION_AMI_PARAMETER}`];
    case 'ecr':
      return operation === 'GetAuthorizationToken'
        ? ['*']
        : [
            arn('ecr', 'repository/bpa/bpa-chart'),
            arn('ecr', 'repository/bpa/sase-service'),
          ];
    case 's3':
      return ['arn:aws:s3:::bpa-package-bucket/bpa/sase-service.tar'];
    default:
      return ['*'];
  }
}

/** What the requests carry: the environment's tags on what is created and what exists, EC2's tag-on-create, EKS's Auto Scaling tag. */
const CONTEXT: Record<string, string[]> = {
  'aws:RequestedRegion': [REGION],
  'aws:RequestTag/bpa:environment': ['bpa-demo'],
  'aws:ResourceTag/bpa:environment': ['bpa-demo'],
  'aws:TagKeys': ['bpa:environment', 'bpa:owner'],
  'aws:ResourceTag/k8s.io/cluster-autoscaler/enabled': ['true'],
  'ec2:CreateAction': ['CreateVpcEndpoint'],
};

const denied = (actions: string[]) =>
  actions.flatMap(action =>
    resourcesOf(action)
      .filter(resource => !policyAllows(policy, action, resource, CONTEXT))
      .map(resource => `${action} on ${resource}`),
  );

const unique = (actions: string[]) => [...new Set(actions)].sort();

describe('docs/iam/portal-policy.json against the calls the code makes', () => {
  const actions = unique(calls.map(c => c.action));

  it('finds the calls: stacks, secrets, the PrivateLink endpoint, EKS, Auto Scaling, ACM, STS, IAM, the ECR login and image reads, the archives in S3', () => {
    expect(actions).toEqual(
      expect.arrayContaining([
        'cloudformation:CreateChangeSet',
        'secretsmanager:CreateSecret',
        'ec2:CreateVpcEndpoint',
        'ec2:DeleteVpcEndpoints',
        'eks:DescribeCluster',
        'autoscaling:AttachLoadBalancerTargetGroups',
        'acm:DescribeCertificate',
        'sts:GetCallerIdentity',
        'iam:SimulatePrincipalPolicy',
        'ecr:GetAuthorizationToken',
        'ecr:DescribeImages',
        's3:GetObject',
      ]),
    );
  });

  it('allows every one of them on the resources it is made on', () => {
    expect(
      denied(
        actions.filter(
          a => !NEEDS_NO_PERMISSION[a] && !GRANTED_BY_THE_OPERATOR[a],
        ),
      ),
    ).toEqual([]);
  });

  it('leaves only the archives in S3 to the operator, and does not grant them itself', () => {
    expect(actions.filter(a => GRANTED_BY_THE_OPERATOR[a])).toEqual([
      's3:GetObject',
    ]);
    expect(denied(['s3:GetObject'])).toEqual([
      's3:GetObject on arn:aws:s3:::bpa-package-bucket/bpa/sase-service.tar',
    ]);
  });

  it("allows pushing the images and the chart into the environment's ECR, and pulling them, with the login's token", () => {
    expect(denied(REGISTRY_ACTIONS)).toEqual([]);
  });

  it("lists the image mirror's ECR calls, and the pushes its token is for, among the actions the access check simulates", () => {
    const mirrorCalls = calls.filter(c =>
      /bpa-node\/src\/(ecr|mirror)\//.test(c.file),
    );
    expect(unique(mirrorCalls.map(c => c.action))).toEqual([
      'ecr:DescribeImages',
      'ecr:GetAuthorizationToken',
      's3:GetObject',
    ]);
    expect(
      unique([...mirrorCalls.map(c => c.action), ...REGISTRY_ACTIONS]).filter(
        a => !IMAGE_MIRROR_ACTIONS.includes(a) && !GRANTED_BY_THE_OPERATOR[a],
      ),
    ).toEqual([]);
  });

  it('lists every call of the stack operations among the actions the access check simulates (permissions.ts)', () => {
    const templates = renderStackTemplates(
      parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
    ).map(a => parseTemplateBody(a.content));
    const simulated = new Set(
      (['deploy', 'teardown'] as const).flatMap(operation =>
        requiredActions({
          operation,
          resourceTypes: templates.flatMap(resourceTypes),
          replacesStacks: true,
        }),
      ),
    );
    const stackOperations = calls.filter(c =>
      /bpa-node\/src\/aws\/(stackDeployer|teardown|loadBalancerTargets|certificate)\.ts$/.test(
        c.file,
      ),
    );
    expect(stackOperations.length).toBeGreaterThan(10);
    expect(
      unique(
        stackOperations
          .map(c => c.action)
          .filter(a => !simulated.has(a) && !NEEDS_NO_PERMISSION[a]),
      ),
    ).toEqual([]);
  });
});
