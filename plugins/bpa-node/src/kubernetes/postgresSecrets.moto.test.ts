import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigReader } from '@backstage/config';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  MOTO_ACCOUNT_ID,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  motoAppConfig,
  recordingLogger,
  startMoto,
} from '@internal/backstage-plugin-bpa-test-utils';
import { mergeSecretKeys } from '../aws/secrets';
import { inClusterServicesFromConfig } from './fromConfig';
import { ensurePostgresSecrets } from './postgresSecrets';

/**
 * The PostgreSQL passwords and the merge of a JSON secret's keys against
 * moto's Secrets Manager, through the client the in-cluster actions build
 * from app-config (it honours AWS_ENDPOINT_URL).
 */
const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const NAMES = [
  'bpa/bpa-demo/postgres-root',
  'bpa/bpa-demo/postgres-auth',
  'bpa/bpa-demo/postgres-workflow',
];

let moto: MotoServer;
let secretsManager: SecretsManagerClient;

beforeAll(async () => {
  moto = await startMoto({ asDefaultEndpoint: true });
  secretsManager = await inClusterServicesFromConfig(
    new ConfigReader(motoAppConfig()),
  ).secretsManager({ accountId: MOTO_ACCOUNT_ID, region: spec.aws.region });
}, MOTO_TEST_TIMEOUT_MS);
afterAll(() => moto?.stop());
beforeEach(() => moto.reset());

const step = () => ({
  logger: recordingLogger(),
  checkpoint: <T>(_key: string, fn: () => Promise<T>) => fn(),
});

async function value(name: string) {
  const { SecretString } = await secretsManager.send(
    new GetSecretValueCommand({ SecretId: name }),
  );
  return JSON.parse(SecretString!);
}

const versions = async (name: string) =>
  (
    await secretsManager.send(
      new ListSecretVersionIdsCommand({ SecretId: name }),
    )
  ).Versions?.length;

describe('Secrets Manager on moto', () => {
  jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

  it('creates the three PostgreSQL password secrets once, tagged, and never rewrites them', async () => {
    const first = await ensurePostgresSecrets(secretsManager, spec, step());
    const passwords = await Promise.all(NAMES.map(value));

    expect(first).toEqual({ generated: NAMES, kept: [] });
    expect(passwords.map(p => p.username)).toEqual([
      'admin',
      'kong',
      'camunda',
    ]);
    expect(new Set(passwords.map(p => p.password)).size).toBe(3);
    const described = await secretsManager.send(
      new DescribeSecretCommand({ SecretId: NAMES[0] }),
    );
    expect(described.Tags).toEqual(
      expect.arrayContaining([{ Key: 'bpa:environment', Value: 'bpa-demo' }]),
    );

    const again = await ensurePostgresSecrets(secretsManager, spec, step());

    expect(again).toEqual({ generated: [], kept: NAMES });
    expect(await Promise.all(NAMES.map(value))).toEqual(passwords);
    expect(await Promise.all(NAMES.map(versions))).toEqual([1, 1, 1]);
  });

  it('refuses a secret without a password, naming it, and writes nothing', async () => {
    await ensurePostgresSecrets(secretsManager, spec, step());
    await secretsManager.send(
      new PutSecretValueCommand({
        SecretId: NAMES[1],
        SecretString: JSON.stringify({ username: 'kong' }),
      }),
    );

    const error = await ensurePostgresSecrets(
      secretsManager,
      spec,
      step(),
    ).catch(e => e);

    expect(error.message).toContain(
      `Secrets Manager secret ${NAMES[1]} has no password key`,
    );
    expect(await versions(NAMES[1])).toBe(2);
  });

  it('names a secret scheduled for deletion and the way back; once restored, its password is kept', async () => {
    await ensurePostgresSecrets(secretsManager, spec, step());
    const before = await value(NAMES[0]);
    await secretsManager.send(
      new DeleteSecretCommand({ SecretId: NAMES[0], RecoveryWindowInDays: 7 }),
    );

    const error = await ensurePostgresSecrets(
      secretsManager,
      spec,
      step(),
    ).catch(e => e);

    expect(error.message).toBe(
      `Secrets Manager secret ${NAMES[0]} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id ${NAMES[0]}) and run the step again`,
    );

    await secretsManager.send(new RestoreSecretCommand({ SecretId: NAMES[0] }));
    const result = await ensurePostgresSecrets(secretsManager, spec, step());

    expect(result.kept).toContain(NAMES[0]);
    expect(await value(NAMES[0])).toEqual(before);
  });

  it('merges keys into a JSON secret: the others stay, an unchanged merge writes no version', async () => {
    const definition = {
      name: 'bpa/bpa-demo/mongodb',
      description: 'test',
      tags: { 'bpa:environment': 'bpa-demo' },
    };

    const created = await mergeSecretKeys(secretsManager, definition, {
      connectionString: 'mongodb+srv://pl-0.example.mongodb.net',
    });
    const merged = await mergeSecretKeys(secretsManager, definition, {
      username: 'bpa',
      password: 'generated',
    });
    const unchanged = await mergeSecretKeys(secretsManager, definition, {
      username: 'bpa',
    });

    expect([created.written, merged.written, unchanged.written]).toEqual([
      true,
      true,
      false,
    ]);
    expect(unchanged.arn).toBe(created.arn);
    expect(await value(definition.name)).toEqual({
      connectionString: 'mongodb+srv://pl-0.example.mongodb.net',
      username: 'bpa',
      password: 'generated',
    });
    expect(await versions(definition.name)).toBe(2);
  });
});
