import {
  DescribeRepositoriesCommand,
  ECRClient,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-ecr';
import {
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { ConfigReader } from '@backstage/config';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  SentCommand,
  motoAppConfig,
  motoCompatibleTemplate,
  recordCommands,
  recordingLogger,
  startMoto,
  stackRequests,
} from '@internal/backstage-plugin-bpa-test-utils';
import { awsClientFactoryFromConfig } from './clients';
import { StackDeployer, StackDeployment, StackRequest } from './stackDeployer';

/**
 * The stack deployer against moto's CloudFormation, a second implementation
 * of the API the simulator (stackDeployer.test.ts) imitates, over HTTP with
 * the portal's own client factory.
 *
 * What moto 5.2 cannot do, so the simulator and cfn-lint keep it:
 * - `AWS::EC2::VPCCidrBlock` and `AWS::EKS::*` have no model: the network
 *   test stack leaves out the pod CIDR and its subnets, and the cluster stack
 *   is not deployed here;
 * - a stack created through a change set gets no outputs and resolves no
 *   `Fn::ImportValue`, so the data and edge stacks cannot be created here;
 * - its stack events carry no ClientRequestToken (AWS's carry the token of
 *   the operation that made them), so each wait follows the stack the way a
 *   resumed task does, without a token;
 * - DeleteStack removes resources in no dependency order (the network's VPC
 *   before its subnets: DependencyViolation), so only the registry is deleted;
 * - ECR repositories made by CloudFormation lose ImageScanningConfiguration.
 */
/** The request as planned for apply: the bastion's AMI pinned, so the network stack has no parameter left to give. */
const spec = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
const requests = stackRequests(spec);
const target = { accountId: MOTO_ACCOUNT_ID, region: spec.aws.region };

let moto: MotoServer;
let deployer: StackDeployer;
let logger: ReturnType<typeof recordingLogger>;
let sent: SentCommand[];
let ecr: ECRClient;
let ec2: EC2Client;

beforeAll(async () => {
  moto = await startMoto();
  const sdk = {
    region: target.region,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  };
  ecr = new ECRClient(sdk);
  ec2 = new EC2Client(sdk);
}, MOTO_TEST_TIMEOUT_MS);
afterAll(() => moto?.stop());

beforeEach(async () => {
  await moto.reset();
  const clients = await awsClientFactoryFromConfig(
    new ConfigReader(motoAppConfig()),
    { endpoint: moto.endpoint, maxAttempts: 1 },
  ).forTarget(target);
  sent = recordCommands(clients.cloudFormation);
  logger = recordingLogger();
  deployer = new StackDeployer({
    cloudFormation: clients.cloudFormation,
    logger,
    pollIntervalMs: 100,
  });
});

/** Waits for an operation as a resumed task does (see above). */
const waitFor = (deployment: StackDeployment) =>
  deployer.wait({ ...deployment, token: null });

/** Starts the operation, then waits for it. */
async function deploy(request: StackRequest) {
  const deployment = await deployer.start(request);
  return { deployment, result: await waitFor(deployment) };
}

const commands = () => sent.map(c => c.command);

async function repositories() {
  const { repositories: found = [] } = await ecr.send(
    new DescribeRepositoriesCommand({}),
  );
  return found
    .map(r => ({
      name: r.repositoryName,
      mutability: r.imageTagMutability,
    }))
    .sort((a, b) => a.name!.localeCompare(b.name!));
}

/** The registry request with one more image: its stack gets one more repository. */
function registryWithAnotherImage(): StackRequest {
  const more = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    ecr: {
      ...REFERENCE_SPEC_INPUT.ecr,
      images: [
        ...(REFERENCE_SPEC_INPUT.ecr?.images ?? spec.ecr.images),
        { name: 'bpa-extra', tag: '4.0.3-1' },
      ],
    },
  });
  return stackRequests(more).registry;
}

describe('StackDeployer on moto', () => {
  jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

  it('creates the registry stack through a change set: ECR has the planned repositories', async () => {
    const { deployment, result } = await deploy(requests.registry);

    expect(deployment.change).toBe('create');
    expect(result.status).toBe('CREATE_COMPLETE');
    expect(commands()).toEqual(
      expect.arrayContaining([
        'CreateChangeSet',
        'DescribeChangeSet',
        'ExecuteChangeSet',
      ]),
    );
    const create = sent.find(c => c.command === 'CreateChangeSet')!.input;
    // No service role: CloudFormation acts with the portal's own credentials (docs/iam).
    expect(create.RoleARN).toBeUndefined();
    expect(create.ChangeSetType).toBe('CREATE');
    expect(await repositories()).toEqual([
      { name: 'bpa/bpa-chart', mutability: 'IMMUTABLE' },
      { name: 'bpa/sase-service', mutability: 'IMMUTABLE' },
    ]);
    const [repository] = (
      await ecr.send(
        new DescribeRepositoriesCommand({
          repositoryNames: ['bpa/sase-service'],
        }),
      )
    ).repositories!;
    const { tags } = await ecr.send(
      new ListTagsForResourceCommand({
        resourceArn: repository.repositoryArn,
      }),
    );
    expect(tags).toEqual(
      expect.arrayContaining([{ Key: 'bpa:environment', Value: 'bpa-demo' }]),
    );
  });

  it('runs the same request again without executing anything', async () => {
    await deploy(requests.registry);
    sent.length = 0;

    const { deployment } = await deploy(requests.registry);

    // A change set of its own, which CloudFormation finds empty: deleted, never executed.
    expect(deployment.change).toBe('unchanged');
    expect(commands()).toEqual(
      expect.arrayContaining(['CreateChangeSet', 'DeleteChangeSet']),
    );
    expect(commands()).not.toContain('ExecuteChangeSet');
    expect(logger.messages()).toContain(
      '[registry] bpa-demo-registry: no changes, the stack already matches the plan',
    );
  });

  it('updates the stack through a change set: the new repository appears, the others stay', async () => {
    await deploy(requests.registry);

    const { deployment, result } = await deploy(registryWithAnotherImage());

    expect(deployment.change).toBe('update');
    expect(result.status).toBe('UPDATE_COMPLETE');
    expect(logger.messages()).toContain(
      '[registry] bpa-demo-registry: 1 to add, 0 to modify, 0 to remove',
    );
    expect((await repositories()).map(r => r.name)).toEqual([
      'bpa/bpa-chart',
      'bpa/bpa-extra',
      'bpa/sase-service',
    ]);
  });

  it('deletes the stack and its repositories; deleting again is a no-op', async () => {
    await deploy(requests.registry);

    const deletion = await deployer.startDelete(requests.registry);
    const result = await deployer.waitForDelete({ ...deletion!, token: null });

    expect(result.status).toBe('DELETE_COMPLETE');
    expect(await repositories()).toEqual([]);
    expect(await deployer.startDelete(requests.registry)).toBeUndefined();
    expect(logger.messages()).toContain(
      '[registry] bpa-demo-registry does not exist (deleted already)',
    );
  });

  describe('a test stack: the network template without the pod CIDR', () => {
    const { body, removed } = motoCompatibleTemplate(
      requests.network.templateBody,
    );
    const network: StackRequest = { ...requests.network, templateBody: body };

    it('leaves out only the pod CIDR and what stands on it', () => {
      expect(removed).toEqual([
        'PodCidrBlock',
        'PodSubnet1',
        'PodSubnet1RouteTableAssociation',
        'PodSubnet2',
        'PodSubnet2RouteTableAssociation',
        'PodSubnet3',
        'PodSubnet3RouteTableAssociation',
      ]);
    });

    it('creates the VPC, subnets and security groups as planned, tagged with the environment', async () => {
      const { result } = await deploy(network);

      expect(result.status).toBe('CREATE_COMPLETE');
      const byTag = [{ Name: 'tag:bpa:environment', Values: ['bpa-demo'] }];
      const { Vpcs = [] } = await ec2.send(
        new DescribeVpcsCommand({ Filters: byTag }),
      );
      expect(Vpcs.map(v => v.CidrBlock)).toEqual([spec.network.vpcCidr]);
      const { Subnets = [] } = await ec2.send(
        new DescribeSubnetsCommand({ Filters: byTag }),
      );
      expect(new Set(Subnets.map(s => s.AvailabilityZone))).toEqual(
        new Set(spec.aws.availabilityZones),
      );
      expect(Subnets).toHaveLength(6);
      const { SecurityGroups = [] } = await ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: byTag }),
      );
      const alb = SecurityGroups.find(g =>
        g.Tags?.some(t => t.Key === 'Name' && /alb/i.test(t.Value ?? '')),
      );
      expect(
        alb?.IpPermissions?.flatMap(p => p.IpRanges?.map(r => r.CidrIp)),
      ).toEqual(expect.arrayContaining([spec.network.adminCidr]));
    });

    it('treats an empty change set as a no-op: the same template written differently changes nothing', async () => {
      await deploy(network);
      sent.length = 0;

      const { deployment } = await deploy({
        ...network,
        templateBody: JSON.stringify(JSON.parse(body), null, 2),
      });

      expect(deployment.change).toBe('unchanged');
      expect(commands()).toContain('CreateChangeSet');
      expect(commands()).toContain('DeleteChangeSet');
      expect(commands()).not.toContain('ExecuteChangeSet');
    });
  });
});
