import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  VirtualClock,
  simulateAws,
  simulateSecretsManager,
} from '@internal/backstage-plugin-bpa-test-utils';
import { AWS_ERRORS, SimulatedAwsServer, serveSimulatedAws } from './awsServer';

jest.setTimeout(120_000);

/**
 * Runs AWS SDK calls in another Node process, routed to the simulated AWS
 * as the e2e backends are: what the SDK returned or threw, and how many
 * attempts it made.
 */
async function inChildProcess(url: string, calls: string) {
  const script = `
    const { routeAwsCallsTo } = require(${JSON.stringify(
      path.join(__dirname, 'remoteAws.ts'),
    )});
    routeAwsCallsTo(${JSON.stringify(url)}, 'probe');
    const cfn = require('@aws-sdk/client-cloudformation');
    const elb = require('@aws-sdk/client-elastic-load-balancing-v2');
    const sm = require('@aws-sdk/client-secrets-manager');
    const options = { region: 'us-east-1', maxAttempts: 4, retryMode: 'standard',
      credentials: { accessKeyId: 'AKIASIMULATED', secretAccessKey: 'x' } };
    const run = async fn => { try { const out = await fn(); return { ok: out }; }
      catch (e) { return { error: { name: e.name, message: e.message, attempts: e.$metadata?.attempts } }; } };
    (async () => { const results = await Promise.all([${calls}]); console.log(JSON.stringify(results)); })();
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      '-e',
      script,
    ],
    {
      env: {
        ...process.env,
        // Anything that escaped the simulation would fail here, not reach AWS.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('AWS SDK calls of another process, answered by the simulated AWS of this one', () => {
  let server: SimulatedAwsServer;
  let aws: ReturnType<typeof simulateAws>;
  let secrets: ReturnType<typeof simulateSecretsManager>;

  beforeAll(async () => {
    aws = simulateAws({
      clock: new VirtualClock(),
      accountId: '123456789012',
      region: 'us-east-1',
    });
    secrets = simulateSecretsManager();
    server = await serveSimulatedAws();
  });
  afterAll(async () => {
    await server?.close();
    aws?.restore();
    secrets?.mock.restore();
  });

  it("answers with the simulators' state and errors, Dates intact, and records each call", async () => {
    secrets.secrets.set('bpa/probe/postgres-root', '{"password":"p"}');
    const [missing, found, created, again] = await inChildProcess(
      server.url,
      `run(() => new cfn.CloudFormationClient(options).send(new cfn.DescribeStacksCommand({ StackName: 'nope' }))),
       run(() => new sm.SecretsManagerClient(options).send(new sm.GetSecretValueCommand({ SecretId: 'bpa/probe/postgres-root' }))),
       run(() => new cfn.CloudFormationClient(options).send(new cfn.CreateChangeSetCommand({ StackName: 'probe-network', ChangeSetName: 'c1', ChangeSetType: 'CREATE', TemplateBody: 'Resources:\\n  Topic:\\n    Type: AWS::SNS::Topic\\n' })))
         .then(async r => ({ ...r, stacks: await run(() => new cfn.CloudFormationClient(options).send(new cfn.DescribeStacksCommand({ StackName: 'probe-network' })).then(o => ({ created: o.Stacks[0].CreationTime instanceof Date }))) })),
       run(() => new sm.SecretsManagerClient(options).send(new sm.CreateSecretCommand({ Name: 'bpa/probe/postgres-root', SecretString: '{}' })))`,
    );
    expect(missing.error).toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id nope does not exist',
    });
    expect(found.ok.SecretString).toBe('{"password":"p"}');
    expect(created.ok.StackId).toMatch(
      /^arn:aws:cloudformation:us-east-1:123456789012:stack\/probe-network\//,
    );
    expect(created.stacks.ok).toEqual({ created: true });
    expect(again.error.name).toBe('ResourceExistsException');
    // Sent side by side: in any order.
    expect(
      server.calls
        .slice(-5)
        .map(c => `${c.replica} ${c.service} ${c.command} ${c.outcome}`)
        .sort(),
    ).toEqual(
      [
        'probe CloudFormation DescribeStacks ValidationError',
        'probe SecretsManager GetSecretValue ok',
        'probe CloudFormation CreateChangeSet ok',
        'probe CloudFormation DescribeStacks ok',
        'probe SecretsManager CreateSecret ResourceExistsException',
      ].sort(),
    );
  });

  it("lets the SDK's own retry strategy retry throttling, 5xx and socket timeouts, and give up after its attempts", async () => {
    // Another backend's fault: never met by this one.
    server.injectFault({
      service: 'CloudFormation',
      command: 'DescribeStacks',
      replica: 'another backend',
      times: 1,
      error: AWS_ERRORS.throttling(),
    });
    server.injectFault({
      service: 'CloudFormation',
      command: 'DescribeStacks',
      times: 1,
      error: AWS_ERRORS.throttling(),
    });
    server.injectFault({
      service: 'CloudFormation',
      command: 'DescribeStacks',
      times: 1,
      error: AWS_ERRORS.serverError(),
    });
    server.injectFault({
      service: 'CloudFormation',
      command: 'DescribeStacks',
      times: 1,
      error: AWS_ERRORS.socketTimeout(),
    });
    const [survived] = await inChildProcess(
      server.url,
      `run(() => new cfn.CloudFormationClient(options).send(new cfn.DescribeStacksCommand({ StackName: 'probe-network' })).then(o => o.$metadata.attempts))`,
    );
    expect(survived).toEqual({ ok: 4 });
    expect(server.pendingFaults()).toEqual([
      expect.objectContaining({ replica: 'another backend', times: 1 }),
    ]);

    server.injectFault({
      service: 'CloudFormation',
      command: 'DescribeStacks',
      times: 4,
      error: AWS_ERRORS.unavailable(),
    });
    const [failed] = await inChildProcess(
      server.url,
      `run(() => new cfn.CloudFormationClient(options).send(new cfn.DescribeStacksCommand({ StackName: 'probe-network' })))`,
    );
    expect(failed.error).toMatchObject({
      name: 'ServiceUnavailable',
      attempts: 4,
    });
  });

  it('fails loudly for a service nobody simulates, never reaching AWS', async () => {
    // The simulated AWS has no Elastic Load Balancing.
    const [elbCall] = await inChildProcess(
      server.url,
      `run(() => new elb.ElasticLoadBalancingV2Client(options).send(new elb.DescribeTargetGroupsCommand({})))`,
    );
    expect(elbCall.error).toMatchObject({ name: 'NotSimulated' });
    expect(elbCall.error.message).toContain('ElasticLoadBalancingV2Client');
  });
});
