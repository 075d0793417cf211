import {
  AwsTestEnvironment,
  CERTIFICATE_ARN,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { createAwsTeardownAction } from './awsTeardown';

describe('bpa:aws:teardown', () => {
  let env: AwsTestEnvironment;
  beforeEach(async () => {
    env = await awsTestEnvironment();
    const deploy = createAwsDeployAction(env.actionOptions);
    await env.run(deploy, { spec: REFERENCE_SPEC, stacks: ['network'] });
    await env.run(deploy, {
      spec: REFERENCE_SPEC,
      stacks: ['cluster', 'data', 'registry'],
    });
    await env.run(deploy, {
      spec: REFERENCE_SPEC,
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });
    env.aws.resetHistory();
  });
  afterEach(() => env.cleanup());

  const teardown = (
    input: Record<string, unknown>,
    options?: { isDryRun?: boolean },
  ) =>
    env.run(
      createAwsTeardownAction(env.actionOptions),
      { spec: REFERENCE_SPEC, ...input } as any,
      options,
    );
  const deletedStacks = () =>
    env.aws
      .inputsOf('DeleteStack')
      .map(i => /stack\/([^/]+)\//.exec(i.StackName)![1]);

  it("leaves no log group behind: the control plane's goes with the cluster stack", async () => {
    expect(env.aws.logs.logGroups()).toEqual([
      { name: '/aws/eks/bpa-demo-eks/cluster', retentionInDays: 90 },
    ]);
    const { error } = await teardown({ liftDeletionProtection: true });
    expect(error).toBeUndefined();
    expect(env.aws.logs.logGroups()).toEqual([]);
  });

  it('takes the node groups off the load balancer before deleting it, once', async () => {
    const groups = Object.values(env.aws.nodeGroups.autoScalingGroups());
    expect(groups).toHaveLength(4);
    for (const group of groups) {
      expect(env.aws.nodeGroups.targetGroupsOf(group)).toHaveLength(2);
    }

    const { lines, error } = await teardown({ liftDeletionProtection: true });

    expect(error).toBeUndefined();
    for (const group of groups) {
      expect(env.aws.nodeGroups.targetGroupsOf(group)).toEqual([]);
    }
    const detaches = env.aws.mocks.autoScaling
      .calls()
      .filter(
        c =>
          c.args[0].constructor.name ===
          'DetachLoadBalancerTargetGroupsCommand',
      );
    expect(
      detaches.map(c => (c.args[0].input as any).AutoScalingGroupName).sort(),
    ).toEqual([...groups].sort());
    const edgeDeletion = env.aws.mocks.cfn
      .calls()
      .find(
        c =>
          c.args[0].constructor.name === 'DeleteStackCommand' &&
          String((c.args[0].input as any).StackName).includes('bpa-demo-edge'),
      )!;
    expect(detaches.every(c => c.calledBefore(edgeDeletion as any))).toBe(true);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^info Auto Scaling group eks-node-1-\S+ taken off the load balancer \(\S+HttpsTargetGroupArn\S+, /,
      ),
    );

    // Run again: the stacks are gone, nothing is detached twice.
    env.checkpoints.clear();
    const again = await teardown({ liftDeletionProtection: true });
    expect(again.error).toBeUndefined();
    expect(
      env.aws.mocks.autoScaling
        .calls()
        .filter(
          c =>
            c.args[0].constructor.name ===
            'DetachLoadBalancerTargetGroupsCommand',
        ),
    ).toHaveLength(4);
  });

  it('checks it may take the node groups off the load balancer before deleting anything', async () => {
    const denied = await awsTestEnvironment({
      deniedActions: ['autoscaling:DetachLoadBalancerTargetGroups'],
    });
    try {
      const { error } = await denied.run(
        createAwsTeardownAction(denied.actionOptions),
        { spec: REFERENCE_SPEC, liftDeletionProtection: true } as any,
      );
      expect(error?.message).toContain(
        'autoscaling:DetachLoadBalancerTargetGroups',
      );
      expect(denied.aws.inputsOf('DeleteStack')).toEqual([]);
    } finally {
      denied.cleanup();
    }
  });

  it('deletes the stacks in reverse order, and lists the final snapshot the database leaves', async () => {
    const { outputs, lines, error } = await teardown({
      liftDeletionProtection: true,
    });

    expect(error).toBeUndefined();
    expect(deletedStacks()).toEqual([
      'bpa-demo-edge',
      'bpa-demo-registry',
      'bpa-demo-data',
      'bpa-demo-cluster',
      'bpa-demo-network',
    ]);
    expect(outputs).toEqual({
      deleted: ['edge', 'registry', 'data', 'cluster', 'network'],
      absent: [],
      databaseSnapshots: [
        {
          identifier: 'bpa-demo-data-database-snapshot-0001',
          instance: 'bpa-demo-postgres',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          status: 'available',
        },
      ],
    });
    expect(env.aws.cloudFormation.snapshots).toEqual([
      'bpa-demo-data-Database-snapshot',
    ]);
    expect(env.aws.inputsOf('DescribeDBSnapshots')).toEqual([
      { DBInstanceIdentifier: 'bpa-demo-postgres', SnapshotType: 'manual' },
    ]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^info Kept: RDS snapshot bpa-demo-data-database-snapshot-0001 of bpa-demo-postgres \(taken .*\); restore it with aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier bpa-demo-data-database-snapshot-0001 --region us-east-1/,
      ),
    );
    expect(lines).toContain(
      'info [data] updating bpa-demo-data before deleting it: deletion protection off (a final snapshot is still taken)',
    );
  });

  it('is refused, deleting nothing, while the database is protected and lifting was not asked', async () => {
    const { error } = await teardown({});

    expect(error?.message).toContain(
      'Database in stack bpa-demo-data has deletion protection; set liftDeletionProtection: true',
    );
    expect(deletedStacks()).toEqual([]);
  });

  it('with checkOnly, checks what the teardown checks and changes nothing', async () => {
    const refused = await teardown({ checkOnly: true });
    expect(refused.error?.message).toContain(
      'Database in stack bpa-demo-data has deletion protection; set liftDeletionProtection: true',
    );

    const { outputs, lines, error } = await teardown({
      checkOnly: true,
      liftDeletionProtection: true,
      deleteImages: true,
    });

    expect(error).toBeUndefined();
    expect(outputs).toEqual({ deleted: [], absent: [] });
    expect(lines).toContain(
      'info The teardown of bpa-demo can go ahead: it would delete bpa-demo-edge, bpa-demo-registry, bpa-demo-data, bpa-demo-cluster, bpa-demo-network. Nothing was deleted.',
    );
    expect(env.aws.inputsOf('CreateChangeSet')).toEqual([]);
    expect(deletedStacks()).toEqual([]);
  });

  it('does nothing when the environment is gone already, and still lists the snapshot it kept', async () => {
    await teardown({ liftDeletionProtection: true });
    env.checkpoints.clear();
    env.aws.resetHistory();

    const { outputs, error } = await teardown({ liftDeletionProtection: true });

    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      deleted: [],
      absent: ['edge', 'registry', 'data', 'cluster', 'network'],
      databaseSnapshots: [
        expect.objectContaining({
          identifier: 'bpa-demo-data-database-snapshot-0001',
        }),
      ],
    });
    expect(deletedStacks()).toEqual([]);
  });

  it('keeps repositories holding images unless asked, and says how to remove them once the stack failed to delete', async () => {
    env.aws.cloudFormation.putImages(
      'bpa-demo-registry',
      'RepositoryBpaSaseService',
    );
    const first = await teardown({ liftDeletionProtection: true });
    expect(first.error?.message).toContain(
      'The ECR repositories bpa/sase-service still hold images, so they were kept.',
    );
    expect(first.error?.message).toContain(
      'run the teardown with deleteImages: true before it fails like this',
    );
    expect(env.aws.cloudFormation.status('bpa-demo-network')).toBe(
      'CREATE_COMPLETE',
    );

    const second = await teardown({
      liftDeletionProtection: true,
      deleteImages: true,
    });

    expect(second.error?.message).toContain(
      'deleteImages cannot empty them any more: CloudFormation does not update a stack in DELETE_FAILED.',
    );
    expect(second.error?.message).toContain(
      'aws ecr delete-repository --force --region us-east-1 --repository-name bpa/sase-service',
    );
    expect(env.aws.cloudFormation.status('bpa-demo-network')).toBe(
      'CREATE_COMPLETE',
    );
  });

  it('calls no AWS API in a dry run', async () => {
    const { lines, outputs, error } = await teardown(
      { deleteImages: true },
      { isDryRun: true },
    );

    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      deleted: [],
      absent: [],
      wouldDelete: [
        'bpa-demo-edge',
        'bpa-demo-registry',
        'bpa-demo-data',
        'bpa-demo-cluster',
        'bpa-demo-network',
      ],
    });
    expect(lines).toContain(
      'info Dry run: would delete bpa-demo-edge, then bpa-demo-registry + bpa-demo-data + bpa-demo-cluster, then bpa-demo-network; repositories go with their images; RDS takes a final snapshot',
    );
    expect(env.aws.callCount()).toBe(0);
  });
});
