import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AwsTestEnvironment,
  CERTIFICATE_ARN,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';

describe('bpa:aws:deploy', () => {
  let env: AwsTestEnvironment;
  afterEach(() => env.cleanup());

  const deploy = (
    input: Record<string, unknown>,
    options?: { isDryRun?: boolean },
  ) =>
    env.run(
      createAwsDeployAction(env.actionOptions),
      { spec: REFERENCE_SPEC, ...input } as any,
      options,
    );
  const changeSets = () => env.aws.inputsOf('CreateChangeSet');
  const executions = () => env.aws.inputsOf('ExecuteChangeSet');

  it("deploys the plan's own template, tagged, logging progress, and outputs the stack's outputs", async () => {
    env = await awsTestEnvironment();

    const { outputs, lines, error } = await deploy({ stacks: ['network'] });

    expect(error).toBeUndefined();
    const planned = await fs.readFile(
      path.join(env.workspacePath, 'bpa-plan/cloudformation/network.yaml'),
      'utf8',
    );
    expect(changeSets()).toEqual([
      expect.objectContaining({
        StackName: 'bpa-demo-network',
        TemplateBody: planned,
        Tags: expect.arrayContaining([
          { Key: 'bpa:environment', Value: 'bpa-demo' },
        ]),
      }),
    ]);
    expect(outputs.stacks).toEqual([
      expect.objectContaining({
        kind: 'network',
        stackName: 'bpa-demo-network',
        change: 'create',
      }),
    ]);
    expect(outputs.outputs.network.VpcId).toBeDefined();
    expect(outputs.principalArn).toBe(
      'arn:aws:iam::123456789012:role/bpa-portal',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^info \[network \d+m\d\ds\] AWS::EC2::VPC Vpc CREATE_COMPLETE$/,
      ),
    );
  });

  it('refuses a certificate ACM does not have before the edge stack is started', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    const elsewhere = CERTIFICATE_ARN.replace('123456789012', '210987654321');

    const { error } = await deploy({
      stacks: ['edge'],
      certificateArn: elsewhere,
    });

    expect(error?.message).toBe(
      `certificateArn: ACM has no certificate ${elsewhere}; request or import it in the environment's account and region first`,
    );
    expect(changeSets().map(c => c.StackName)).toEqual(['bpa-demo-network']);
  });

  it("gives the cluster the portal's role (not its session) and the edge its certificate", async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });

    const { error } = await deploy({
      stacks: ['cluster', 'edge'],
      certificateArn: CERTIFICATE_ARN,
    });

    expect(error).toBeUndefined();
    const parameters = Object.fromEntries(
      changeSets().map(c => [c.StackName, c.Parameters]),
    );
    expect(parameters['bpa-demo-cluster']).toEqual([
      {
        ParameterKey: 'PortalPrincipalArn',
        ParameterValue: 'arn:aws:iam::123456789012:role/bpa-portal',
      },
    ]);
    expect(parameters['bpa-demo-edge']).toEqual([
      { ParameterKey: 'CertificateArn', ParameterValue: CERTIFICATE_ARN },
    ]);
  });

  it("puts every node group behind the load balancer's target groups once the edge stack is complete", async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    await deploy({ stacks: ['cluster'] });

    const { outputs, lines, error } = await deploy({
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });

    expect(error).toBeUndefined();
    const targetGroups = [
      outputs.outputs.edge.HttpsTargetGroupArn,
      outputs.outputs.edge.Port30101TargetGroupArn,
    ];
    const groups = env.aws.nodeGroups.autoScalingGroups();
    expect(Object.keys(groups)).toEqual([
      'node-1',
      'node-2',
      'node-3',
      'node-4',
    ]);
    for (const group of Object.values(groups)) {
      expect(env.aws.nodeGroups.targetGroupsOf(group)).toEqual(targetGroups);
    }
    expect(outputs.loadBalancerTargets).toEqual(
      Object.entries(groups).map(([nodegroup, group]) => ({
        nodegroup,
        autoScalingGroups: [group],
        attachedTargetGroups: targetGroups,
      })),
    );
    expect(lines).toContain(
      `info Node group node-1: Auto Scaling group ${
        groups['node-1']
      } attached to ${targetGroups.join(', ')}`,
    );
    expect(env.aws.inputsOf('DescribeNodegroup')[0]).toEqual({
      clusterName: 'bpa-demo-eks',
      nodegroupName: 'node-1',
    });
  });

  it('attaches nothing twice, whether the task resumes or runs again', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    await deploy({ stacks: ['cluster'] });
    await deploy({ stacks: ['edge'], certificateArn: CERTIFICATE_ARN });
    const attachments = () =>
      env.aws.inputsOf('AttachLoadBalancerTargetGroups').length;
    expect(attachments()).toBe(4);

    const resumed = await deploy({
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });
    env.checkpoints.clear();
    const again = await deploy({
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });

    expect(resumed.error).toBeUndefined();
    expect(again.error).toBeUndefined();
    expect(attachments()).toBe(4);
    expect(
      again.outputs.loadBalancerTargets.map((t: any) => t.attachedTargetGroups),
    ).toEqual([[], [], [], []]);
    expect(again.lines).toContainEqual(
      expect.stringMatching(
        /^info Node group node-4: Auto Scaling group eks-node-4-\S+ already behind the load balancer$/,
      ),
    );
  });

  it('fails naming the node group when the cluster has none to attach', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });

    const { error } = await deploy({
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });

    expect(error?.message).toMatch(
      /^EKS DescribeNodegroup bpa-demo-eks\/node-1 failed: ResourceNotFoundException: No node group found for name: node-1\.$/,
    );
  });

  it('checks it may attach the node groups before deploying the edge', async () => {
    env = await awsTestEnvironment({
      deniedActions: ['autoscaling:AttachLoadBalancerTargetGroups'],
    });
    await deploy({ stacks: ['network'] });

    const { error } = await deploy({
      stacks: ['edge'],
      certificateArn: CERTIFICATE_ARN,
    });

    expect(error?.message).toContain('may not do 1 of the');
    expect(error?.message).toContain(
      'autoscaling:AttachLoadBalancerTargetGroups',
    );
    expect(env.aws.cloudFormation.status('bpa-demo-edge')).toBeUndefined();
  });

  it('starts the stacks and returns without waiting when wait is false', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });

    const { outputs } = await deploy({
      stacks: ['cluster', 'data', 'registry'],
      wait: false,
    });

    expect(outputs.stacks.map((s: any) => [s.kind, s.change])).toEqual([
      ['cluster', 'create'],
      ['data', 'create'],
      ['registry', 'create'],
    ]);
    expect(outputs.outputs).toEqual({});
    for (const stack of [
      'bpa-demo-cluster',
      'bpa-demo-data',
      'bpa-demo-registry',
    ]) {
      expect(env.aws.cloudFormation.status(stack)).toBe('CREATE_IN_PROGRESS');
    }
  });

  it('changes nothing when a finished task runs again', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    env.checkpoints.clear();

    const { outputs, lines } = await deploy({ stacks: ['network'] });

    expect(executions()).toHaveLength(1);
    expect(outputs.stacks[0].change).toBe('unchanged');
    expect(outputs.outputs.network.VpcId).toBeDefined();
    expect(lines).toContain(
      'info [network] bpa-demo-network: no changes, the stack already matches the plan',
    );
  });

  it('continues a failed task where it stopped: finished stacks are not touched again', async () => {
    env = await awsTestEnvironment();
    await deploy({ stacks: ['network'] });
    env.aws.cloudFormation.failNextOperation(
      'bpa-demo-data',
      'Database',
      'Resource handler returned message: "Cannot find version 16.11 for postgres"',
    );

    const failed = await deploy({ stacks: ['cluster', 'data', 'registry'] });
    expect(failed.error?.message).toContain(
      'AWS::RDS::DBInstance Database CREATE_FAILED: Resource handler returned message: "Cannot find version 16.11 for postgres"',
    );
    expect(env.aws.cloudFormation.status('bpa-demo-cluster')).toBe(
      'CREATE_COMPLETE',
    );
    const executed = executions().length;

    const resumed = await deploy({
      stacks: ['cluster', 'data', 'registry'],
      replaceRolledBackStacks: true,
    });

    expect(resumed.error).toBeUndefined();
    expect(executions()).toHaveLength(executed + 1);
    expect(resumed.outputs.stacks.map((s: any) => [s.kind, s.change])).toEqual([
      ['cluster', 'unchanged'],
      ['data', 'create'],
      ['registry', 'unchanged'],
    ]);
  });

  it('refuses credentials of another account before creating anything', async () => {
    env = await awsTestEnvironment({ callerAccountId: '210987654321' });

    const { error } = await deploy({ stacks: ['network'] });

    expect(error?.message).toContain(
      'credentials are for account 210987654321',
    );
    expect(changeSets()).toEqual([]);
  });

  it('names the permissions the portal lacks before creating anything', async () => {
    env = await awsTestEnvironment({
      deniedActions: ['ec2:CreateNatGateway', 'ec2:CreateVpc'],
    });

    const { error } = await deploy({ stacks: ['network'] });

    expect(error?.message).toContain('may not do 2 of the');
    expect(error?.message).toContain('ec2:CreateNatGateway, ec2:CreateVpc');
    expect(changeSets()).toEqual([]);
  });

  it.each([
    [
      'a plan directory without the plan',
      { stacks: ['network'], planDirectory: 'elsewhere' },
      'The plan has no elsewhere/cloudformation/network.yaml: run bpa:environment:plan first',
    ],
    [
      'the edge without a certificate',
      { stacks: ['edge'] },
      'The edge stack needs certificateArn',
    ],
    [
      'starting the network and its importers together',
      { stacks: ['network', 'cluster'], wait: false },
      "import the network stack's exports: deploy network with wait: true first",
    ],
    [
      'a plan made for another environment',
      { stacks: ['network'], spec: { ...REFERENCE_SPEC, name: 'bpa-other' } },
      'was planned for environment bpa-demo, not bpa-other',
    ],
  ])('refuses %s before calling AWS', async (_label, input, message) => {
    env = await awsTestEnvironment();

    const { error } = await deploy(input);

    expect(error?.name).toBe('InputError');
    expect(error?.message).toContain(message);
    expect(env.aws.callCount()).toBe(0);
  });

  it('calls no AWS API in a dry run, and names the stacks for bpa:aws:wait', async () => {
    env = await awsTestEnvironment();

    const { lines, error, outputs } = await deploy(
      { stacks: ['network'] },
      { isDryRun: true },
    );

    expect(error).toBeUndefined();
    expect(outputs.stacks).toEqual([
      expect.objectContaining({
        kind: 'network',
        stackName: 'bpa-demo-network',
      }),
    ]);
    expect(lines).toContain(
      'info Dry run: would deploy stacks bpa-demo-network in account 123456789012, us-east-1, from bpa-plan',
    );
    expect(env.aws.callCount()).toBe(0);
  });

  it('warns and still deploys when the permissions cannot be simulated', async () => {
    env = await awsTestEnvironment({ simulationDenied: true });

    const { lines, error } = await deploy({ stacks: ['registry'] });

    expect(error).toBeUndefined();
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warn Could not check the deploy permissions: iam:SimulatePrincipalPolicy is denied/,
      ),
    );
    expect(env.aws.cloudFormation.status('bpa-demo-registry')).toBe(
      'CREATE_COMPLETE',
    );
  });
});
