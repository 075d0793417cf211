import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  SimulatedAws,
  VirtualClock,
  recordingLogger,
  simulateAws,
} from '@internal/backstage-plugin-bpa-test-utils';
import {
  AwsAccessError,
  principalArnOf,
  verifyAwsAccess,
} from './credentialsCheck';

const target = { accountId: '123456789012', region: 'us-east-1' };
const clients = {
  target,
  sts: new STSClient({ region: target.region }),
  iam: new IAMClient({ region: target.region }),
};
const actions = [
  'cloudformation:CreateChangeSet',
  'eks:CreateCluster',
  'iam:PassRole',
  'rds:CreateDBInstance',
];

describe('principalArnOf', () => {
  it('turns an assumed-role session into its role, in the same partition', () => {
    expect(
      principalArnOf(
        'arn:aws:sts::123456789012:assumed-role/bpa-portal/backstage',
      ),
    ).toBe('arn:aws:iam::123456789012:role/bpa-portal');
    expect(
      principalArnOf('arn:aws-cn:sts::123456789012:assumed-role/Portal/i-0abc'),
    ).toBe('arn:aws-cn:iam::123456789012:role/Portal');
  });

  it('keeps users and roles as they are', () => {
    expect(principalArnOf('arn:aws:iam::123456789012:user/ci/portal')).toBe(
      'arn:aws:iam::123456789012:user/ci/portal',
    );
  });

  it('refuses the root user and federated users, which cannot get cluster access', () => {
    expect(() => principalArnOf('arn:aws:iam::123456789012:root')).toThrow(
      /use an IAM role or user/,
    );
    expect(() =>
      principalArnOf('arn:aws:sts::123456789012:federated-user/bob'),
    ).toThrow(AwsAccessError);
  });
});

describe('verifyAwsAccess', () => {
  let aws: SimulatedAws;
  const logger = recordingLogger();
  const setup = (options: Partial<Parameters<typeof simulateAws>[0]> = {}) => {
    aws?.restore();
    aws = simulateAws({ clock: new VirtualClock(), ...target, ...options });
  };
  afterAll(() => aws.restore());
  const verify = () =>
    verifyAwsAccess({
      clients,
      environment: 'bpa-demo',
      actions,
      operation: 'deploy',
      logger,
    });

  it('names the caller, the role behind it, and checks every action', async () => {
    setup();
    await expect(verify()).resolves.toEqual({
      accountId: '123456789012',
      callerArn:
        'arn:aws:sts::123456789012:assumed-role/bpa-portal/backstage-session',
      principalArn: 'arn:aws:iam::123456789012:role/bpa-portal',
      permissionsChecked: true,
    });
    const simulated = aws.mocks.iam
      .commandCalls(SimulatePrincipalPolicyCommand)
      .map(c => c.args[0].input);
    expect(simulated.flatMap(i => i.ActionNames).sort()).toEqual(
      [...actions].sort(),
    );
    expect(simulated[0].PolicySourceArn).toBe(
      'arn:aws:iam::123456789012:role/bpa-portal',
    );
    expect(simulated[0].ContextEntries).toContainEqual({
      ContextKeyName: 'aws:RequestTag/bpa:environment',
      ContextKeyType: 'string',
      ContextKeyValues: ['bpa-demo'],
    });
  });

  it('refuses credentials of another account, naming both, before simulating anything', async () => {
    setup({ callerAccountId: '999999999999' });
    const error = await verify().catch(e => e);
    expect(error).toBeInstanceOf(AwsAccessError);
    expect(error.message).toContain('credentials are for account 999999999999');
    expect(error.message).toContain(
      'the environment is in account 123456789012 (spec.aws.accountId)',
    );
    expect(
      aws.mocks.iam.commandCalls(SimulatePrincipalPolicyCommand),
    ).toHaveLength(0);
  });

  it('says how to configure credentials when there are none', async () => {
    setup({ noCredentials: true });
    await expect(verify()).rejects.toThrow(
      /No usable AWS credentials for account 123456789012: STS GetCallerIdentity failed \(CredentialsProviderError: Could not load credentials from any providers\)\. Configure the account under aws\.accounts/,
    );
  });

  it('says AWS did not answer, rather than blaming credentials, when the network fails', async () => {
    setup();
    aws.mocks.sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
        name: 'Error',
        code: 'ECONNREFUSED',
      }),
    );
    const error = await verify().catch(e => e);
    expect(error).toBeInstanceOf(AwsAccessError);
    expect(error.message).toMatch(
      /^AWS could not be reached for account 123456789012: STS GetCallerIdentity failed \(Error: connect ECONNREFUSED 127\.0\.0\.1:9\)\. Check the backend's network access/,
    );
  });

  it('lists the denied actions and changes nothing', async () => {
    setup({ deniedActions: ['iam:PassRole', 'eks:CreateCluster'] });
    const error = await verify().catch(e => e);
    expect(error).toBeInstanceOf(AwsAccessError);
    expect(error.deniedActions).toEqual(['eks:CreateCluster', 'iam:PassRole']);
    expect(error.message).toBe(
      "arn:aws:iam::123456789012:role/bpa-portal may not do 2 of the 4 actions the deploy needs: eks:CreateCluster, iam:PassRole. Nothing was changed. Grant them to the portal's principal (docs/iam/portal-policy.json is the policy it needs).",
    );
  });

  it('warns and goes on when the simulation itself is denied', async () => {
    setup({ simulationDenied: true });
    await expect(verify()).resolves.toMatchObject({
      permissionsChecked: false,
    });
    expect(logger.lines.at(-1)).toEqual({
      level: 'warn',
      message: expect.stringContaining(
        'Could not check the deploy permissions: iam:SimulatePrincipalPolicy is denied to arn:aws:iam::123456789012:role/bpa-portal. Continuing',
      ),
    });
  });
});
