import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
} from '@aws-sdk/client-secrets-manager';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  connectWithKubeconfig,
  ecrRegistryLogin,
  generateSelfSignedCertificate,
} from '@internal/backstage-plugin-bpa-node';
import {
  capturingLogger,
  copyBetweenRegistries,
  startMirrorLab,
  registerNode,
  startKubeApiServer,
  TestKubeApiServer,
  fakePassword,
  fakeReferenceValues,
  installEniConfigCrd,
  startFakeDaemonSetController,
  startFakeJobController,
  testHelmBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { fakeAws } from '../__testUtils__/atlas';
import { createPlanEnvironmentAction } from './planEnvironment';
import { createKubernetesBootstrapAction } from './kubernetesBootstrap';
import { createDatabaseBootstrapAction } from './databaseBootstrap';
import { createHelmReleaseAction } from './helmRelease';

jest.setTimeout(180_000);

const STANDIN_CHART = path.resolve(
  __dirname,
  '../../../bpa-node/test-charts/bpa-standin',
);
const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;
const POSTGRES_SECRETS = [
  'bpa/bpa-demo/postgres-root',
  'bpa/bpa-demo/postgres-auth',
  'bpa/bpa-demo/postgres-workflow',
];
const MONGODB_SECRET = 'bpa/bpa-demo/mongodb';
const PRIVATE_CONNECTION_STRING =
  'mongodb+srv://bpa-demo-mongo-pl-0.ab1cd.mongodb.net';

describe('bpa:kubernetes:bootstrap, bpa:database:bootstrap and bpa:helm:release against a real kube-apiserver', () => {
  let api: TestKubeApiServer;
  let workspacePath: string;
  // The task log, every line with its fields: the secrets scan reads it all.
  const { logger, lines } = capturingLogger();
  const outputs: Array<[string, unknown]> = [];
  // Secrets Manager as the Atlas steps left it: the MongoDB secret only.
  const aws = fakeAws();
  aws.secrets.set(
    MONGODB_SECRET,
    JSON.stringify({
      username: 'bpa',
      password: fakePassword(),
      authDatabase: 'admin',
      connectionString: PRIVATE_CONNECTION_STRING,
    }),
  );
  const references = fakeReferenceValues({ secrets: aws.secrets });
  const createdSecrets = () =>
    aws.mocks.secretsManager
      .commandCalls(CreateSecretCommand)
      .map(c => c.args[0].input.Name);
  const storedPassword = (name: string) =>
    JSON.parse(aws.secrets.get(name)!).password as string;

  const connector = {
    connect: async (target: { kubeconfig?: string }) =>
      connectWithKubeconfig(target.kubeconfig ?? api.kubeconfig),
  };
  const bootstrap = createKubernetesBootstrapAction({
    connector,
    referenceValues: { forEnvironment: async () => references.values },
    secretsManager: async () => aws.clients.secretsManager,
    pollIntervalMs: 100,
  });
  const database = createDatabaseBootstrapAction({
    connector,
    referenceValues: { forEnvironment: async () => references.values },
    pollIntervalMs: 100,
  });
  const release = createHelmReleaseAction({
    connector,
    helmBinary: testHelmBinary(),
  });

  const context = (
    input: JsonObject,
    extra: { secrets?: Record<string, string> } = {},
  ) => {
    const ctx = createMockActionContext({
      workspacePath,
      input,
      logger,
      ...extra,
    });
    (ctx.output as jest.Mock).mockImplementation(
      (name: string, value: unknown) => outputs.push([name, value]),
    );
    return ctx;
  };
  const outputsOf = (ctx: { output: unknown }) =>
    Object.fromEntries((ctx.output as jest.Mock).mock.calls);

  beforeAll(async () => {
    api = await startKubeApiServer();
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-actions-'));
    await installEniConfigCrd(api);
    for (const n of [1, 2, 3, 4]) {
      await registerNode(api, `ip-10-0-${n}-10`, {
        'eks.amazonaws.com/nodegroup': `node-${n}`,
      });
    }
    await fs.cp(STANDIN_CHART, path.join(workspacePath, 'charts', 'bpa'), {
      recursive: true,
    });
    await createPlanEnvironmentAction().handler(
      context({ spec, outputDir: 'bpa-plan' }) as any,
    );
  });

  afterAll(async () => {
    await api?.stop();
    if (workspacePath)
      await fs.rm(workspacePath, { recursive: true, force: true });
  });

  it('refuses a provided certificate that is missing, before touching the cluster', async () => {
    const provided = {
      ...spec,
      ingress: { certificate: 'provided' },
    } as JsonObject;
    await expect(
      bootstrap.handler(context({ spec: provided }) as any),
    ).rejects.toThrow(
      'give the PEM certificate (input certificate, or task secret tlsCertificate) and its private key (task secret tlsPrivateKey)',
    );
    const other = generateSelfSignedCertificate({ commonName: 'x' });
    const mine = generateSelfSignedCertificate({ commonName: 'y' });
    await expect(
      bootstrap.handler(
        context(
          { spec: provided, certificate: mine.certificate },
          { secrets: { tlsPrivateKey: other.privateKey } },
        ) as any,
      ),
    ).rejects.toThrow(
      'The private key given does not belong to the ingress certificate',
    );
    expect(
      (await api.request('GET', '/api/v1/namespaces')).items.map(
        (n: any) => n.metadata.name,
      ),
    ).not.toContain('bpa-ns');
    expect(createdSecrets()).toEqual([]);
  });

  it('prepares the cluster, bootstraps the databases and installs the release', async () => {
    const daemonSets = startFakeDaemonSetController(api, 'bpa-system');
    const bootstrapCtx = context(
      { spec, planDirectory: 'bpa-plan', kubeconfigSecret: 'kubeconfig' },
      { secrets: { kubeconfig: api.kubeconfig } },
    );
    try {
      await bootstrap.handler(bootstrapCtx as any);
    } finally {
      await daemonSets.stop();
    }
    const bootstrapped = outputsOf(bootstrapCtx);
    expect(bootstrapped.namespace).toBe('bpa-ns');
    expect(bootstrapped.nodes).toEqual({
      'node-1': ['ip-10-0-1-10'],
      'node-2': ['ip-10-0-2-10'],
      'node-3': ['ip-10-0-3-10'],
      'node-4': ['ip-10-0-4-10'],
    });
    expect(bootstrapped.selfSignedCertificate).toBe(true);
    expect(bootstrapped.changed).toBe(bootstrapped.objects.length);
    expect(bootstrapped.objects).toContainEqual({
      object: 'Secret bpa-ns/bpa-environment',
      outcome: 'created',
    });

    // The PostgreSQL passwords were generated where the plan's references read them.
    expect(createdSecrets()).toEqual(POSTGRES_SECRETS);
    expect(JSON.parse(aws.secrets.get(POSTGRES_SECRETS[1])!)).toEqual({
      username: 'kong',
      password: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
    });
    expect(lines).toContain(
      `info Generated PostgreSQL passwords into Secrets Manager: ${POSTGRES_SECRETS.join(
        ', ',
      )}`,
    );
    const environmentTxt = Buffer.from(
      (
        await api.request(
          'GET',
          '/api/v1/namespaces/bpa-ns/secrets/bpa-environment',
        )
      ).data['environment.txt'],
      'base64',
    ).toString();
    for (const name of POSTGRES_SECRETS) {
      expect(environmentTxt).toContain(storedPassword(name));
    }
    const mongoBinding = (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/secrets/bpa-binding-mongodb',
      )
    ).data;
    expect(
      Object.values<string>(mongoBinding).map(v =>
        Buffer.from(v, 'base64').toString(),
      ),
    ).toContain(PRIVATE_CONNECTION_STRING);

    const jobs = startFakeJobController(api, 'bpa-system', {
      outcome: 'Complete',
    });
    const databaseCtx = context(
      { spec, kubeconfigSecret: 'kubeconfig' },
      { secrets: { kubeconfig: api.kubeconfig } },
    );
    try {
      await database.handler(databaseCtx as any);
    } finally {
      await jobs.stop();
    }
    expect(outputsOf(databaseCtx)).toMatchObject({
      outcome: 'completed',
      job: expect.stringMatching(/^Job bpa-system\//),
    });

    const releaseCtx = context({
      spec,
      chart: 'charts/bpa',
      timeoutMinutes: 2,
    });
    await release.handler(releaseCtx as any);
    expect(outputsOf(releaseCtx)).toEqual({
      release: 'bpa-rel',
      namespace: 'bpa-ns',
      outcome: 'installed',
      revision: 1,
      status: 'deployed',
      chart: 'bpa-standin-4.0.3-6',
      appVersion: '4.0.3',
    });
  });

  it('changes nothing when the whole apply runs again', async () => {
    const daemonSets = startFakeDaemonSetController(api, 'bpa-system');
    const again = context({ spec });
    try {
      await bootstrap.handler(again as any);
    } finally {
      await daemonSets.stop();
    }
    expect(outputsOf(again).changed).toBe(0);
    // Passwords are never rotated.
    expect(createdSecrets()).toEqual(POSTGRES_SECRETS);
    expect(
      aws.mocks.secretsManager.commandCalls(PutSecretValueCommand),
    ).toEqual([]);
    expect(lines).toContain(
      `info Keeping the PostgreSQL passwords already in Secrets Manager: ${POSTGRES_SECRETS.join(
        ', ',
      )}`,
    );
    const databaseCtx = context({ spec });
    await database.handler(databaseCtx as any);
    expect(outputsOf(databaseCtx).outcome).toBe('already-completed');
    const releaseCtx = context({ spec, chart: 'charts/bpa' });
    await release.handler(releaseCtx as any);
    expect(outputsOf(releaseCtx)).toMatchObject({
      outcome: 'unchanged',
      revision: 1,
    });
  });

  it("installs the chart the mirror pushed into ECR from the registry ECR's login names (GetAuthorizationToken's proxyEndpoint)", async () => {
    // A stand-in for the account's ECR holding the chart where bpa:ecr:mirror puts it.
    const names = resourceNames(parseEnvironmentSpec(REFERENCE_SPEC_INPUT));
    const lab = await startMirrorLab({
      accountId: '123456789012',
      region: 'us-east-1',
      repositories: ['bpa/bpa-chart'],
      images: [],
    });
    try {
      await copyBetweenRegistries(
        { registry: lab.source, reference: 'bpa/bpa-standin:4.0.3-6' },
        { registry: lab.ecr, reference: 'bpa/bpa-chart:4.0.3-6' },
      );
      const asked: string[] = [];
      const fromEcr = createHelmReleaseAction({
        connector,
        helmBinary: testHelmBinary(),
        ecrLogin: async registry => {
          asked.push(registry.host);
          return ecrRegistryLogin(
            new ECRClient({
              region: registry.region,
              credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' },
            }),
          );
        },
      });
      // The plan's reference names ECR by its canonical host, which no registry here answers.
      expect(names.chart).toBe(
        'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart',
      );
      const releaseCtx = context({ spec, chartVersion: '4.0.3-6' });
      await fromEcr.handler(releaseCtx as any);
      expect(asked).toEqual([names.ecrRegistry]);
      // helm read the chart from the stand-in: the one installed from the workspace, unchanged.
      expect(outputsOf(releaseCtx)).toMatchObject({
        outcome: 'unchanged',
        revision: 1,
        chart: 'bpa-standin-4.0.3-6',
      });
      expect(lines.join('\n')).not.toContain(lab.ecr.password);
    } finally {
      await lab.stop();
    }
  });

  it('never shows a secret value in the task log or the outputs', async () => {
    const everything = [lines.join('\n'), JSON.stringify(outputs)].join('\n');
    const tls = await api.request(
      'GET',
      '/api/v1/namespaces/bpa-ns/secrets/bpa-certificate-ingress',
    );
    const tlsKey = Buffer.from(tls.data['tls.key'], 'base64').toString();
    expect(references.secretValues.size).toBeGreaterThanOrEqual(5);
    for (const name of [...POSTGRES_SECRETS, MONGODB_SECRET]) {
      expect(references.secretValues).toContain(storedPassword(name));
    }
    for (const value of [...references.secretValues, api.token, tlsKey]) {
      expect(everything).not.toContain(value);
      expect(everything).not.toContain(encodeURIComponent(value));
      expect(everything).not.toContain(Buffer.from(value).toString('base64'));
    }
    expect(everything).toContain('SELF-SIGNED ingress certificate');
  });
});
