// A lab cluster for the browser test of the live status: a real
// kube-apiserver + etcd (the integration tests' harness) holding an applied
// BPA release's workloads and Helm release record, and an applied
// environment "bpa-lab" registered for the catalog. No controllers or
// kubelets run, so workload status is set through the status subresource.
//
//   yarn node scripts/lab-cluster.js <dir>
//
// Writes <dir>/kubeconfig (for bpa.kubernetes.kubeconfig),
// <dir>/environments/bpa-lab.yaml (for bpa.catalog.entitiesDirectory) and
// then <dir>/ready; runs until SIGTERM or SIGINT, then stops the API server.
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs/promises');
const path = require('node:path');
const { stringify } = require('yaml');
const {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  registeredEnvironmentEntities,
} = require('../plugins/bpa-common/src');
const {
  startKubeApiServer,
} = require('../plugins/bpa-test-utils/src');

/** What runs in the lab release: kind, name, component, desired, ready. */
const WORKLOADS = [
  ['Deployment', 'bpa-ui', 'ui', 2, 2],
  ['Deployment', 'kong', 'api-gateway', 2, 2],
  ['Deployment', 'camunda', 'workflow-engine', 1, 0],
  ['StatefulSet', 'zookeeper', 'zookeeper', 3, 3],
  ['StatefulSet', 'kafka', 'kafka', 3, 3],
];

async function seedCluster(api, namespace, release) {
  const create = (apiPath, object) => api.request('POST', apiPath, object);
  await create('/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: namespace },
  });
  for (const [kind, name, component, desired, ready] of WORKLOADS) {
    const base = `/apis/apps/v1/namespaces/${namespace}/${kind.toLowerCase()}s`;
    await create(base, {
      apiVersion: 'apps/v1',
      kind,
      metadata: { name, labels: { 'backstage.io/kubernetes-id': component } },
      spec: {
        replicas: desired,
        ...(kind === 'StatefulSet' && { serviceName: name }),
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { containers: [{ name, image: `bpa/${name}:4.0.3` }] },
        },
      },
    });
    await api.request(
      'PATCH',
      `${base}/${name}/status`,
      { status: { replicas: desired, readyReplicas: ready } },
      'application/merge-patch+json',
    );
  }
  // Helm's record of the release (its payload is never read by the portal).
  await create(`/api/v1/namespaces/${namespace}/secrets`, {
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

  await seedCluster(api, spec.bpa.namespace, spec.bpa.releaseName);
  await fs.mkdir(path.join(dir, 'environments'), { recursive: true });
  await fs.writeFile(path.join(dir, 'kubeconfig'), api.kubeconfig, {
    mode: 0o600,
  });
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

main().catch(error => {
  console.error(error);
  process.exit(1);
});
