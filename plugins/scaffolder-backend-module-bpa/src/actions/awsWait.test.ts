import {
  AwsTestEnvironment,
  CERTIFICATE_ARN,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { createAwsWaitAction } from './awsWait';

describe('bpa:aws:wait', () => {
  let env: AwsTestEnvironment;
  afterEach(() => env.cleanup());

  const deploy = (input: Record<string, unknown>) =>
    env.run(createAwsDeployAction(env.actionOptions), {
      spec: REFERENCE_SPEC,
      ...input,
    } as any);
  const wait = (
    input: Record<string, unknown>,
    options?: { isDryRun?: boolean },
  ) =>
    env.run(
      createAwsWaitAction(env.actionOptions),
      { spec: REFERENCE_SPEC, ...input } as any,
      options,
    );

  it('starts the load balancer beside the cluster, and puts the nodes behind it once both are complete', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    const started = await deploy({
      stacks: ['cluster', 'data', 'registry', 'edge'],
      certificateArn: CERTIFICATE_ARN,
      wait: false,
    });
    expect(started.error).toBeUndefined();
    expect(started.lines).toContain(
      "info bpa:aws:wait attaches the node groups' Auto Scaling groups to the load balancer's target groups once the edge and cluster stacks are complete",
    );
    // Started, not attached: the node groups do not exist yet.
    expect(env.aws.inputsOf('AttachLoadBalancerTargetGroups')).toEqual([]);
    const startedAt = env.clock.now();

    const { outputs, error } = await wait({ stacks: started.outputs.stacks });

    expect(error).toBeUndefined();
    // The edge (3 minutes) ran inside the cluster's 12, not after them.
    expect(env.clock.now() - startedAt).toBeLessThan(13 * 60_000);
    const targetGroups = [
      outputs.outputs.edge.HttpsTargetGroupArn,
      outputs.outputs.edge.Port30101TargetGroupArn,
    ];
    const groups = env.aws.nodeGroups.autoScalingGroups();
    expect(Object.keys(groups)).toHaveLength(4);
    for (const group of Object.values(groups)) {
      expect(env.aws.nodeGroups.targetGroupsOf(group)).toEqual(targetGroups);
    }
    expect(
      outputs.loadBalancerTargets.map((t: any) => t.attachedTargetGroups),
    ).toEqual([targetGroups, targetGroups, targetGroups, targetGroups]);

    // Waiting again (a re-run) attaches nothing twice.
    env.checkpoints.clear();
    const again = await wait({ stacks: ['cluster', 'edge'] });
    expect(again.error).toBeUndefined();
    expect(env.aws.inputsOf('AttachLoadBalancerTargetGroups')).toHaveLength(4);
  });

  it('checks it may attach the node groups before waiting for the edge', async () => {
    env = await awsTestEnvironment({
      deniedActions: ['autoscaling:AttachLoadBalancerTargetGroups'],
    });
    await deploy({ stacks: ['network'] });
    const describes = () =>
      env.aws
        .cloudFormationCalls()
        .filter(c => c.command === 'DescribeStackEvents').length;
    const before = describes();

    const { error } = await wait({ stacks: ['edge'] });

    expect(error?.message).toContain(
      'autoscaling:AttachLoadBalancerTargetGroups',
    );
    expect(describes()).toBe(before);
  });

  it('waits for the stacks deploy started, all started before the first wait, and returns their outputs', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    const started = await deploy({
      stacks: ['cluster', 'data', 'registry'],
      wait: false,
    });
    const startedAt = env.clock.now();

    const { outputs, lines, error } = await wait({
      stacks: started.outputs.stacks,
    });

    expect(error).toBeUndefined();
    const calls = env.aws.cloudFormationCalls();
    const lastStart = calls.map(c => c.command).lastIndexOf('ExecuteChangeSet');
    const firstWait = calls.findIndex(
      c =>
        c.command === 'DescribeStackEvents' &&
        !c.input.StackName.includes('bpa-demo-network'),
    );
    expect(lastStart).toBeLessThan(firstWait);
    expect(outputs.stacks).toEqual([
      {
        kind: 'cluster',
        stackName: 'bpa-demo-cluster',
        status: 'CREATE_COMPLETE',
      },
      { kind: 'data', stackName: 'bpa-demo-data', status: 'CREATE_COMPLETE' },
      {
        kind: 'registry',
        stackName: 'bpa-demo-registry',
        status: 'CREATE_COMPLETE',
      },
    ]);
    expect(Object.keys(outputs.outputs)).toEqual([
      'cluster',
      'data',
      'registry',
    ]);
    expect(outputs.outputs.data.EndpointAddress).toBeDefined();
    // Side by side: as long as the slowest stack (cluster, 12 minutes), not the sum (22).
    expect(env.clock.now() - startedAt).toBeLessThan(13 * 60_000);
    for (const kind of ['cluster', 'data', 'registry']) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^info \\[${kind} \\d+m\\d\\ds\\] AWS::CloudFormation::Stack bpa-demo-${kind} CREATE_COMPLETE$`,
          ),
        ),
      );
    }
  });

  it('lets every stack finish, then fails naming each failed stack, resource and reason', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    env.aws.cloudFormation.failNextOperation(
      'bpa-demo-data',
      'Database',
      'DB instance class db.m5d.2xlarge is not available in us-east-1a',
    );
    env.aws.cloudFormation.failNextOperation(
      'bpa-demo-registry',
      'RepositoryBpaBpaChart',
      'Repository name already exists',
    );
    const started = await deploy({
      stacks: ['cluster', 'data', 'registry'],
      wait: false,
    });

    const { error } = await wait({ stacks: started.outputs.stacks });

    expect(error?.message).toContain('Deploying stack bpa-demo-data failed');
    expect(error?.message).toContain(
      'AWS::RDS::DBInstance Database CREATE_FAILED: DB instance class db.m5d.2xlarge is not available in us-east-1a',
    );
    expect(error?.message).toContain(
      'Deploying stack bpa-demo-registry failed',
    );
    expect(error?.message).toContain(
      'AWS::ECR::Repository RepositoryBpaBpaChart CREATE_FAILED: Repository name already exists',
    );
    expect(env.aws.cloudFormation.status('bpa-demo-cluster')).toBe(
      'CREATE_COMPLETE',
    );
  });

  it('takes stack kinds too, waiting for whatever they are doing', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    await deploy({ stacks: ['registry'], wait: false });

    const { outputs, error } = await wait({ stacks: ['registry', 'network'] });

    expect(error).toBeUndefined();
    expect(outputs.stacks.map((s: any) => s.status)).toEqual([
      'CREATE_COMPLETE',
      'CREATE_COMPLETE',
    ]);
  });

  it("refuses a stack that is not this environment's", async () => {
    env = await awsTestEnvironment();

    const { error } = await wait({
      stacks: [{ kind: 'cluster', stackName: 'someone-else-cluster' }],
    });

    expect(error?.message).toBe(
      "Stack someone-else-cluster is not this environment's cluster stack (bpa-demo-cluster)",
    );
    expect(env.aws.callCount()).toBe(0);
  });

  it('calls no AWS API in a dry run', async () => {
    env = await awsTestEnvironment();

    const { error } = await wait({ stacks: ['cluster'] }, { isDryRun: true });

    expect(error).toBeUndefined();
    expect(env.aws.callCount()).toBe(0);
  });
});
