import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  STACK_KINDS,
  parseEnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { parse } from 'yaml';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  SimulatedAws,
  VirtualClock,
  recordingLogger,
  simulateAws,
  stackRequests,
} from '@internal/backstage-plugin-bpa-test-utils';
import { StackDeployer } from './stackDeployer';
import { TeardownOptions, executeTeardown, planTeardown } from './teardown';

const spec = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
const names = resourceNames(spec);
const requests = stackRequests(spec);

describe('teardown', () => {
  let aws: SimulatedAws;
  let logger: ReturnType<typeof recordingLogger>;
  let cloudFormation: CloudFormationClient;
  let deployer: StackDeployer;

  beforeEach(async () => {
    aws?.restore();
    const clock = new VirtualClock();
    aws = simulateAws({
      clock,
      accountId: '123456789012',
      region: 'us-east-1',
    });
    logger = recordingLogger();
    cloudFormation = new CloudFormationClient({ region: 'us-east-1' });
    deployer = new StackDeployer({ cloudFormation, logger, clock });
    await deployer.deploy(requests.network);
    await Promise.all(
      (['cluster', 'data', 'registry'] as const).map(kind =>
        deployer.deploy(requests[kind]),
      ),
    );
    await deployer.deploy(requests.edge);
    aws.mocks.cfn.resetHistory();
  });
  afterAll(() => aws.restore());

  const options = (
    overrides: Partial<TeardownOptions> = {},
  ): TeardownOptions => ({
    environment: spec.name,
    stackName: kind => names.stack(kind),
    deleteImages: false,
    liftDeletionProtection: true,
    ...overrides,
  });
  const teardown = async (overrides: Partial<TeardownOptions> = {}) => {
    const plan = await planTeardown(
      cloudFormation,
      deployer,
      options(overrides),
    );
    return executeTeardown(plan, deployer, {
      ...options(overrides),
      region: 'us-east-1',
      logger,
    });
  };
  const deleted = () =>
    aws.mocks.cfn.commandCalls(DeleteStackCommand).map(c => c.args[0].input);
  const stackOf = (stackId?: string) =>
    /stack\/([^/]+)\//.exec(stackId ?? '')![1];

  it('deletes the edge, then registry, data and cluster side by side, then the network; the database leaves a snapshot', async () => {
    const result = await teardown();

    expect(deleted().map(d => stackOf(d.StackName))).toEqual([
      'bpa-demo-edge',
      'bpa-demo-registry',
      'bpa-demo-data',
      'bpa-demo-cluster',
      'bpa-demo-network',
    ]);
    expect(result).toEqual({
      deleted: ['edge', 'registry', 'data', 'cluster', 'network'],
      absent: [],
    });
    expect(
      STACK_KINDS.map(kind => aws.cloudFormation.status(names.stack(kind))),
    ).toEqual(STACK_KINDS.map(() => undefined));
    expect(aws.cloudFormation.snapshots).toEqual([
      'bpa-demo-data-Database-snapshot',
    ]);
  });

  it('lifts deletion protection through a change set that keeps the Snapshot policy, and never retains resources', async () => {
    await teardown();

    const updates = aws.mocks.cfn
      .commandCalls(CreateChangeSetCommand)
      .map(c => c.args[0].input);
    expect(updates.map(u => u.StackName)).toEqual(['bpa-demo-data']);
    const database = parse(updates[0].TemplateBody!).Resources.Database;
    expect(database.DeletionPolicy).toBe('Snapshot');
    expect(database.Properties.DeletionProtection).toBe(false);
    expect(deleted().every(d => d.RetainResources === undefined)).toBe(true);
  });

  it('refuses, deleting nothing, while the database has deletion protection and lifting it was not asked', async () => {
    await expect(teardown({ liftDeletionProtection: false })).rejects.toThrow(
      'Teardown of bpa-demo refused; nothing was deleted:\n  - Database in stack bpa-demo-data has deletion protection; set liftDeletionProtection: true to lift it (RDS still takes a final snapshot)',
    );
    expect(deleted()).toEqual([]);
  });

  it('keeps repositories holding images, says which, and stops before the network', async () => {
    aws.cloudFormation.putImages(
      'bpa-demo-registry',
      'RepositoryBpaSaseService',
    );

    const error = await teardown().catch(e => e);

    expect(error.message).toContain(
      "AWS::ECR::Repository RepositoryBpaSaseService DELETE_FAILED: Resource handler returned message: \"The repository with name 'bpa/sase-service' in registry with id '123456789012' cannot be deleted because it still contains images",
    );
    expect(error.message).toContain(
      'The ECR repositories bpa/sase-service still hold images, so they were kept.',
    );
    expect(error.message).toContain(
      'aws ecr delete-repository --force --region us-east-1 --repository-name bpa/sase-service',
    );
    expect(error.message).toContain('run the teardown with deleteImages: true');
    expect(aws.cloudFormation.status('bpa-demo-registry')).toBe(
      'DELETE_FAILED',
    );
    expect(aws.cloudFormation.status('bpa-demo-network')).toBe(
      'CREATE_COMPLETE',
    );
    expect(deleted().map(d => stackOf(d.StackName))).not.toContain(
      'bpa-demo-network',
    );
  });

  it('deletes repositories with their images only when asked to', async () => {
    aws.cloudFormation.putImages(
      'bpa-demo-registry',
      'RepositoryBpaSaseService',
    );

    await teardown({ deleteImages: true });

    const registryUpdate = aws.mocks.cfn
      .commandCalls(CreateChangeSetCommand)
      .map(c => c.args[0].input)
      .find(u => u.StackName === 'bpa-demo-registry')!;
    const repositories = Object.values(
      parse(registryUpdate.TemplateBody!).Resources,
    ) as {
      Properties: { EmptyOnDelete: boolean };
    }[];
    expect(repositories.map(r => r.Properties.EmptyOnDelete)).toEqual([
      true,
      true,
    ]);
    expect(aws.cloudFormation.status('bpa-demo-registry')).toBeUndefined();
    expect(aws.cloudFormation.status('bpa-demo-network')).toBeUndefined();
  });

  it('does nothing the second time', async () => {
    await teardown();
    aws.mocks.cfn.resetHistory();

    await expect(teardown()).resolves.toEqual({
      deleted: [],
      absent: ['edge', 'registry', 'data', 'cluster', 'network'],
    });
    expect(deleted()).toEqual([]);
  });

  it('refuses a data stack whose database would go without a snapshot', async () => {
    await deployer.deploy({
      ...requests.data,
      templateBody: requests.data.templateBody
        .replace('DeletionPolicy: Snapshot', 'DeletionPolicy: Delete')
        .replace('DeletionProtection: true', 'DeletionProtection: false'),
    });
    aws.mocks.cfn.resetHistory();

    await expect(teardown()).rejects.toThrow(
      'Database in stack bpa-demo-data has DeletionPolicy Delete: deleting the stack would delete the database without a final snapshot',
    );
    expect(deleted()).toEqual([]);
  });
});
