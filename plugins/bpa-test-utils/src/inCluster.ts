import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import {
  describeReference,
  Reference,
  ReferenceValues,
  renderPlan,
} from '@internal/backstage-plugin-bpa-node';
import { TestKubeApiServer } from './kubeApiServer';

/** Writes the environment's plan as `bpa:environment:plan` does. */
export async function writePlan(
  spec: EnvironmentSpec,
  dir: string,
): Promise<void> {
  for (const artifact of renderPlan(spec).artifacts) {
    const file = path.join(dir, artifact.path);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, artifact.content, 'utf8');
  }
}

/** A password with the characters that break careless quoting and URLs. */
export const fakePassword = () =>
  `Pw:${randomBytes(9).toString('base64url')}/@%'"#`;

/**
 * Stand-ins for Secrets Manager and the stack outputs: random passwords
 * (recorded in `secretValues`, for tests that look for leaks) and plausible
 * outputs. With `secrets` (name → JSON, e.g. an in-memory Secrets Manager),
 * Secrets Manager references read the secrets found there. A reference it
 * does not know fails, like a missing output.
 */
export function fakeReferenceValues(
  options: { secrets?: ReadonlyMap<string, string> } = {},
): {
  values: ReferenceValues;
  secretValues: Set<string>;
  resolved: Map<string, string>;
} {
  const secretValues = new Set<string>();
  const resolved = new Map<string, string>();
  const outputs: Record<string, string> = {
    PodSubnetIds: 'subnet-0a1,subnet-0b2,subnet-0c3',
    NodeSecurityGroupId: 'sg-0123456789abcdef0',
    ClusterSecurityGroupId: 'sg-0fedcba9876543210',
    EndpointAddress:
      'bpa-demo-postgres.cluster-abc.us-east-1.rds.amazonaws.com',
    EndpointPort: '5432',
  };
  const stored = (ref: Reference): string | undefined => {
    const text =
      ref.source === 'secretsmanager'
        ? options.secrets?.get(ref.name)
        : undefined;
    if (text === undefined) return undefined;
    const value = JSON.parse(text)[ref.key];
    if (typeof value !== 'string')
      throw new Error(`secret ${ref.name} has no key ${ref.key}`);
    if (ref.key === 'password') secretValues.add(value);
    return value;
  };
  const valueOf = (ref: Reference): string => {
    if (ref.source === 'cloudformation') {
      const value = outputs[ref.key];
      if (value === undefined) throw new Error(`no output ${ref.key}`);
      return value;
    }
    const found = stored(ref);
    if (found !== undefined) return found;
    if (ref.key === 'connectionString') {
      return 'mongodb+srv://bpa-demo-mongo-pl-0.abcde.mongodb.net';
    }
    if (ref.key === 'username') return 'bpa';
    const password = fakePassword();
    secretValues.add(password);
    return password;
  };
  return {
    secretValues,
    resolved,
    values: {
      async resolve(refs) {
        for (const ref of refs) {
          const id = describeReference(ref);
          if (!resolved.has(id)) resolved.set(id, valueOf(ref));
        }
        return new Map(
          refs.map(ref => [
            describeReference(ref),
            resolved.get(describeReference(ref))!,
          ]),
        );
      },
    },
  };
}

/** The ENIConfig CRD the VPC CNI installs on EKS. */
export async function installEniConfigCrd(
  api: TestKubeApiServer,
): Promise<void> {
  await api.request(
    'POST',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'eniconfigs.crd.k8s.amazonaws.com' },
      spec: {
        group: 'crd.k8s.amazonaws.com',
        scope: 'Cluster',
        names: {
          plural: 'eniconfigs',
          singular: 'eniconfig',
          kind: 'ENIConfig',
          listKind: 'ENIConfigList',
        },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    properties: {
                      subnet: { type: 'string' },
                      securityGroups: {
                        type: 'array',
                        items: { type: 'string' },
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    },
  );
  for (let i = 0; i < 100; i++) {
    const crd = await api.request(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/eniconfigs.crd.k8s.amazonaws.com',
    );
    if (
      crd.status?.conditions?.some(
        (c: any) => c.type === 'Established' && c.status === 'True',
      )
    ) {
      // Discovery lags the condition a little.
      await new Promise(r => setTimeout(r, 500));
      return;
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('The ENIConfig CRD was not established');
}

const matches = (
  selector: Record<string, string> | undefined,
  labels: Record<string, string>,
) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/** How often a fake controller reconciles when not told (ms). */
const RECONCILE_MS = 100;

/** Runs `reconcile` every `intervalMs` until stopped; `stop()` rethrows what made it fail. */
function runController(
  reconcile: () => Promise<void>,
  intervalMs = RECONCILE_MS,
): {
  stop(): Promise<void>;
} {
  let running = true;
  let failure: unknown;
  const loop = (async () => {
    while (running) {
      try {
        await reconcile();
      } catch (error) {
        failure = error;
        return;
      }
      await new Promise(r => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      if (failure) throw failure;
    },
  };
}

/**
 * Plays the DaemonSet controller and the kubelets (there are none): every
 * DaemonSet in the namespace reports one Ready pod per node its selector
 * matches, for its current generation.
 */
export function startFakeDaemonSetController(
  api: TestKubeApiServer,
  namespace: string,
  options: { intervalMs?: number } = {},
): { stop(): Promise<void> } {
  return runController(async () => {
    const nodes = (await api.request('GET', '/api/v1/nodes')).items;
    const daemonSets = (
      await api.request(
        'GET',
        `/apis/apps/v1/namespaces/${namespace}/daemonsets`,
      )
    ).items;
    for (const ds of daemonSets) {
      const count = nodes.filter((n: any) =>
        matches(ds.spec.template.spec.nodeSelector, n.metadata.labels ?? {}),
      ).length;
      const status = {
        observedGeneration: ds.metadata.generation,
        desiredNumberScheduled: count,
        currentNumberScheduled: count,
        updatedNumberScheduled: count,
        numberReady: count,
        numberAvailable: count,
        numberMisscheduled: 0,
      };
      const current = ds.status ?? {};
      if (Object.entries(status).some(([k, v]) => current[k] !== v)) {
        await api.request(
          'PATCH',
          `/apis/apps/v1/namespaces/${namespace}/daemonsets/${ds.metadata.name}/status`,
          { status },
          'application/merge-patch+json',
        );
      }
    }
  }, options.intervalMs);
}

/**
 * Plays the Job controller and the kubelet for Jobs in a namespace: each
 * unfinished Job gets a pod on `nodeName` (so its log can be read through
 * a fake kubelet), then the status `outcome` says.
 */
export function startFakeJobController(
  api: TestKubeApiServer,
  namespace: string,
  options: {
    outcome: 'Complete' | 'Failed';
    nodeName?: string;
    intervalMs?: number;
  },
): { stop(): Promise<void>; jobsSeen: string[] } {
  const jobsSeen: string[] = [];
  const controller = runController(async () => {
    const jobs = (
      await api.request('GET', `/apis/batch/v1/namespaces/${namespace}/jobs`)
    ).items;
    for (const job of jobs) {
      const name = job.metadata.name;
      if ((job.status?.conditions ?? []).some((c: any) => c.status === 'True'))
        continue;
      jobsSeen.push(name);
      if (options.nodeName) {
        await api.request('POST', `/api/v1/namespaces/${namespace}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: `${name}-${randomBytes(3).toString('hex')}`,
            labels: { 'job-name': name },
          },
          spec: {
            nodeName: options.nodeName,
            restartPolicy: 'Never',
            automountServiceAccountToken:
              job.spec.template.spec.automountServiceAccountToken,
            containers: job.spec.template.spec.containers.map((c: any) => ({
              name: c.name,
              image: c.image,
            })),
          },
        });
      }
      const now = new Date().toISOString();
      await api.request(
        'PATCH',
        `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`,
        {
          status: {
            startTime: now,
            ...(options.outcome === 'Complete'
              ? { succeeded: 1, completionTime: now }
              : { failed: 3 }),
            conditions: [
              {
                type: options.outcome,
                status: 'True',
                lastProbeTime: now,
                lastTransitionTime: now,
                ...(options.outcome === 'Failed'
                  ? {
                      reason: 'BackoffLimitExceeded',
                      message: 'Job has reached the specified backoff limit',
                    }
                  : {}),
              },
            ],
          },
        },
        'application/merge-patch+json',
      );
    }
  }, options.intervalMs);
  return { jobsSeen, stop: controller.stop };
}

/**
 * Plays the Deployment controller and the kubelets for a namespace, so
 * `helm --wait` sees its Deployments roll out: each Deployment gets a
 * ReplicaSet it controls (its pod template, as the controller makes one),
 * whose pods all become ready `readyAfterMs` after the controller first saw
 * that generation; the Deployment's status follows.
 */
export function startFakeDeploymentController(
  api: TestKubeApiServer,
  namespace: string,
  options: {
    readyAfterMs: number;
    now?: () => number;
    /** While true, no pod becomes ready (a test decides when the rollout ends). */
    held?: () => boolean;
    /** How often it reconciles (default 100 ms). */
    intervalMs?: number;
  } = { readyAfterMs: 0 },
): { stop(): Promise<void> } {
  const now = options.now ?? Date.now;
  const firstSeen = new Map<string, number>();
  const apps = `/apis/apps/v1/namespaces/${namespace}`;
  const patchStatus = (objectPath: string, status: object) =>
    api.request(
      'PATCH',
      `${objectPath}/status`,
      { status },
      'application/merge-patch+json',
    );
  return runController(async () => {
    const deployments = (await api.request('GET', `${apps}/deployments`)).items;
    const replicaSets = (await api.request('GET', `${apps}/replicasets`)).items;
    for (const d of deployments) {
      const key = `${d.metadata.uid}/${d.metadata.generation}`;
      if (!firstSeen.has(key)) firstSeen.set(key, now());
      const desired = d.spec.replicas ?? 1;
      const name = `${d.metadata.name}-${d.metadata.generation}`;
      let rs = replicaSets.find((r: any) => r.metadata.name === name);
      if (!rs) {
        rs = await api.request('POST', `${apps}/replicasets`, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name,
            labels: d.spec.template.metadata?.labels,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: d.metadata.name,
                uid: d.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: {
            replicas: desired,
            selector: d.spec.selector,
            template: d.spec.template,
          },
        });
      }
      const ready =
        !options.held?.() && now() - firstSeen.get(key)! >= options.readyAfterMs
          ? desired
          : 0;
      if ((rs.status?.readyReplicas ?? 0) !== ready) {
        await patchStatus(`${apps}/replicasets/${name}`, {
          replicas: desired,
          fullyLabeledReplicas: desired,
          readyReplicas: ready,
          availableReplicas: ready,
          observedGeneration: rs.metadata.generation,
        });
      }
      const status = {
        observedGeneration: d.metadata.generation,
        replicas: desired,
        updatedReplicas: desired,
        readyReplicas: ready,
        availableReplicas: ready,
      };
      const current = d.status ?? {};
      if (Object.entries(status).some(([k, v]) => current[k] !== v)) {
        await patchStatus(`${apps}/deployments/${d.metadata.name}`, {
          ...status,
          conditions: [
            {
              type: 'Available',
              status: ready === desired ? 'True' : 'False',
              reason:
                ready === desired
                  ? 'MinimumReplicasAvailable'
                  : 'MinimumReplicasUnavailable',
            },
          ],
        });
      }
    }
  }, options.intervalMs);
}
