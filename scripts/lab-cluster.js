// A lab cluster for the browser tests and the status benchmark: a real
// kube-apiserver + etcd (the integration tests' harness) holding an applied
// BPA release — four nodes in three zones, the workloads of every BPA
// component with their pods on those nodes, one of them (Camunda) in a
// crash loop with its Warning events, and Helm's release record — and an
// applied environment "bpa-lab" registered for the catalog. No controllers
// or kubelets run, so the objects' status is set through status subresources.
//
//   yarn node scripts/lab-cluster.js <dir>
//
// Writes <dir>/kubeconfig (for bpa.kubernetes.kubeconfig),
// <dir>/kubernetes-clusters.json (kubernetes.clusterLocatorMethods for
// Backstage's Kubernetes plugin, made from that kubeconfig),
// <dir>/environments/bpa-lab.yaml (for bpa.catalog.entitiesDirectory) and
// then <dir>/ready; runs until SIGTERM or SIGINT, then stops the API server.
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs/promises');
const path = require('node:path');
const { parse, stringify } = require('yaml');
const {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  registeredEnvironmentEntities,
  resourceNames,
} = require('../plugins/bpa-common/src');
const { startKubeApiServer } = require('../plugins/bpa-test-utils/src');

const COMPONENT_LABEL = 'backstage.io/kubernetes-id';

/**
 * What runs in the lab release: kind, name, component, replicas, and the
 * node roles its pods run on (one per replica, in order).
 */
const WORKLOADS = [
  ['Deployment', 'bpa-ui', 'ui', ['node-1', 'node-2']],
  ['Deployment', 'kong', 'api-gateway', ['node-2', 'node-3']],
  ['Deployment', 'auth-service', 'auth-service', ['node-3']],
  ['Deployment', 'camunda', 'workflow-engine', ['node-1']],
  ['Deployment', 'core-services', 'core-services', ['node-2', 'node-3']],
  ['Deployment', 'common-middleware', 'common-middleware', ['node-1']],
  ['Deployment', 'sase-service', 'sase-service', ['node-2']],
  ['StatefulSet', 'zookeeper', 'zookeeper', ['node-1', 'node-2', 'node-3']],
  ['StatefulSet', 'kafka', 'kafka', ['node-1', 'node-2', 'node-3']],
  ['StatefulSet', 'elasticsearch', 'elk', ['node-4']],
  ['Deployment', 'prometheus', 'prometheus', ['node-4']],
  ['Deployment', 'grafana', 'grafana', ['node-4']],
  [
    'Deployment',
    'bpa-rel-ingress-controller',
    'ingress-controller',
    ['node-4'],
  ],
];
/** The workload whose only pod is in a crash loop. */
const FAILING = 'camunda';
const FAILING_RESTARTS = 7;

/** Node names as EKS gives them: the node's private address in its subnet. */
const nodeName = (role, index) =>
  `ip-10-0-${48 + (index % 3) * 16}-${11 + index}.ec2.internal`;

const merge = 'application/merge-patch+json';

async function seedNodes(api, spec) {
  const zones = spec.aws.availabilityZones;
  const names = {};
  for (const [index, role] of spec.cluster.nodes.entries()) {
    const name = nodeName(role.name, index);
    names[role.name] = name;
    await api.request('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          ...role.labels,
          // The cluster stack puts role i in zone i mod zones.
          'topology.kubernetes.io/zone': zones[index % zones.length],
          'node.kubernetes.io/instance-type': role.instanceType,
          'eks.amazonaws.com/nodegroup': role.name,
          'kubernetes.io/hostname': name,
        },
      },
    });
    await api.request(
      'PATCH',
      `/api/v1/nodes/${name}/status`,
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'kubelet is posting ready status',
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      },
      merge,
    );
  }
  return names;
}

function podStatus(name, failing, started) {
  const container = failing
    ? {
        name,
        ready: false,
        restartCount: FAILING_RESTARTS,
        image: `bpa/${name}:4.0.3`,
        imageID: '',
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 5m0s restarting failed container=${name}`,
          },
        },
        lastState: {
          terminated: {
            exitCode: 1,
            reason: 'Error',
            startedAt: started,
            finishedAt: started,
          },
        },
      }
    : {
        name,
        ready: true,
        restartCount: 0,
        image: `bpa/${name}:4.0.3`,
        imageID: '',
        started: true,
        state: { running: { startedAt: started } },
      };
  return {
    phase: 'Running',
    startTime: started,
    conditions: [
      { type: 'PodScheduled', status: 'True', lastTransitionTime: started },
      {
        type: 'Ready',
        status: failing ? 'False' : 'True',
        lastTransitionTime: started,
        ...(failing && { reason: 'ContainersNotReady' }),
      },
    ],
    containerStatuses: [container],
  };
}

async function seedWorkloads(api, namespace, nodes) {
  const create = (apiPath, object) => api.request('POST', apiPath, object);
  const started = new Date(Date.now() - 3 * 3600_000).toISOString();
  const failingPods = [];
  for (const [kind, name, component, roles] of WORKLOADS) {
    const replicas = roles.length;
    const failing = name === FAILING;
    const labels = { app: name, [COMPONENT_LABEL]: component };
    const base = `/apis/apps/v1/namespaces/${namespace}/${kind.toLowerCase()}s`;
    const workload = await create(base, {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, labels: { [COMPONENT_LABEL]: component } },
      spec: {
        replicas,
        ...(kind === 'StatefulSet' && { serviceName: name }),
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels },
          spec: { containers: [{ name, image: `bpa/${name}:4.0.3` }] },
        },
      },
    });
    const ready = failing ? 0 : replicas;
    await api.request(
      'PATCH',
      `${base}/${name}/status`,
      {
        status: {
          replicas,
          readyReplicas: ready,
          ...(kind === 'Deployment' && {
            availableReplicas: ready,
            updatedReplicas: replicas,
          }),
        },
      },
      merge,
    );

    // The pods' owner, as the controllers would make it.
    let owner = workload;
    let podName = i => `${name}-${i}`;
    const podLabels = { ...labels };
    if (kind === 'Deployment') {
      const hash = `${name.length}7f9c8d`.slice(0, 7);
      podLabels['pod-template-hash'] = hash;
      owner = await create(
        `/apis/apps/v1/namespaces/${namespace}/replicasets`,
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${name}-${hash}`,
            labels: podLabels,
            ownerReferences: [ownerReference(workload)],
          },
          spec: {
            replicas,
            selector: { matchLabels: { app: name, 'pod-template-hash': hash } },
            template: {
              metadata: { labels: podLabels },
              spec: { containers: [{ name, image: `bpa/${name}:4.0.3` }] },
            },
          },
        },
      );
      await api.request(
        'PATCH',
        `/apis/apps/v1/namespaces/${namespace}/replicasets/${name}-${hash}/status`,
        {
          status: { replicas, readyReplicas: ready, availableReplicas: ready },
        },
        merge,
      );
      podName = i => `${name}-${hash}-${['x7k2p', 'm4q9t', 'b8w3n'][i]}`;
    }
    for (const [i, role] of roles.entries()) {
      const pod = podName(i);
      await create(`/api/v1/namespaces/${namespace}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: pod,
          labels: {
            ...podLabels,
            ...(kind === 'StatefulSet' && {
              'statefulset.kubernetes.io/pod-name': pod,
            }),
          },
          ownerReferences: [ownerReference(owner)],
        },
        spec: {
          nodeName: nodes[role],
          // No token controller runs to make the service account's token.
          automountServiceAccountToken: false,
          containers: [{ name, image: `bpa/${name}:4.0.3` }],
        },
      });
      await api.request(
        'PATCH',
        `/api/v1/namespaces/${namespace}/pods/${pod}/status`,
        { status: podStatus(name, failing, started) },
        merge,
      );
      if (failing) failingPods.push(pod);
    }
  }
  return failingPods;
}

function ownerReference(object) {
  return {
    apiVersion: object.apiVersion ?? 'apps/v1',
    kind: object.kind,
    name: object.metadata.name,
    uid: object.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** What the kubelet reports about a container in a crash loop. */
async function seedWarningEvents(api, namespace, failingPods) {
  const now = Date.now();
  for (const pod of failingPods) {
    const events = [
      [
        'BackOff',
        `Back-off restarting failed container ${FAILING} in pod ${pod}_${namespace}`,
        31,
        now - 60_000,
      ],
      [
        'Unhealthy',
        'Readiness probe failed: Get "http://100.64.1.23:8080/engine-rest/engine": dial tcp 100.64.1.23:8080: connect: connection refused',
        12,
        now - 5 * 60_000,
      ],
    ];
    for (const [reason, message, count, last] of events) {
      await api.request('POST', `/api/v1/namespaces/${namespace}/events`, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${pod}.${reason.toLowerCase()}` },
        involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod, namespace },
        type: 'Warning',
        reason,
        message,
        count,
        source: { component: 'kubelet' },
        firstTimestamp: new Date(now - 3 * 3600_000).toISOString(),
        lastTimestamp: new Date(last).toISOString(),
      });
    }
  }
}

/**
 * Fills a fresh API server with the applied release of `spec`: nodes,
 * workloads and pods, the failing pod's events, and Helm's release record
 * (its payload is never read by the portal).
 */
async function seedLabCluster(api, spec) {
  const namespace = spec.bpa.namespace;
  await api.request('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  // No controller manager makes it: pods need it to be admitted.
  await api.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'default' },
  });
  const nodes = await seedNodes(api, spec);
  const failingPods = await seedWorkloads(api, namespace, nodes);
  await seedWarningEvents(api, namespace, failingPods);
  const release = spec.bpa.releaseName;
  await api.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${release}.v1`,
      labels: {
        owner: 'helm',
        name: release,
        status: 'deployed',
        version: '1',
      },
    },
    data: { release: Buffer.from('lab release').toString('base64') },
  });
}

/**
 * Backstage's Kubernetes plugin pointed at the cluster of a kubeconfig: the
 * environment's cluster name (what its components' backstage.io/kubernetes-cluster
 * names) with the kubeconfig's server, CA and token, beside the catalog
 * locator app-config.yaml configures.
 */
function kubernetesClusterLocators(kubeconfig, clusterName) {
  const config = parse(kubeconfig);
  const context = config.contexts.find(
    c => c.name === config['current-context'],
  ).context;
  const cluster = config.clusters.find(c => c.name === context.cluster).cluster;
  const user = config.users.find(u => u.name === context.user).user;
  return [
    { type: 'catalog' },
    {
      type: 'config',
      clusters: [
        {
          name: clusterName,
          title: 'Lab cluster (kube-apiserver on 127.0.0.1)',
          url: cluster.server,
          caData: cluster['certificate-authority-data'],
          authProvider: 'serviceAccount',
          serviceAccountToken: user.token,
          // No metrics-server runs in the lab.
          skipMetricsLookup: true,
        },
      ],
    },
  ];
}

async function main() {
  const dir = path.resolve(process.argv[2] ?? '.ci-out/lab');
  const spec = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    name: 'bpa-lab',
  });
  const api = await startKubeApiServer();
  const stop = async () => {
    await api.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  await seedLabCluster(api, spec);
  await fs.mkdir(path.join(dir, 'environments'), { recursive: true });
  await fs.writeFile(path.join(dir, 'kubeconfig'), api.kubeconfig, {
    mode: 0o600,
  });
  await fs.writeFile(
    path.join(dir, 'kubernetes-clusters.json'),
    JSON.stringify(
      kubernetesClusterLocators(api.kubeconfig, resourceNames(spec).eksCluster),
    ),
    { mode: 0o600 },
  );
  await fs.writeFile(
    path.join(dir, 'environments', `${spec.name}.yaml`),
    // As bpa:catalog:register writes them after an apply.
    registeredEnvironmentEntities(spec, 'applied')
      .map(entity => stringify(entity))
      .join('---\n'),
  );
  await fs.writeFile(path.join(dir, 'ready'), api.server);
  console.log(`lab cluster at ${api.server}; environment ${spec.name} applied`);
}

module.exports = { seedLabCluster, WORKLOADS, FAILING };

if (require.main === module) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
}
