import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { JsonObject } from '@backstage/types';
import { REFERENCE_SPEC_INPUT } from '@internal/backstage-plugin-bpa-common';
import {
  AtlasApiError,
  AtlasClient,
} from '@internal/backstage-plugin-bpa-node';
import {
  FakeAtlas,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasClusterAction } from './atlasCluster';

const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;
const SECRET_NAME = 'bpa/bpa-demo/mongodb';

function setup() {
  const atlas = new FakeAtlas();
  const aws = fakeAws();
  const clock = fakeClock();
  const action = createAtlasClusterAction({
    atlas,
    awsClients: aws.factory,
    clock,
  });
  const storedPassword = () =>
    JSON.parse(aws.secrets.get(SECRET_NAME) ?? '{}').password as
      | string
      | undefined;
  return { atlas, aws, clock, action, storedPassword };
}

describe('bpa:atlas:cluster', () => {
  it('creates the protected cluster and the database user with a stored password, then waits for IDLE showing progress', async () => {
    const { atlas, aws, action, storedPassword } = setup();
    atlas.looksUntilReady = 4;

    const { outputs, lines, error } = await runAction(action, {
      spec,
      pollIntervalSeconds: 30,
    });

    expect(error).toBeUndefined();
    expect(atlas.count('createCluster')).toBe(1);
    expect(atlas.clusters.get('bpa-demo-mongo')).toMatchObject({
      terminationProtectionEnabled: true,
      mongoDBMajorVersion: '8.0',
      replicationSpecs: [
        {
          regionConfigs: [
            {
              regionName: 'US_EAST_1',
              electableSpecs: {
                instanceSize: 'M30',
                nodeCount: 3,
                diskSizeGB: 40,
              },
            },
          ],
        },
      ],
    });
    expect(JSON.parse(aws.secrets.get(SECRET_NAME)!)).toEqual({
      username: 'bpa',
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      authDatabase: 'admin',
    });
    expect(atlas.users.get('bpa')).toMatchObject({
      password: storedPassword(),
      roles: [{ databaseName: 'admin', roleName: 'readWriteAnyDatabase' }],
      scopes: [{ name: 'bpa-demo-mongo', type: 'CLUSTER' }],
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'info Atlas cluster bpa-demo-mongo is CREATING, waiting for IDLE (0s elapsed)',
        'info Atlas cluster bpa-demo-mongo is CREATING, waiting for IDLE (30s elapsed)',
        'info Atlas cluster bpa-demo-mongo is IDLE after 1m 00s',
      ]),
    );
    expect(outputs).toEqual({
      clusterName: 'bpa-demo-mongo',
      stateName: 'IDLE',
      mongoDBVersion: '8.0.4',
      connectionHost: 'bpa-demo-mongo.ab1cd.mongodb.net',
      databaseUser: 'bpa',
      secretName: SECRET_NAME,
      secretArn: expect.stringContaining(`:secret:${SECRET_NAME}`),
    });
  });

  it('reuses an existing cluster: no second create, and termination protection turned on', async () => {
    const { atlas, action } = setup();
    atlas.clusters.set('bpa-demo-mongo', {
      name: 'bpa-demo-mongo',
      stateName: 'IDLE',
      mongoDBVersion: '8.0.4',
      terminationProtectionEnabled: false,
      connectionStrings: {
        standardSrv: 'mongodb+srv://bpa-demo-mongo.zz9yy.mongodb.net',
      },
    });

    const { outputs, lines, error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(atlas.count('createCluster')).toBe(0);
    expect(
      atlas.clusters.get('bpa-demo-mongo')!.terminationProtectionEnabled,
    ).toBe(true);
    expect(lines.join('\n')).toContain('Reusing Atlas cluster bpa-demo-mongo');
    expect(outputs.connectionHost).toBe('bpa-demo-mongo.zz9yy.mongodb.net');
  });

  it('run again, creates nothing twice and keeps the password', async () => {
    const { atlas, aws, action, storedPassword } = setup();
    await runAction(action, { spec });
    const first = storedPassword();

    const { error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(atlas.count('createCluster')).toBe(1);
    expect(atlas.count('createDatabaseUser')).toBe(1);
    expect(
      aws.mocks.secretsManager.commandCalls(CreateSecretCommand),
    ).toHaveLength(1);
    expect(storedPassword()).toBe(first);
    expect(atlas.users.get('bpa')!.password).toBe(first);
  });

  it('keeps the private connection string already in the MongoDB secret when it stores a new password', async () => {
    const { aws, action, storedPassword } = setup();
    const connectionString =
      'mongodb+srv://bpa-demo-mongo-pl-0.ab1cd.mongodb.net';
    aws.secrets.set(
      SECRET_NAME,
      JSON.stringify({
        username: 'someone-else',
        password: 'not-this-one',
        connectionString,
      }),
    );

    const { error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(JSON.parse(aws.secrets.get(SECRET_NAME)!)).toEqual({
      username: 'bpa',
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      authDatabase: 'admin',
      connectionString,
    });
    expect(storedPassword()).not.toBe('not-this-one');
  });

  it('resumes a task that failed after creating the cluster without creating it again', async () => {
    const { atlas, aws, action, storedPassword } = setup();
    jest.spyOn(atlas, 'createDatabaseUser').mockRejectedValueOnce(
      new AtlasApiError({
        operationId: 'createGroupDatabaseUser',
        status: 500,
        errorCode: 'UNEXPECTED_ERROR',
      }),
    );
    const failed = await runAction(action, { spec });
    expect(failed.error?.message).toContain('UNEXPECTED_ERROR');

    const resumed = await runAction(
      action,
      { spec },
      { checkpoints: failed.checkpoints },
    );

    expect(resumed.error).toBeUndefined();
    expect(atlas.count('createCluster')).toBe(1);
    expect(
      aws.mocks.secretsManager.commandCalls(CreateSecretCommand),
    ).toHaveLength(1);
    expect(atlas.users.get('bpa')!.password).toBe(storedPassword());
  });

  it('waits at the configured interval (bpa.atlas.pollIntervalSeconds) unless the step gives one', async () => {
    const atlas = new FakeAtlas();
    atlas.looksUntilReady = 3;
    const clock = fakeClock();
    const action = createAtlasClusterAction({
      atlas,
      awsClients: fakeAws().factory,
      clock,
      pollIntervalSeconds: 7,
    });
    expect((await runAction(action, { spec })).error).toBeUndefined();
    expect(clock.elapsedMs()).toBe(7_000);

    const given = fakeClock();
    const other = new FakeAtlas();
    other.looksUntilReady = 3;
    const withInput = createAtlasClusterAction({
      atlas: other,
      awsClients: fakeAws().factory,
      clock: given,
      pollIntervalSeconds: 7,
    });
    await runAction(withInput, { spec, pollIntervalSeconds: 60 });
    expect(given.elapsedMs()).toBe(60_000);
  });

  it('with wait: false returns as soon as creation has started', async () => {
    const { atlas, clock, action } = setup();
    const { outputs, lines, error } = await runAction(action, {
      spec,
      wait: false,
    });

    expect(error).toBeUndefined();
    expect(atlas.count('createCluster')).toBe(1);
    expect(clock.elapsedMs()).toBe(0);
    expect(outputs.stateName).toBe('CREATING');
    expect(outputs.connectionHost).toBeUndefined();
    expect(lines.join('\n')).toContain(
      'run bpa:atlas:cluster with wait: true to wait for IDLE',
    );
  });

  it('gives up after the timeout with a clear error, leaving the cluster to Atlas', async () => {
    const { atlas, action } = setup();
    atlas.looksUntilReady = 1000;
    const { error } = await runAction(action, {
      spec,
      pollIntervalSeconds: 60,
      timeoutMinutes: 5,
    });
    expect(error?.message).toBe(
      'Timed out after 5m 00s waiting for Atlas cluster bpa-demo-mongo to become IDLE; it is still CREATING. Atlas keeps working on it; run the step again (it reuses the cluster) to keep waiting.',
    );
  });

  it('refuses, before creating anything, a tier, region or version Atlas does not offer the project', async () => {
    const { atlas, aws, action } = setup();
    atlas.offering = { tiers: { M30: ['EU_WEST_1'] }, versions: ['7.0'] };

    const { error } = await runAction(action, { spec });

    expect(error?.name).toBe('InputError');
    expect(error?.message).toContain(
      'aws.region: Atlas does not offer M30 in US_EAST_1 (us-east-1)',
    );
    expect(error?.message).toContain(
      'atlas.mongoDBVersion: Atlas does not offer MongoDB 8.0',
    );
    expect(atlas.count('createCluster')).toBe(0);
    expect(aws.mocks.secretsManager.calls()).toHaveLength(0);
  });

  it("refuses a database user name another environment's user already has in the project", async () => {
    const { atlas, action } = setup();
    atlas.users.set('bpa', {
      groupId: '5f1a2b3c4d5e6f7a8b9c0d1e',
      databaseName: 'admin',
      username: 'bpa',
      roles: [{ databaseName: 'admin', roleName: 'readWriteAnyDatabase' }],
      scopes: [{ name: 'bpa-prod-mongo', type: 'CLUSTER' }],
      description: 'BPA environment bpa-prod',
    });

    const { error } = await runAction(action, { spec });

    expect(error?.name).toBe('InputError');
    expect(error?.message).toContain(
      'atlas.databaseUser: Atlas project 5f1a2b3c4d5e6f7a8b9c0d1e already has a database user "bpa"',
    );
    expect(atlas.count('createCluster')).toBe(0);
    expect(atlas.count('updateDatabaseUser')).toBe(0);
  });

  it('refuses a region where Atlas has no dedicated clusters', async () => {
    const { atlas, action } = setup();
    const { error } = await runAction(action, {
      spec: {
        ...spec,
        aws: { accountId: '123456789012', region: 'me-west-1' },
      },
    });
    expect(error?.name).toBe('InputError');
    expect(error?.message).toContain(
      'aws.region: MongoDB Atlas offers no dedicated clusters in me-west-1',
    );
    expect(atlas.calls).toEqual([]);
  });

  it('never puts the generated password in the log, the outputs or the stored checkpoints', async () => {
    const { action, storedPassword } = setup();
    const { outputs, lines, checkpoints, error } = await runAction(action, {
      spec,
    });
    expect(error).toBeUndefined();
    const password = storedPassword()!;
    expect(password).toHaveLength(32);
    for (const text of [
      lines.join('\n'),
      JSON.stringify(outputs),
      JSON.stringify([...checkpoints.values()]),
    ]) {
      expect(text).not.toContain(password);
    }
  });

  it('never puts the service account secret or the API private key in the log or the error', async () => {
    const clientSecret = 'mdb_sa_sk_Zx8Cv7Bn6Mm5Ll4Kk3Jj2';
    const privateKey = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
    const refuse: typeof fetch = async () =>
      new Response(
        JSON.stringify({
          error: 401,
          errorCode: 'NOT_AUTHORIZED',
          detail: 'Invalid credentials',
        }),
        {
          status: 401,
          headers: {
            'WWW-Authenticate':
              'Digest realm="MMS Public API", nonce="n1", algorithm=MD5, qop="auth"',
          },
        },
      );
    for (const credentials of [
      {
        type: 'serviceAccount' as const,
        clientId: 'mdb_sa_id_1',
        clientSecret,
      },
      { type: 'apiKey' as const, publicKey: 'pubkey01', privateKey },
    ]) {
      const atlas = new AtlasClient({
        credentials,
        fetch: refuse,
        retry: { maxRetries: 0 },
      });
      const action = createAtlasClusterAction({
        atlas,
        awsClients: fakeAws().factory,
        clock: fakeClock(),
      });
      const { lines, outputs, error } = await runAction(action, { spec });
      expect(error?.message).toMatch(/401/);
      for (const text of [
        error?.message ?? '',
        lines.join('\n'),
        JSON.stringify(outputs),
      ]) {
        expect(text).not.toContain(clientSecret);
        expect(text).not.toContain(privateKey);
      }
    }
  });

  it('dry run without Atlas credentials checks the request and creates nothing', async () => {
    const aws = fakeAws();
    const action = createAtlasClusterAction({
      awsClients: aws.factory,
      clock: fakeClock(),
    });
    const { outputs, lines, error } = await runAction(
      action,
      { spec },
      { isDryRun: true },
    );
    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      clusterName: 'bpa-demo-mongo',
      databaseUser: 'bpa',
      secretName: SECRET_NAME,
    });
    expect(lines.join('\n')).toContain(
      'checked against the built-in lists only',
    );
    expect(aws.mocks.secretsManager.calls()).toHaveLength(0);
  });

  it('dry run with Atlas credentials checks the offering and creates nothing', async () => {
    const { atlas, aws, action } = setup();
    const { error } = await runAction(action, { spec }, { isDryRun: true });
    expect(error).toBeUndefined();
    expect(atlas.calls).toEqual([
      'listProviderRegions',
      'listMongoDBVersions',
      'getDatabaseUser',
    ]);
    expect(aws.mocks.secretsManager.calls()).toHaveLength(0);
  });

  it('refuses a real run without Atlas credentials, naming the config to set', async () => {
    const action = createAtlasClusterAction({ awsClients: fakeAws().factory });
    const { error } = await runAction(action, { spec });
    expect(error?.name).toBe('InputError');
    expect(error?.message).toContain(
      'bpa.atlas.serviceAccount.clientId and clientSecret',
    );
  });
});
