import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  EnvironmentSpec,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  fakePassword,
  simulateSecretsManager,
  taskCheckpoints,
  registerNode,
  startFakeKubelet,
  startKubeApiServer,
  TestKubeApiServer,
  fakeReferenceValues,
  installEniConfigCrd,
  startFakeDaemonSetController,
  startFakeJobController,
  writePlan,
} from '@internal/backstage-plugin-bpa-test-utils';
import { generateSelfSignedCertificate } from './certificate';
import { FieldConflictError, KubernetesClient } from './client';
import { bootstrapCluster, ClusterBootstrapOptions } from './clusterBootstrap';
import { connectWithKubeconfig } from './connection';
import {
  DatabaseBootstrapOptions,
  runDatabaseBootstrap,
} from './databaseBootstrap';
import { Checkpoint, SecretMasker } from './progress';
import { createAwsReferenceValues, ReferenceValues } from './referenceValues';

jest.setTimeout(120_000);

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const decode = (data: Record<string, string>, key: string) =>
  Buffer.from(data[key], 'base64').toString();

describe('in-cluster bootstrap against a real kube-apiserver', () => {
  let api: TestKubeApiServer;
  let planDirectory: string;
  let kubelet: { port: number; close(): Promise<void> };
  let podLog = '';
  const references = fakeReferenceValues();
  const logLines: string[] = [];
  const logger = {
    info: (m: string) => logLines.push(`info ${m}`),
    warn: (m: string) => logLines.push(`warn ${m}`),
  };

  const client = () =>
    new KubernetesClient(connectWithKubeconfig(api.kubeconfig));
  type Options = ClusterBootstrapOptions & DatabaseBootstrapOptions;
  const options = (overrides: Partial<Options> = {}): Options => {
    const masker = new SecretMasker();
    return {
      spec,
      planDirectory,
      client: client(),
      logger: masker.wrap(logger),
      masker,
      values: references.values,
      pollIntervalMs: 100,
      ...overrides,
    };
  };

  /** Every object the bootstrap manages, with its resourceVersion. */
  async function versions(): Promise<Record<string, string>> {
    const paths = [
      '/api/v1/namespaces/bpa-ns/secrets',
      '/api/v1/namespaces/bpa-system/secrets',
      '/api/v1/namespaces/bpa-system/configmaps',
      '/apis/apps/v1/namespaces/bpa-system/daemonsets',
      '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs',
      '/api/v1/nodes',
      '/api/v1/namespaces',
    ];
    const result: Record<string, string> = {};
    for (const p of paths) {
      for (const item of (await api.request('GET', p)).items) {
        if (item.type === 'kubernetes.io/service-account-token') continue;
        result[`${p} ${item.metadata.name}`] = item.metadata.resourceVersion;
      }
    }
    return result;
  }

  async function withDaemonSetController<T>(fn: () => Promise<T>): Promise<T> {
    const controller = startFakeDaemonSetController(api, 'bpa-system');
    try {
      return await fn();
    } finally {
      await controller.stop();
    }
  }

  beforeAll(async () => {
    api = await startKubeApiServer();
    planDirectory = await fs.mkdtemp(
      path.join(os.tmpdir(), 'bpa-incluster-plan-'),
    );
    await writePlan(spec, planDirectory);
    await installEniConfigCrd(api);
    kubelet = await startFakeKubelet(api.kubeletTls, () => podLog);
    // node-1: a fresh node of its node group, without the role label yet.
    await registerNode(
      api,
      'ip-10-0-1-10',
      { 'eks.amazonaws.com/nodegroup': 'node-1' },
      kubelet.port,
    );
    // node-2: the node group already set the label.
    await registerNode(api, 'ip-10-0-2-10', {
      'eks.amazonaws.com/nodegroup': 'node-2',
      name: 'node-2',
    });
    // node-3: relabelled by hand to the wrong role.
    await registerNode(api, 'ip-10-0-3-10', {
      'eks.amazonaws.com/nodegroup': 'bpa-demo-node-3',
    });
    await api.request(
      'PATCH',
      '/api/v1/nodes/ip-10-0-3-10?fieldManager=ops-relabel',
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'ip-10-0-3-10', labels: { name: 'node-9' } },
      },
      'application/apply-patch+yaml',
    );
    // node-4: no managed node group, labelled by whoever set it up.
    await registerNode(api, 'ip-10-0-4-10', { name: 'node-4' });
    // Not BPA's.
    await registerNode(api, 'ip-10-0-9-10', {
      'eks.amazonaws.com/nodegroup': 'system',
    });
  });

  afterAll(async () => {
    await kubelet?.close();
    await api?.stop();
    if (planDirectory)
      await fs.rm(planDirectory, { recursive: true, force: true });
  });

  it('applies the plan: namespaces, node labels, node preparation, Secrets', async () => {
    const result = await withDaemonSetController(() =>
      bootstrapCluster(options()),
    );

    expect(result.nodes).toEqual({
      'node-1': ['ip-10-0-1-10'],
      'node-2': ['ip-10-0-2-10'],
      'node-3': ['ip-10-0-3-10'],
      'node-4': ['ip-10-0-4-10'],
    });
    const nodes = (await api.request('GET', '/api/v1/nodes')).items;
    const nameLabel = Object.fromEntries(
      nodes.map((n: any) => [n.metadata.name, n.metadata.labels.name]),
    );
    expect(nameLabel).toEqual({
      'ip-10-0-1-10': 'node-1',
      'ip-10-0-2-10': 'node-2',
      'ip-10-0-3-10': 'node-3',
      'ip-10-0-4-10': 'node-4',
      'ip-10-0-9-10': undefined,
    });
    expect(result.labelledNodes).toEqual([
      { node: 'ip-10-0-1-10', labels: { name: 'node-1' }, previousOwners: [] },
      {
        node: 'ip-10-0-3-10',
        labels: { name: 'node-3' },
        previousOwners: ['ops-relabel'],
      },
    ]);
    expect(logLines.join('\n')).toContain(
      'replacing name=node-9 set by ops-relabel',
    );

    const daemonSets = (
      await api.request('GET', '/apis/apps/v1/namespaces/bpa-system/daemonsets')
    ).items;
    expect(
      daemonSets.map((d: any) => [
        d.metadata.name,
        d.spec.template.spec.nodeSelector,
      ]),
    ).toEqual([
      ['bpa-node-prep-node-1', { name: 'node-1' }],
      ['bpa-node-prep-node-2', { name: 'node-2' }],
      ['bpa-node-prep-node-3', { name: 'node-3' }],
      ['bpa-node-prep-node-4', { name: 'node-4' }],
    ]);
    expect(
      logLines.some(l =>
        /Node preparation: node-1 1\/1 ready, .*node-4 1\/1 ready/.test(l),
      ),
    ).toBe(true);

    const eni = await api.request(
      'GET',
      '/apis/crd.k8s.amazonaws.com/v1alpha1/eniconfigs/us-east-1b',
    );
    expect(eni.spec).toEqual({
      subnet: 'subnet-0b2',
      securityGroups: ['sg-0fedcba9876543210', 'sg-0123456789abcdef0'],
    });

    const resolved = (source: string, name: string, key: string) =>
      references.resolved.get(`${source}:${name}:${key}`)!;
    const root = resolved(
      'secretsmanager',
      'bpa/bpa-demo/postgres-root',
      'password',
    );
    const auth = resolved(
      'secretsmanager',
      'bpa/bpa-demo/postgres-auth',
      'password',
    );
    const env = (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/secrets/bpa-environment',
      )
    ).data;
    const environmentTxt = decode(env, 'environment.txt');
    expect(environmentTxt).toContain(`PG_INITDB_ROOT_PASSWORD=${root}\n`);
    expect(environmentTxt).toContain(`AUTH_DB_PASSWORD=${auth}\n`);
    expect(environmentTxt).toContain(
      'PG_HOST=bpa-demo-postgres.cluster-abc.us-east-1.rds.amazonaws.com\n',
    );
    expect(environmentTxt).not.toMatch(
      /\$\{(secretsmanager|cloudformation|stack-secret):/,
    );

    const postgres = (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/secrets/bpa-binding-postgres',
      )
    ).data;
    expect(decode(postgres, 'username')).toBe('admin');
    expect(decode(postgres, 'password')).toBe(root);
    expect(new URL(decode(postgres, 'uri')).password).toBe(
      encodeURIComponent(root),
    );
    expect(decodeURIComponent(new URL(decode(postgres, 'uri')).password)).toBe(
      root,
    );
    expect(decode(postgres, 'uri')).toMatch(
      /^postgresql:\/\/admin:.*@bpa-demo-postgres\.cluster-abc\.us-east-1\.rds\.amazonaws\.com:5432\/admin\?sslmode=require$/,
    );

    const mongo = (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/secrets/bpa-binding-mongodb',
      )
    ).data;
    expect(decode(mongo, 'connectionString')).toBe(
      'mongodb+srv://bpa-demo-mongo-pl-0.abcde.mongodb.net',
    );

    const tls = await api.request(
      'GET',
      '/api/v1/namespaces/bpa-ns/secrets/bpa-certificate-ingress',
    );
    expect(tls.type).toBe('kubernetes.io/tls');
    const cert = new crypto.X509Certificate(decode(tls.data, 'tls.crt'));
    expect(
      cert.checkPrivateKey(
        crypto.createPrivateKey(decode(tls.data, 'tls.key')),
      ),
    ).toBe(true);
    expect(result.certificate).toMatchObject({
      origin: 'self-signed',
      selfSigned: true,
      sha256Fingerprint: cert.fingerprint256,
    });
    expect(
      logLines.some(l => l.startsWith('warn SELF-SIGNED ingress certificate')),
    ).toBe(true);

    const storageClass = await api.request(
      'GET',
      '/apis/storage.k8s.io/v1/storageclasses/gp3',
    );
    expect(storageClass.provisioner).toBe('ebs.csi.aws.com');
    expect(
      storageClass.metadata.annotations[
        'storageclass.kubernetes.io/is-default-class'
      ],
    ).toBe('true');

    // The database step writes its own credentials, when it runs the Job.
    await expect(
      api.request(
        'GET',
        '/api/v1/namespaces/bpa-system/secrets/bpa-database-bootstrap-credentials',
      ),
    ).rejects.toThrow('HTTP 404');
  });

  it('changes nothing when applied again', async () => {
    const before = await versions();
    const result = await withDaemonSetController(() =>
      bootstrapCluster(options()),
    );
    expect(await versions()).toEqual(before);
    expect(result.labelledNodes).toEqual([]);
    expect(new Set(result.objects.map(o => o.outcome))).toEqual(
      new Set(['unchanged']),
    );
    expect(result.certificate.origin).toBe('self-signed');
  });

  it('fails after the timeout, naming the role, when a node never reports prepared', async () => {
    await registerNode(api, 'ip-10-0-1-11', {
      'eks.amazonaws.com/nodegroup': 'node-1',
    });
    try {
      await expect(
        bootstrapCluster(options({ nodePreparationTimeoutMs: 1000 })),
      ).rejects.toThrow(
        /Node preparation did not finish within 1s: node-1 1\/2 ready, node-2 1\/1 ready.*kubectl -n bpa-system get pods/,
      );
    } finally {
      await api.request('DELETE', '/api/v1/nodes/ip-10-0-1-11');
    }
  });

  it('reports a field another manager changed, and takes it over only with forceConflicts', async () => {
    await api.request(
      'PATCH',
      '/apis/apps/v1/namespaces/bpa-system/daemonsets/bpa-node-prep-node-2?fieldManager=ops-hotfix&force=true',
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'bpa-node-prep-node-2', namespace: 'bpa-system' },
        spec: { template: { spec: { terminationGracePeriodSeconds: 60 } } },
      },
      'application/apply-patch+yaml',
    );
    const error = await withDaemonSetController(() =>
      bootstrapCluster(options()),
    ).catch(e => e);
    expect(error).toBeInstanceOf(FieldConflictError);
    expect(error.message).toContain(
      'DaemonSet bpa-system/bpa-node-prep-node-2',
    );
    expect(error.conflicts).toEqual([
      {
        field: '.spec.template.spec.terminationGracePeriodSeconds',
        manager: 'ops-hotfix',
      },
    ]);

    await withDaemonSetController(() =>
      bootstrapCluster(options({ forceConflicts: true })),
    );
    const ds = await api.request(
      'GET',
      '/apis/apps/v1/namespaces/bpa-system/daemonsets/bpa-node-prep-node-2',
    );
    expect(ds.spec.template.spec.terminationGracePeriodSeconds).toBe(5);
    expect(logLines.join('\n')).toContain(
      'DaemonSet bpa-system/bpa-node-prep-node-2: taking over .spec.template.spec.terminationGracePeriodSeconds from "ops-hotfix" (forceConflicts)',
    );
  });

  it('uses the certificate given with the request, and refuses to go on without one', async () => {
    const provided: EnvironmentSpec = {
      ...spec,
      ingress: {
        ...spec.ingress,
        certificate: 'provided',
        hostname: 'bpa.example.com',
      },
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-incluster-plan-'));
    try {
      await writePlan(provided, dir);
      const before = await versions();
      await expect(
        withDaemonSetController(() =>
          bootstrapCluster(options({ spec: provided, planDirectory: dir })),
        ),
      ).rejects.toThrow(
        'ingress.certificate is "provided" but no certificate and key were given',
      );
      expect(
        (await versions())[
          '/api/v1/namespaces/bpa-ns/secrets bpa-certificate-ingress'
        ],
      ).toBe(
        before['/api/v1/namespaces/bpa-ns/secrets bpa-certificate-ingress'],
      );

      const given = generateSelfSignedCertificate({
        commonName: 'bpa.example.com',
        dnsNames: ['bpa.example.com'],
      });
      const result = await withDaemonSetController(() =>
        bootstrapCluster(
          options({
            spec: provided,
            planDirectory: dir,
            providedCertificate: given,
          }),
        ),
      );
      const tls = await api.request(
        'GET',
        '/api/v1/namespaces/bpa-ns/secrets/bpa-certificate-ingress',
      );
      expect(decode(tls.data, 'tls.crt')).toBe(given.certificate);
      expect(result.certificate).toMatchObject({
        origin: 'provided',
        selfSigned: false,
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('runs the database bootstrap Job once and waits for it', async () => {
    const jobs = startFakeJobController(api, 'bpa-system', {
      outcome: 'Complete',
    });
    try {
      const first = await runDatabaseBootstrap(options());
      expect(first.outcome).toBe('completed');
      const bootstrapCredentials = (
        await api.request(
          'GET',
          '/api/v1/namespaces/bpa-system/secrets/bpa-database-bootstrap-credentials',
        )
      ).data;
      expect(decode(bootstrapCredentials, 'master-username')).toBe(
        'bpa_master',
      );
      expect(decode(bootstrapCredentials, 'master-password')).toBe(
        references.resolved.get(
          'stack-secret:bpa-demo-data/MasterUserSecretArn:password',
        ),
      );
      expect(first.job).toMatch(
        /^Job bpa-system\/bpa-database-bootstrap-[0-9a-f]{10}$/,
      );
      expect(jobs.jobsSeen).toEqual([first.job.split('/')[1]]);
      const job = await api.request(
        'GET',
        `/apis/batch/v1/namespaces/bpa-system/jobs/${jobs.jobsSeen[0]}`,
      );
      expect(job.spec.template.spec.containers[0].command.join(' ')).toContain(
        '-f /bootstrap/bootstrap.sql',
      );

      const before = await versions();
      const second = await runDatabaseBootstrap(options());
      expect(second.outcome).toBe('already-completed');
      expect(await versions()).toEqual(before);
    } finally {
      await jobs.stop();
    }
  });

  it('shows the tail of the failed Job pod log with every secret masked, and replaces the Job on the next run', async () => {
    const changed: EnvironmentSpec = {
      ...spec,
      rds: { ...spec.rds, auth: { database: 'kong', user: 'kong_auth' } },
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-incluster-plan-'));
    const secret = (
      await api.request(
        'GET',
        '/api/v1/namespaces/bpa-system/secrets/bpa-database-bootstrap-credentials',
      )
    ).data;
    const masterPassword = decode(secret, 'master-password');
    const kongPassword = decode(secret, 'auth-password');
    podLog = [
      'psql:/bootstrap/bootstrap.sql:1: NOTICE: starting',
      `debug: PGPASSWORD=${masterPassword}`,
      `debug: kong_password=${encodeURIComponent(kongPassword)}`,
      'psql: error: connection to server failed: FATAL:  password authentication failed for user "bpa_master"',
      '',
    ].join('\n');
    await api
      .request('POST', '/api/v1/namespaces/bpa-system/serviceaccounts', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default' },
      })
      .catch(() => undefined);
    try {
      await writePlan(changed, dir);
      const failing = startFakeJobController(api, 'bpa-system', {
        outcome: 'Failed',
        nodeName: 'ip-10-0-1-10',
      });
      let error: Error;
      try {
        error = await runDatabaseBootstrap(
          options({ spec: changed, planDirectory: dir, timeoutMs: 20_000 }),
        ).catch(e => e);
      } finally {
        await failing.stop();
      }
      expect(error.message).toContain(
        'failed (BackoffLimitExceeded: Job has reached the specified backoff limit)',
      );
      expect(error.message).toContain(
        'password authentication failed for user "bpa_master"',
      );
      expect(error.message).toContain('debug: PGPASSWORD=***');
      expect(error.message).toContain('debug: kong_password=***');
      expect(error.message).not.toContain(masterPassword);

      const completing = startFakeJobController(api, 'bpa-system', {
        outcome: 'Complete',
      });
      try {
        const retried = await runDatabaseBootstrap(
          options({ spec: changed, planDirectory: dir, timeoutMs: 20_000 }),
        );
        expect(retried.outcome).toBe('completed');
      } finally {
        await completing.stop();
      }
      expect(logLines.join('\n')).toMatch(
        /failed before \(BackoffLimitExceeded.*\); replacing it to run again/,
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('gives a retried database Job the master password RDS rotated after the cluster bootstrap', async () => {
    // The real reference resolution, against a simulated Secrets Manager and stack outputs.
    const secretsManager = simulateSecretsManager();
    const cloudFormation = mockClient(CloudFormationClient);
    // RDS's managed secret: Secrets Manager holds it by name; the stack output gives its ARN.
    const masterSecretName = 'rds!db-0a1b2c3d';
    const masterArn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${masterSecretName}-AbCdEf`;
    const outputs: Record<string, Record<string, string>> = {
      'bpa-demo-network': {
        PodSubnetIds: 'subnet-0a1,subnet-0b2,subnet-0c3',
        NodeSecurityGroupId: 'sg-0123456789abcdef0',
      },
      'bpa-demo-cluster': { ClusterSecurityGroupId: 'sg-0fedcba9876543210' },
      'bpa-demo-data': {
        EndpointAddress: 'bpa-demo-postgres.abc.us-east-1.rds.amazonaws.com',
        EndpointPort: '5432',
        MasterUserSecretArn: masterArn,
      },
    };
    cloudFormation.on(DescribeStacksCommand).callsFake(async input => ({
      Stacks: [
        {
          StackName: input.StackName,
          StackStatus: 'CREATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: Object.entries(outputs[input.StackName!] ?? {}).map(
            ([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }),
          ),
        },
      ],
    }));
    const user = (username: string) =>
      JSON.stringify({ username, password: fakePassword() });
    secretsManager.secrets.set('bpa/bpa-demo/postgres-root', user('admin'));
    secretsManager.secrets.set('bpa/bpa-demo/postgres-auth', user('kong'));
    secretsManager.secrets.set(
      'bpa/bpa-demo/postgres-workflow',
      user('camunda'),
    );
    secretsManager.secrets.set(
      'bpa/bpa-demo/mongodb',
      JSON.stringify({
        username: 'bpa',
        password: fakePassword(),
        connectionString: 'mongodb+srv://bpa-demo-mongo-pl-0.abcde.mongodb.net',
      }),
    );
    const before = fakePassword();
    const rotated = fakePassword();
    secretsManager.secrets.set(
      masterSecretName,
      JSON.stringify({ username: 'bpa_master', password: before }),
    );
    // Each step resolves its references afresh, as each action does.
    const values = () =>
      createAwsReferenceValues({
        secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
        cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
      });
    // The scaffolder's checkpoints: a retried task replays what finished.
    const task = taskCheckpoints();
    const checkpoint: Checkpoint = (key, fn) => task.checkpoint({ key, fn });
    // A plan of its own, so that its Job is not the one an earlier test completed.
    const retriedSpec: EnvironmentSpec = {
      ...spec,
      rds: {
        ...spec.rds,
        workflow: { database: 'process-engine', user: 'camunda_wf' },
      },
    };
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-incluster-plan-'));
    const credentials = async () =>
      decode(
        (
          await api.request(
            'GET',
            '/api/v1/namespaces/bpa-system/secrets/bpa-database-bootstrap-credentials',
          )
        ).data,
        'master-password',
      );
    try {
      await writePlan(retriedSpec, dir);
      const step = (stepValues: ReferenceValues) =>
        options({
          spec: retriedSpec,
          planDirectory: dir,
          values: stepValues,
          checkpoint,
          timeoutMs: 20_000,
        });
      await withDaemonSetController(() => bootstrapCluster(step(values())));
      const failing = startFakeJobController(api, 'bpa-system', {
        outcome: 'Failed',
      });
      try {
        await expect(runDatabaseBootstrap(step(values()))).rejects.toThrow(
          /BackoffLimitExceeded/,
        );
      } finally {
        await failing.stop();
      }
      expect(await credentials()).toBe(before);

      // RDS rotates the master password; then the task is retried from the start.
      secretsManager.secrets.set(
        masterSecretName,
        JSON.stringify({ username: 'bpa_master', password: rotated }),
      );
      await withDaemonSetController(() => bootstrapCluster(step(values())));
      const completing = startFakeJobController(api, 'bpa-system', {
        outcome: 'Complete',
      });
      try {
        const retried = await runDatabaseBootstrap(step(values()));
        expect(retried.outcome).toBe('completed');
      } finally {
        await completing.stop();
      }
      expect(await credentials()).toBe(rotated);
      const log = logLines.join('\n');
      expect(log).not.toContain(before);
      expect(log).not.toContain(rotated);
    } finally {
      cloudFormation.restore();
      secretsManager.mock.restore();
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('never wrote a secret value into the log', () => {
    const log = logLines.join('\n');
    expect(references.secretValues.size).toBeGreaterThan(3);
    for (const value of references.secretValues) {
      expect(log).not.toContain(value);
      expect(log).not.toContain(encodeURIComponent(value));
    }
  });
});
