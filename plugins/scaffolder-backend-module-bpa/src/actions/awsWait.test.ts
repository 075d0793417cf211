import {
  AwsTestEnvironment,
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
