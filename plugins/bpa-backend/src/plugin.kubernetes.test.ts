import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { connectWithToken } from '@internal/backstage-plugin-bpa-node';
import {
  SimulatedAws,
  TestKubeApiServer,
  VirtualClock,
  simulateAws,
  startKubeApiServer,
} from '@internal/backstage-plugin-bpa-test-utils';
import {
  environmentSystem,
  simulatedAwsClients,
  startStatusBackend,
} from './__testUtils__/backend';
import { statusSourcesFromConfig } from './service/sources';

jest.setTimeout(120_000);

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
/** An environment applied to the same cluster whose namespace holds nothing yet. */
const empty = parseEnvironmentSpec({
  ...REFERENCE_SPEC_INPUT,
  name: 'bpa-empty',
  bpa: { namespace: 'bpa-empty-ns' },
});
/** What Helm keeps in a release Secret: the chart's values, passwords included. */
const RELEASE_PAYLOAD = 'H4sIAAAAAAAC-helm-release-with-pg-password-Pw:3x4mple';
const OTHER_SECRET = 'kong-db-password-9f8e7d';

describe('release and workloads, read from a real kube-apiserver', () => {
  let api: TestKubeApiServer;
  let aws: SimulatedAws;
  let directory: string;
  let kubeconfigFile: string;

  const create = (apiPath: string, object: object) =>
    api.request('POST', apiPath, object);
  const setStatus = (apiPath: string, status: object) =>
    api.request(
      'PATCH',
      `${apiPath}/status`,
      { status },
      'application/merge-patch+json',
    );

  const podTemplate = (app: string) => ({
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: { containers: [{ name: app, image: `bpa/${app}:4.0.3` }] },
    },
  });

  async function deployment(
    namespace: string,
    name: string,
    component: string | undefined,
    replicas: number,
    readyReplicas: number,
  ) {
    const base = `/apis/apps/v1/namespaces/${namespace}/deployments`;
    await create(base, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name,
        labels: component ? { 'backstage.io/kubernetes-id': component } : {},
      },
      spec: { replicas, ...podTemplate(name) },
    });
    await setStatus(`${base}/${name}`, { replicas, readyReplicas });
  }

  async function pod(
    name: string,
    labels: Record<string, string>,
    nodeName: string | undefined,
    status: object,
  ) {
    const base = '/api/v1/namespaces/bpa-ns/pods';
    await create(base, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        ...(nodeName && { nodeName }),
        // No token controller runs to make the service account's token.
        automountServiceAccountToken: false,
        containers: [{ name: labels.app, image: labels.app }],
      },
    });
    await setStatus(`${base}/${name}`, status);
  }

  async function helmRevision(
    release: string,
    version: number,
    status: string,
  ) {
    await create('/api/v1/namespaces/bpa-ns/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: `sh.helm.release.v1.${release}.v${version}`,
        labels: {
          owner: 'helm',
          name: release,
          status,
          version: String(version),
        },
      },
      data: {
        release: Buffer.from(`${RELEASE_PAYLOAD}-${version}`).toString(
          'base64',
        ),
      },
    });
  }

  beforeAll(async () => {
    api = await startKubeApiServer();
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-status-'));
    kubeconfigFile = path.join(directory, 'kubeconfig');
    await fs.writeFile(kubeconfigFile, api.kubeconfig, { mode: 0o600 });

    for (const name of ['bpa-ns', 'other-ns']) {
      await create('/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
      // No controller manager makes it: pods need it to be admitted.
      await create(`/api/v1/namespaces/${name}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default' },
      });
    }
    await deployment('bpa-ns', 'bpa-ui', 'ui', 2, 2);
    await deployment('bpa-ns', 'kong', 'api-gateway', 2, 1);
    await deployment('other-ns', 'elsewhere', 'ui', 1, 1);

    const statefulSets = '/apis/apps/v1/namespaces/bpa-ns/statefulsets';
    await create(statefulSets, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: {
        name: 'kafka',
        labels: { 'backstage.io/kubernetes-id': 'kafka' },
      },
      spec: { replicas: 3, serviceName: 'kafka', ...podTemplate('kafka') },
    });
    await setStatus(`${statefulSets}/kafka`, { replicas: 3, readyReplicas: 3 });

    const daemonSets = '/apis/apps/v1/namespaces/bpa-ns/daemonsets';
    await create(daemonSets, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'log-shipper' },
      spec: podTemplate('log-shipper'),
    });
    await setStatus(`${daemonSets}/log-shipper`, {
      currentNumberScheduled: 4,
      numberMisscheduled: 0,
      desiredNumberScheduled: 4,
      numberReady: 0,
    });

    // Two of the four nodes, kong's two pods (one crash-looping) and a kafka
    // pod waiting for a node; a Warning event about the crash loop.
    for (const [name, role, zone] of [
      ['ip-10-0-48-11.ec2.internal', 'node-1', 'us-east-1a'],
      ['ip-10-0-64-12.ec2.internal', 'node-2', 'us-east-1b'],
    ]) {
      await create('/api/v1/nodes', {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name,
          labels: {
            name: role,
            'topology.kubernetes.io/zone': zone,
            'node.kubernetes.io/instance-type': 'm5.4xlarge',
          },
        },
      });
      await setStatus(`/api/v1/nodes/${name}`, {
        conditions: [
          {
            type: 'Ready',
            status: role === 'node-1' ? 'True' : 'False',
            reason: 'KubeletReady',
            lastHeartbeatTime: '2026-12-01T10:00:00Z',
            lastTransitionTime: '2026-12-01T09:00:00Z',
          },
        ],
      });
    }
    await pod(
      'kong-7f9c-a',
      { app: 'kong', 'backstage.io/kubernetes-id': 'api-gateway' },
      'ip-10-0-48-11.ec2.internal',
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'kong',
            ready: true,
            restartCount: 1,
            image: 'kong',
            imageID: '',
            state: { running: {} },
          },
        ],
      },
    );
    await pod(
      'kong-7f9c-b',
      { app: 'kong', 'backstage.io/kubernetes-id': 'api-gateway' },
      'ip-10-0-64-12.ec2.internal',
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          {
            name: 'kong',
            ready: false,
            restartCount: 6,
            image: 'kong',
            imageID: '',
            state: { waiting: { reason: 'CrashLoopBackOff' } },
          },
        ],
      },
    );
    await pod(
      'kafka-2',
      { app: 'kafka', 'backstage.io/kubernetes-id': 'kafka' },
      undefined,
      {
        phase: 'Pending',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable' },
        ],
      },
    );
    for (const [name, involved, reason, message, last] of [
      [
        'kong-7f9c-b.backoff',
        'kong-7f9c-b',
        'BackOff',
        'Back-off restarting failed container kong',
        '2026-12-01T10:05:00Z',
      ],
      [
        'kafka-2.failed',
        'kafka-2',
        'FailedScheduling',
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity.",
        '2026-12-01T10:01:00Z',
      ],
    ]) {
      await create('/api/v1/namespaces/bpa-ns/events', {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name },
        involvedObject: {
          apiVersion: 'v1',
          kind: 'Pod',
          name: involved,
          namespace: 'bpa-ns',
        },
        type: 'Warning',
        reason,
        message,
        count: 4,
        firstTimestamp: '2026-12-01T09:00:00Z',
        lastTimestamp: last,
      });
    }
    await create('/api/v1/namespaces/bpa-ns/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'kong-7f9c-a.pulled' },
      involvedObject: {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'kong-7f9c-a',
        namespace: 'bpa-ns',
      },
      type: 'Normal',
      reason: 'Pulled',
      message: 'Container image "kong" already present on machine',
      lastTimestamp: '2026-12-01T10:06:00Z',
    });

    await helmRevision('bpa-rel', 1, 'superseded');
    await helmRevision('bpa-rel', 2, 'deployed');
    // Another release in the namespace is not BPA's.
    await helmRevision('bpa-monitoring', 7, 'failed');
    await create('/api/v1/namespaces/bpa-ns/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kong-db' },
      stringData: { password: OTHER_SECRET },
    });
  });

  afterAll(async () => {
    await api?.stop();
    if (directory) await fs.rm(directory, { recursive: true, force: true });
  });

  beforeEach(() => {
    aws = simulateAws({
      clock: new VirtualClock(),
      accountId: spec.aws.accountId,
      region: spec.aws.region,
    });
    aws.mocks.eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'bpa-demo-eks', status: 'ACTIVE', version: '1.35' },
    });
  });
  afterEach(() => aws.restore());

  /** The plugin as the portal builds it from config, the cluster given by `bpa.kubernetes.kubeconfig`. */
  const startBackend = () =>
    startStatusBackend({
      entities: [
        environmentSystem(spec, 'applied'),
        environmentSystem(empty, 'applied'),
      ],
      config: {
        bpa: { kubernetes: { kubeconfig: kubeconfigFile } },
      },
      sources: config => ({
        ...statusSourcesFromConfig(config),
        aws: simulatedAwsClients(spec.aws.accountId),
        atlas: { getCluster: async () => ({ stateName: 'IDLE' }) },
      }),
    });

  it('shows the newest Helm revision and every workload of the BPA namespace, never a Secret’s data', async () => {
    const backend = await startBackend();

    const response = await backend.get('/environments/default/bpa-demo/status');
    const text = await response.text();
    const status = JSON.parse(text);

    expect(status.release).toEqual({
      data: {
        name: 'bpa-rel',
        namespace: 'bpa-ns',
        status: 'deployed',
        level: 'ok',
        revision: 2,
      },
    });
    expect(status.workloads).toEqual({
      data: [
        {
          kind: 'DaemonSet',
          name: 'log-shipper',
          ready: 0,
          desired: 4,
          level: 'pending',
          restarts: 0,
        },
        {
          kind: 'Deployment',
          name: 'bpa-ui',
          ready: 2,
          desired: 2,
          level: 'ok',
          component: 'ui',
          restarts: 0,
        },
        {
          // One of its pods is in a crash loop.
          kind: 'Deployment',
          name: 'kong',
          ready: 1,
          desired: 2,
          level: 'error',
          component: 'api-gateway',
          restarts: 7,
        },
        {
          kind: 'StatefulSet',
          name: 'kafka',
          ready: 3,
          desired: 3,
          level: 'ok',
          component: 'kafka',
          restarts: 0,
        },
      ],
    });
    expect(status.pods).toEqual({
      data: [
        {
          name: 'kafka-2',
          component: 'kafka',
          workload: 'StatefulSet/kafka',
          phase: 'Pending',
          reason: 'Unschedulable',
          ready: false,
          restarts: 0,
          level: 'pending',
        },
        {
          name: 'kong-7f9c-a',
          component: 'api-gateway',
          workload: 'Deployment/kong',
          node: 'ip-10-0-48-11.ec2.internal',
          phase: 'Running',
          ready: true,
          restarts: 1,
          level: 'ok',
        },
        {
          name: 'kong-7f9c-b',
          component: 'api-gateway',
          workload: 'Deployment/kong',
          node: 'ip-10-0-64-12.ec2.internal',
          phase: 'Running',
          reason: 'CrashLoopBackOff',
          ready: false,
          restarts: 6,
          level: 'error',
        },
      ],
    });
    expect(status.nodes).toEqual({
      data: [
        {
          name: 'ip-10-0-48-11.ec2.internal',
          role: 'node-1',
          zone: 'us-east-1a',
          instanceType: 'm5.4xlarge',
          status: 'Ready',
          level: 'ok',
        },
        {
          name: 'ip-10-0-64-12.ec2.internal',
          role: 'node-2',
          zone: 'us-east-1b',
          instanceType: 'm5.4xlarge',
          status: 'NotReady',
          level: 'error',
        },
      ],
    });
    // Warnings only, newest first, with the component of the pod.
    expect(status.events).toEqual({
      data: [
        {
          object: 'Pod/kong-7f9c-b',
          component: 'api-gateway',
          reason: 'BackOff',
          message: 'Back-off restarting failed container kong',
          count: 4,
          lastSeen: '2026-12-01T10:05:00.000Z',
        },
        {
          object: 'Pod/kafka-2',
          component: 'kafka',
          reason: 'FailedScheduling',
          message:
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity.",
          count: 4,
          lastSeen: '2026-12-01T10:01:00.000Z',
        },
      ],
    });
    const everything = [text, ...backend.logs].join('\n');
    for (const secret of [
      RELEASE_PAYLOAD,
      Buffer.from(`${RELEASE_PAYLOAD}-2`).toString('base64'),
      OTHER_SECRET,
      api.token,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('takes the highest revision by number, and shows an upgrade under way as pending', async () => {
    await helmRevision('bpa-rel', 10, 'pending-upgrade');
    const backend = await startBackend();

    const response = await backend.get('/environments/default/bpa-demo/status');
    const status = await response.json();

    expect(status.release.data).toMatchObject({
      status: 'pending-upgrade',
      level: 'pending',
      revision: 10,
    });
  });

  it('shows a release that is not installed as absent, and a namespace without workloads as empty', async () => {
    const backend = await startBackend();

    const response = await backend.get(
      '/environments/default/bpa-empty/status',
    );
    const status = await response.json();

    expect(status.release).toEqual({
      data: {
        name: 'bpa-rel',
        namespace: 'bpa-empty-ns',
        status: 'not-found',
        level: 'absent',
      },
    });
    expect(status.workloads).toEqual({ data: [] });
    expect(status.pods).toEqual({ data: [] });
    expect(status.events).toEqual({ data: [] });
  });

  it('reports a credential the API server refuses in both sections, without the credential', async () => {
    const refused = 'k8s-aws-v1.refused-token-1234567890';
    const backend = await startStatusBackend({
      entities: [environmentSystem(spec, 'applied')],
      sources: config => ({
        ...statusSourcesFromConfig(config),
        aws: simulatedAwsClients(spec.aws.accountId),
        kubernetes: {
          connect: async () =>
            connectWithToken({
              server: api.server,
              token: refused,
              caData: api.caData,
            }),
        },
      }),
    });

    const response = await backend.get('/environments/default/bpa-demo/status');
    const text = await response.text();
    const status = JSON.parse(text);

    for (const section of ['release', 'workloads', 'nodes', 'pods', 'events']) {
      expect(status[section].error).toMatch(/HTTP 401/);
    }
    expect(status.cluster.data.level).toBe('ok');
    expect([text, ...backend.logs].join('\n')).not.toContain(refused);
  });
});
