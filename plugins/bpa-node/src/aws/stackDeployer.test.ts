import {
  CloudFormationClient,
  CreateChangeSetCommand,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import {
  StackKind,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  SimulatedAws,
  VirtualClock,
  recordingLogger,
  simulateAws,
  stackRequests,
} from '@internal/backstage-plugin-bpa-test-utils';
import {
  Checkpoint,
  CheckpointValue,
  StackDeployer,
  StackOperationError,
  StackWaitTimeoutError,
  stackOutputs,
} from './stackDeployer';

const spec = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
const requests = stackRequests(spec);
const MINUTE = 60_000;

describe('StackDeployer', () => {
  let clock: VirtualClock;
  let aws: SimulatedAws;
  let logger: ReturnType<typeof recordingLogger>;
  let checkpointKeys: string[];
  let deployer: StackDeployer;

  const setup = (options: Partial<Parameters<typeof simulateAws>[0]> = {}) => {
    aws?.restore();
    clock = new VirtualClock();
    aws = simulateAws({
      clock,
      accountId: '123456789012',
      region: 'us-east-1',
      timings: {
        'bpa-demo-network': { create: 3 * MINUTE },
        'bpa-demo-cluster': { create: 12 * MINUTE },
        'bpa-demo-data': { create: 9 * MINUTE },
        'bpa-demo-registry': { create: 1 * MINUTE },
      },
      ...options,
    });
    logger = recordingLogger();
    checkpointKeys = [];
    deployer = new StackDeployer({
      cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
      logger,
      clock,
      checkpoint: (key, fn) => {
        checkpointKeys.push(key);
        return fn();
      },
    });
  };

  beforeEach(() => setup());
  afterAll(() => aws.restore());

  const calls = (
    command: Parameters<SimulatedAws['mocks']['cfn']['commandCalls']>[0],
  ) => aws.mocks.cfn.commandCalls(command);

  it('creates a stack through a change set, tagged, and logs each resource transition once', async () => {
    const result = await deployer.deploy(requests.network);

    expect(result.status).toBe('CREATE_COMPLETE');
    expect(result.outputs.VpcId).toBeDefined();
    const [create] = calls(CreateChangeSetCommand);
    expect(create.args[0].input).toMatchObject({
      StackName: 'bpa-demo-network',
      ChangeSetType: 'CREATE',
      Tags: expect.arrayContaining([
        { Key: 'bpa:environment', Value: 'bpa-demo' },
        { Key: 'bpa:owner', Value: 'group:default/platform-team' },
      ]),
    });
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(1);
    expect(calls(CreateStackCommand)).toHaveLength(0);

    const vpcLines = logger
      .messages()
      .filter(m => / Vpc CREATE_IN_PROGRESS/.test(m));
    expect(vpcLines).toEqual([
      expect.stringMatching(
        /^\[network \d+m\d\ds\] AWS::EC2::VPC Vpc CREATE_IN_PROGRESS$/,
      ),
    ]);
    expect(logger.messages()).toContainEqual(
      expect.stringMatching(
        /^\[network 3m00s\] AWS::CloudFormation::Stack bpa-demo-network CREATE_COMPLETE$/,
      ),
    );
  });

  it('updates a stack through a change set', async () => {
    await deployer.deploy(requests.network);
    const changed = {
      ...requests.network,
      templateBody: requests.network.templateBody.replace(
        'Description: "BPA environment bpa-demo:',
        'Description: "BPA environment bpa-demo (updated):',
      ),
      tags: { ...requests.network.tags, 'cost-center': 'bpa-lab' },
    };

    const result = await deployer.deploy(changed);

    expect(result.status).toBe('UPDATE_COMPLETE');
    expect(
      calls(CreateChangeSetCommand).map(c => c.args[0].input.ChangeSetType),
    ).toEqual(['CREATE', 'UPDATE']);
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(2);
    expect(calls(UpdateStackCommand)).toHaveLength(0);
  });

  it('changes nothing when run again with the same template: the empty change set is not executed', async () => {
    await deployer.deploy(requests.network);
    const again = await deployer.deploy(requests.network);

    expect(again.status).toBe('CREATE_COMPLETE');
    expect(again.outputs.VpcId).toBeDefined();
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(1);
    expect(calls(CreateStackCommand)).toHaveLength(0);
    expect(logger.messages()).toContain(
      '[network] bpa-demo-network: no changes, the stack already matches the plan',
    );
  });

  it('names the failed resources and their reasons when a stack fails', async () => {
    aws.cloudFormation.failNextOperation(
      'bpa-demo-network',
      'NatGateway1',
      'Resource handler returned message: "The maximum number of addresses has been reached."',
    );

    const error = await deployer.deploy(requests.network).catch(e => e);

    expect(error).toBeInstanceOf(StackOperationError);
    expect(error.status).toBe('ROLLBACK_COMPLETE');
    expect(error.message).toContain('Deploying stack bpa-demo-network failed');
    expect(error.message).toContain(
      'AWS::EC2::NatGateway NatGateway1 CREATE_FAILED: Resource handler returned message: "The maximum number of addresses has been reached."',
    );
    expect(error.message).toContain('replaceRolledBackStacks: true');
    expect(logger.lines).toContainEqual({
      level: 'warn',
      message: expect.stringMatching(
        /^\[network \d+m\d\ds\] AWS::EC2::NatGateway NatGateway1 CREATE_FAILED - .*maximum number of addresses/,
      ),
    });
  });

  it('refuses a stack left in ROLLBACK_COMPLETE unless replacing it is allowed, then deletes and recreates it', async () => {
    aws.cloudFormation.failNextOperation(
      'bpa-demo-network',
      'Vpc',
      'VPC limit exceeded',
    );
    await expect(deployer.deploy(requests.network)).rejects.toThrow(
      StackOperationError,
    );
    const changeSetsBefore = calls(CreateChangeSetCommand).length;

    const refused = await deployer.deploy(requests.network).catch(e => e);
    expect(refused.message).toMatch(/bpa-demo-network is in ROLLBACK_COMPLETE/);
    expect(refused.message).toContain(
      'AWS::EC2::VPC Vpc CREATE_FAILED: VPC limit exceeded',
    );
    expect(refused.message).toContain('replaceRolledBackStacks: true');
    expect(calls(CreateChangeSetCommand)).toHaveLength(changeSetsBefore);
    expect(calls(DeleteStackCommand)).toHaveLength(0);

    const result = await deployer.deploy(requests.network, {
      replaceRolledBack: true,
    });
    expect(result.status).toBe('CREATE_COMPLETE');
    expect(calls(DeleteStackCommand)).toHaveLength(1);
    expect(
      calls(CreateChangeSetCommand).at(-1)!.args[0].input.ChangeSetType,
    ).toBe('CREATE');
    expect(result.stackId).not.toBe(
      calls(DeleteStackCommand)[0].args[0].input.StackName,
    );
  });

  it('starts cluster, data and registry before waiting for any of them, and waits for the slowest, not the sum', async () => {
    await deployer.deploy(requests.network);
    const eventReadsBefore = calls(DescribeStackEventsCommand).length;
    const startedAt = clock.now();

    const started = [];
    for (const kind of ['cluster', 'data', 'registry'] as StackKind[]) {
      started.push(await deployer.start(requests[kind]));
    }
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(4);
    expect(calls(DescribeStackEventsCommand)).toHaveLength(eventReadsBefore);

    const results = await Promise.all(started.map(d => deployer.wait(d)));
    expect(results.map(r => r.status)).toEqual([
      'CREATE_COMPLETE',
      'CREATE_COMPLETE',
      'CREATE_COMPLETE',
    ]);
    const elapsed = clock.now() - startedAt;
    expect(elapsed).toBeGreaterThanOrEqual(12 * MINUTE);
    expect(elapsed).toBeLessThan(14 * MINUTE);
  });

  it('keeps checkpoint keys per environment, stack and template, and takes over an operation already running', async () => {
    const first = await deployer.start(requests.network);
    const again = await deployer.start(requests.network);

    expect(checkpointKeys).toEqual([
      expect.stringMatching(
        /^bpa:bpa-demo:network:[0-9a-f]{16}:change-set:new$/,
      ),
      expect.stringMatching(/^bpa:bpa-demo:network:[0-9a-f]{16}:deploy:new$/),
    ]);
    expect(again).toMatchObject({ stackId: first.stackId, change: 'create' });
    expect(calls(CreateChangeSetCommand)).toHaveLength(1);
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(1);
    expect(logger.messages()).toContainEqual(
      expect.stringContaining(
        'is already CREATE_IN_PROGRESS (started by an earlier run)',
      ),
    );
    expect((await deployer.wait(again)).status).toBe('CREATE_COMPLETE');
  });

  describe('change sets and execute tokens', () => {
    /** The checkpoints of one task: each key runs once, and a retry of the task gets the stored value. */
    const taskCheckpoints = (): Checkpoint => {
      const stored = new Map<string, CheckpointValue>();
      return async (key, fn) => {
        if (!stored.has(key)) stored.set(key, await fn());
        return stored.get(key) as any;
      };
    };
    const taskDeployer = (
      checkpoint: Checkpoint,
      cloudFormation = new CloudFormationClient({ region: 'us-east-1' }),
    ) => new StackDeployer({ cloudFormation, logger, clock, checkpoint });
    /** A CloudFormation client whose first ExecuteChangeSet fails, before or after CloudFormation got it. */
    const executeFailsOnce = (when: 'before' | 'after') => {
      const real = new CloudFormationClient({ region: 'us-east-1' });
      let failed = false;
      return {
        send: async (command: any) => {
          if (failed || !(command instanceof ExecuteChangeSetCommand))
            return real.send(command);
          failed = true;
          if (when === 'after') await real.send(command);
          throw Object.assign(new Error('socket hang up'), {
            name: 'TimeoutError',
          });
        },
      } as unknown as CloudFormationClient;
    };
    const executed = () =>
      calls(ExecuteChangeSetCommand).map(c => c.args[0].input);
    const variant = (label: string) => ({
      ...requests.network,
      templateBody: requests.network.templateBody.replace(
        'Description: "BPA environment bpa-demo:',
        `Description: "BPA environment bpa-demo (${label}):`,
      ),
    });

    it('executes three change sets when request A, then B, then A again are applied', async () => {
      const a = variant('A');
      const b = variant('B');

      for (const request of [a, b, a]) {
        const result = await taskDeployer(taskCheckpoints()).deploy(request);
        expect(result.status).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
      }

      expect(executed()).toHaveLength(3);
      expect(new Set(executed().map(e => e.ChangeSetName)).size).toBe(3);
      expect(new Set(executed().map(e => e.ClientRequestToken)).size).toBe(3);
      expect(aws.cloudFormation.deployedBody('bpa-demo-network')).toBe(
        a.templateBody,
      );
      expect(aws.cloudFormation.status('bpa-demo-network')).toBe(
        'UPDATE_COMPLETE',
      );
    });

    it('creates the change set once and executes it once when a task is retried after the execute failed to send', async () => {
      const checkpoint = taskCheckpoints();
      await expect(
        taskDeployer(checkpoint, executeFailsOnce('before')).deploy(
          requests.network,
        ),
      ).rejects.toThrow('CloudFormation ExecuteChangeSet for stack');
      expect(aws.cloudFormation.status('bpa-demo-network')).toBe(
        'REVIEW_IN_PROGRESS',
      );

      const result = await taskDeployer(checkpoint).deploy(requests.network);

      expect(result.status).toBe('CREATE_COMPLETE');
      // The failed execute never reached CloudFormation; the retry executes the change set the first try made.
      expect(calls(CreateChangeSetCommand)).toHaveLength(1);
      expect(executed()).toEqual([
        expect.objectContaining({
          ChangeSetName: calls(CreateChangeSetCommand)[0].args[0].input
            .ChangeSetName,
        }),
      ]);
    });

    it('does not execute again when a task is retried after CloudFormation got the execute but the answer was lost', async () => {
      const checkpoint = taskCheckpoints();
      await expect(
        taskDeployer(checkpoint, executeFailsOnce('after')).deploy(
          requests.network,
        ),
      ).rejects.toThrow('socket hang up');

      const result = await taskDeployer(checkpoint).deploy(requests.network);

      expect(result.status).toBe('CREATE_COMPLETE');
      expect(calls(CreateChangeSetCommand)).toHaveLength(1);
      expect(executed()).toHaveLength(1);
      expect(
        aws.cloudFormation
          .events('bpa-demo-network')
          .filter(e => e.ResourceStatus === 'CREATE_IN_PROGRESS')
          .filter(e => e.LogicalResourceId === 'bpa-demo-network'),
      ).toHaveLength(1);
    });

    it('changes nothing when the task is retried after its stack was created', async () => {
      const checkpoint = taskCheckpoints();
      await taskDeployer(checkpoint).deploy(requests.network);

      const again = await taskDeployer(checkpoint).deploy(requests.network);

      expect(again.status).toBe('CREATE_COMPLETE');
      expect(executed()).toHaveLength(1);
      expect(logger.messages()).toContain(
        '[network] bpa-demo-network: no changes, the stack already matches the plan',
      );
    });
  });

  it('says the stack is still working at most once a minute while nothing changes', async () => {
    setup({ timings: { 'bpa-demo-registry': { create: 10 * MINUTE } } });
    await deployer.deploy(requests.registry);

    const heartbeats = logger
      .messages()
      .filter(m => m.includes('still CREATE_IN_PROGRESS'))
      .map(m => /\[registry (\d+)m(\d\d)s\]/.exec(m)!)
      .map(([, m, s]) => Number(m) * 60 + Number(s));
    expect(heartbeats.length).toBeGreaterThan(3);
    heartbeats
      .slice(1)
      .forEach((t, i) => expect(t - heartbeats[i]).toBeGreaterThanOrEqual(60));
    expect(logger.messages()).toContainEqual(
      expect.stringMatching(
        /still CREATE_IN_PROGRESS; waiting on Repository\w+ \(AWS::ECR::Repository\)/,
      ),
    );
  });

  it('gives up on a stack that takes longer than its timeout, saying it keeps going in AWS', async () => {
    setup({ timings: { 'bpa-demo-cluster': { create: 45 * MINUTE } } });
    await deployer.deploy(requests.network);

    const error = await deployer.deploy(requests.cluster).catch(e => e);

    expect(error).toBeInstanceOf(StackWaitTimeoutError);
    expect(error.message).toMatch(
      /^Timed out after 40m\d\ds waiting for stack bpa-demo-cluster \(still CREATE_IN_PROGRESS\)/,
    );
    expect(error.message).toContain('run the task again to keep waiting');
  });

  it('refuses a change set CloudFormation cannot create, with its reason', async () => {
    const error = await deployer.deploy(requests.data).catch(e => e);

    expect(error.message).toBe(
      'CloudFormation refused the change set for stack bpa-demo-data: No export named bpa-demo-network:PrivateSubnetIds found',
    );
    expect(calls(ExecuteChangeSetCommand)).toHaveLength(0);
  });
});

describe('stackOutputs', () => {
  it('keeps references to secrets and leaves out values that look like secrets', () => {
    expect(
      stackOutputs({
        StackName: 's',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          {
            OutputKey: 'MasterUserSecretArn',
            OutputValue:
              'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
          },
          { OutputKey: 'DatabasePassword', OutputValue: 'hunter2' },
          { OutputKey: 'EndpointAddress', OutputValue: 'db.example.com' },
        ],
      }),
    ).toEqual({
      MasterUserSecretArn:
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
      EndpointAddress: 'db.example.com',
    });
  });
});
