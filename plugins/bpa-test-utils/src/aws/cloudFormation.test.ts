import {
  AlreadyExistsException,
  CloudFormationClient,
  CreateChangeSetCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  ExecuteChangeSetCommand,
  InvalidChangeSetStatusException,
  TokenAlreadyExistsException,
} from '@aws-sdk/client-cloudformation';
import { VirtualClock } from './clock';
import { SimulatedAws, simulateAws } from './simulateAws';

const TEMPLATE = (description: string) =>
  JSON.stringify({
    Description: description,
    Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
  });

/** The simulated CloudFormation's client tokens and change sets, as the CloudFormation API reference describes them. */
describe('SimulatedCloudFormation', () => {
  let clock: VirtualClock;
  let aws: SimulatedAws;
  const cfn = new CloudFormationClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  const StackName = 'sim-stack';

  beforeEach(() => {
    clock = new VirtualClock();
    aws = simulateAws({
      clock,
      accountId: '123456789012',
      region: 'us-east-1',
    });
  });
  afterEach(() => aws.restore());

  const createChangeSet = (
    ChangeSetName: string,
    description: string,
    ChangeSetType: 'CREATE' | 'UPDATE',
    ClientToken = ChangeSetName,
  ) =>
    cfn.send(
      new CreateChangeSetCommand({
        StackName,
        ChangeSetName,
        ChangeSetType,
        TemplateBody: TEMPLATE(description),
        ClientToken,
      }),
    );
  const execute = (ChangeSetName: string, ClientRequestToken: string) =>
    cfn.send(
      new ExecuteChangeSetCommand({
        StackName,
        ChangeSetName,
        ClientRequestToken,
      }),
    );
  /** Runs the virtual clock until the stack's operation has ended. */
  const settle = async () => {
    await clock.sleep(10 * 60_000);
  };
  const operationStarts = async () =>
    (
      await cfn.send(new DescribeStackEventsCommand({ StackName }))
    ).StackEvents!.filter(
      e =>
        e.LogicalResourceId === StackName &&
        /^(CREATE|UPDATE)_IN_PROGRESS$/.test(e.ResourceStatus ?? ''),
    );

  it('treats an execute repeating its token as a retry, and refuses the token for another change set', async () => {
    await createChangeSet('first', 'A', 'CREATE');
    await clock.sleep(5_000);
    await execute('first', 'token-1');
    await execute('first', 'token-1');
    await settle();
    expect(await operationStarts()).toHaveLength(1);

    await createChangeSet('second', 'B', 'UPDATE');
    await clock.sleep(5_000);
    const reused = await execute('second', 'token-1').catch(e => e);

    expect(reused).toBeInstanceOf(TokenAlreadyExistsException);
    expect(await operationStarts()).toHaveLength(1);
    await execute('second', 'token-2');
    await settle();
    expect((await operationStarts()).map(e => e.ClientRequestToken)).toEqual([
      'token-2',
      'token-1',
    ]);
  });

  it('keeps the executed change set, executed, and deletes the others', async () => {
    await createChangeSet('first', 'A', 'CREATE');
    await clock.sleep(5_000);
    await execute('first', 'token-1');
    await settle();
    await createChangeSet('second', 'B', 'UPDATE');
    await createChangeSet('third', 'C', 'UPDATE');
    await clock.sleep(5_000);

    await execute('third', 'token-3');
    const running = await cfn.send(
      new DescribeChangeSetCommand({ StackName, ChangeSetName: 'third' }),
    );
    await settle();
    const done = await cfn.send(
      new DescribeChangeSetCommand({ StackName, ChangeSetName: 'third' }),
    );

    expect(running.ExecutionStatus).toBe('EXECUTE_IN_PROGRESS');
    expect(done).toMatchObject({
      Status: 'CREATE_COMPLETE',
      ExecutionStatus: 'EXECUTE_COMPLETE',
    });
    await expect(
      cfn.send(
        new DescribeChangeSetCommand({ StackName, ChangeSetName: 'second' }),
      ),
    ).rejects.toThrow('does not exist');
    await expect(execute('third', 'token-4')).rejects.toThrow(
      InvalidChangeSetStatusException,
    );
  });

  it('gives a retried CreateChangeSet its change set back, and refuses the name to another request', async () => {
    const made = await createChangeSet('first', 'A', 'CREATE', 'client-1');
    const retried = await createChangeSet('first', 'A', 'CREATE', 'client-1');
    const other = await createChangeSet(
      'first',
      'B',
      'CREATE',
      'client-2',
    ).catch(e => e);

    expect(retried.Id).toBe(made.Id);
    expect(other).toBeInstanceOf(AlreadyExistsException);
    expect(other.message).toContain(
      'mismatch with existing attribute ClientToken',
    );
  });

  it('gives every change set a new id, even one of a name used before', async () => {
    const first = await createChangeSet('same', 'A', 'CREATE');
    await clock.sleep(5_000);
    await execute('same', 'token-1');
    await settle();
    await createChangeSet('other', 'B', 'UPDATE');
    await clock.sleep(5_000);
    await execute('other', 'token-2');
    await settle();

    const again = await createChangeSet('same', 'C', 'UPDATE');

    expect(again.Id).not.toBe(first.Id);
  });
});
