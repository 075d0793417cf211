import http from 'node:http';
import https from 'node:https';
import {
  AppsV1Api,
  CoreV1Api,
  CoreV1Event,
  KubeConfig,
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1Node,
  V1ObjectMeta,
  V1Pod,
  V1StatefulSet,
} from '@kubernetes/client-node';
import {
  HelmReleaseStatus,
  KUBERNETES_ID_ANNOTATION,
  NodeStatus,
  PodStatus,
  WarningEvent,
  WorkloadStatus,
} from '@internal/backstage-plugin-bpa-common';
import { describeApiError } from '@internal/backstage-plugin-bpa-node';
import {
  HELM_NOT_FOUND,
  helmReleaseLevel,
  nodeLevel,
  podLevel,
  workloadLevel,
} from './levels';

/** The node label BPA schedules on: its value is the node's role (`node-1`). */
const NODE_ROLE_LABEL = 'name';
/** Well-known labels the kubelet (EKS) sets on every node. */
const ZONE_LABEL = 'topology.kubernetes.io/zone';
const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';

/**
 * Asks the API server for objects' metadata only: Helm's release Secrets
 * carry the whole release (values included) in their data, and the status
 * needs nothing but their labels, so the data never leaves the cluster.
 */
const METADATA_LIST =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';
/** Closes a request that hangs; the source's timeout only stops waiting for it. */
const REQUEST_TIMEOUT_MS = 15_000;

interface ObjectMetadata {
  metadata: { name: string; labels?: Record<string, string> };
}

interface ApiStatus {
  message?: string;
}

/** The metadata of the objects a list path returns. */
async function listMetadata(
  kc: KubeConfig,
  apiPath: string,
): Promise<ObjectMetadata[]> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('The cluster connection names no API server');
  const url = `${server.replace(/\/+$/, '')}${apiPath}`;
  const options: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: METADATA_LIST },
    timeout: REQUEST_TIMEOUT_MS,
  };
  await kc.applyToHTTPSOptions(options);
  const transport = url.startsWith('http:') ? http : https;
  const { status, text } = await new Promise<{ status: number; text: string }>(
    (resolve, reject) => {
      const req = transport.request(url, options, res => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: body }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () =>
        req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on('error', reject);
      req.end();
    },
  );
  let body: { items?: ObjectMetadata[] } & ApiStatus;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`The API server answered HTTP ${status} without JSON`);
  }
  if (status >= 400) {
    throw new Error(`${body.message ?? 'no details'} (HTTP ${status})`);
  }
  return body.items ?? [];
}

/**
 * The release as Helm 3 records it: one Secret per revision in the release
 * namespace, labelled `owner=helm`, `name`, `version` and `status`. The
 * newest revision says how the release is.
 */
export async function readHelmRelease(
  kc: KubeConfig,
  release: { name: string; namespace: string },
): Promise<HelmReleaseStatus> {
  const selector = encodeURIComponent(`owner=helm,name=${release.name}`);
  let revisions: ObjectMetadata[];
  try {
    revisions = await listMetadata(
      kc,
      `/api/v1/namespaces/${encodeURIComponent(
        release.namespace,
      )}/secrets?labelSelector=${selector}`,
    );
  } catch (error) {
    throw new Error(
      `Listing the Helm release secrets in ${release.namespace}: ${
        (error as Error).message
      }`,
    );
  }
  const newest = revisions
    .map(secret => ({
      revision: Number(secret.metadata.labels?.version),
      status: secret.metadata.labels?.status ?? 'unknown',
    }))
    .filter(r => Number.isInteger(r.revision))
    .sort((a, b) => b.revision - a.revision)[0];
  if (!newest) {
    return { ...release, status: HELM_NOT_FOUND, level: 'absent' };
  }
  return {
    ...release,
    status: newest.status,
    level: helmReleaseLevel(newest.status),
    revision: newest.revision,
  };
}

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet;

/** The raw objects the workload, pod and event sections are made from; read once per status. */
export interface NamespaceObjects {
  workloads: Array<{ kind: WorkloadStatus['kind']; object: Workload }>;
  pods: V1Pod[];
}

/** The BPA component an object belongs to: the label the components carry as an annotation. */
const componentOf = (object: { metadata?: V1ObjectMeta }) =>
  object.metadata?.labels?.[KUBERNETES_ID_ANNOTATION];

const byName = (a: { name: string }, b: { name: string }) =>
  a.name.localeCompare(b.name, 'en');

/** Whether a label selector (match labels and expressions) selects these labels. */
function selects(
  selector: V1LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {});
  const expressions = selector.matchExpressions ?? [];
  // An empty selector selects nothing here: the API server refuses one on workloads.
  if (matchLabels.length === 0 && expressions.length === 0) return false;
  return (
    matchLabels.every(([key, value]) => labels[key] === value) &&
    expressions.every(({ key, operator, values = [] }) => {
      switch (operator) {
        case 'In':
          return key in labels && values.includes(labels[key]);
        case 'NotIn':
          return !(key in labels) || !values.includes(labels[key]);
        case 'Exists':
          return key in labels;
        case 'DoesNotExist':
          return !(key in labels);
        default:
          return false;
      }
    })
  );
}

/** The pods of the namespace and its Deployments, StatefulSets and DaemonSets. */
export async function readNamespaceObjects(
  kc: KubeConfig,
  namespace: string,
): Promise<NamespaceObjects> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const [deployments, statefulSets, daemonSets, pods] = await Promise.all([
      apps.listNamespacedDeployment({ namespace }),
      apps.listNamespacedStatefulSet({ namespace }),
      apps.listNamespacedDaemonSet({ namespace }),
      core.listNamespacedPod({ namespace }),
    ]);
    return {
      workloads: [
        ...deployments.items.map(object => ({
          kind: 'Deployment' as const,
          object,
        })),
        ...statefulSets.items.map(object => ({
          kind: 'StatefulSet' as const,
          object,
        })),
        ...daemonSets.items.map(object => ({
          kind: 'DaemonSet' as const,
          object,
        })),
      ],
      pods: pods.items,
    };
  } catch (error) {
    // Never the raw client error: it repeats the request's bearer token.
    throw new Error(
      `Listing the workloads and pods in ${namespace}: ${describeApiError(
        error,
      )}`,
    );
  }
}

/** A pod as the status shows it: where it runs, and how it is doing. */
function podStatus(pod: V1Pod, workloads: NamespaceObjects['workloads']) {
  const labels = pod.metadata?.labels ?? {};
  const containers = pod.status?.containerStatuses ?? [];
  const phase = pod.status?.phase ?? 'Unknown';
  const ready =
    pod.status?.conditions?.some(
      c => c.type === 'Ready' && c.status === 'True',
    ) ?? false;
  // The first container that is not running says why the pod is not; a pod
  // without a node says why the scheduler gave it none.
  const reason =
    containers
      .map(c => c.state?.waiting?.reason ?? c.state?.terminated?.reason)
      .find(r => r !== undefined) ??
    pod.status?.reason ??
    pod.status?.conditions?.find(
      c => c.type === 'PodScheduled' && c.status === 'False',
    )?.reason;
  const owner = workloads.find(w => selects(w.object.spec?.selector, labels));
  const component = componentOf(pod);
  const node = pod.spec?.nodeName;
  const status: PodStatus = {
    name: pod.metadata?.name ?? '',
    ...(component && { component }),
    ...(owner && { workload: `${owner.kind}/${owner.object.metadata?.name}` }),
    ...(node && { node }),
    phase,
    ...(reason && { reason }),
    ready,
    restarts: containers.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    level: 'pending',
  };
  status.level = podLevel(status);
  return status;
}

/** Every pod of the namespace, with the workload it belongs to. */
export function podStatuses(objects: NamespaceObjects): PodStatus[] {
  return objects.pods.map(p => podStatus(p, objects.workloads)).sort(byName);
}

function readyAndDesired(kind: WorkloadStatus['kind'], workload: Workload) {
  if (kind === 'DaemonSet') {
    const status = (workload as V1DaemonSet).status;
    return {
      ready: status?.numberReady ?? 0,
      desired: status?.desiredNumberScheduled ?? 0,
    };
  }
  const { spec, status } = workload as V1Deployment | V1StatefulSet;
  return { ready: status?.readyReplicas ?? 0, desired: spec?.replicas ?? 1 };
}

const byKindThenName = (a: WorkloadStatus, b: WorkloadStatus) =>
  a.kind.localeCompare(b.kind, 'en') || byName(a, b);

/**
 * The Deployments, StatefulSets and DaemonSets of the namespace: pods ready
 * against pods wanted, their restarts, and failing when one of their pods is.
 */
export function workloadStatuses(objects: NamespaceObjects): WorkloadStatus[] {
  const pods = podStatuses(objects);
  return objects.workloads
    .map(({ kind, object }) => {
      const name = object.metadata?.name ?? '';
      const own = pods.filter(p => p.workload === `${kind}/${name}`);
      const { ready, desired } = readyAndDesired(kind, object);
      const component = componentOf(object);
      return {
        kind,
        name,
        ready,
        desired,
        level: own.some(p => p.level === 'error')
          ? ('error' as const)
          : workloadLevel(ready, desired),
        ...(component && { component }),
        restarts: own.reduce((n, p) => n + p.restarts, 0),
      };
    })
    .sort(byKindThenName);
}

/** The nodes of the cluster, with the role, zone and instance type their labels give. */
export async function readNodes(kc: KubeConfig): Promise<NodeStatus[]> {
  let nodes: V1Node[];
  try {
    nodes = (await kc.makeApiClient(CoreV1Api).listNode()).items;
  } catch (error) {
    throw new Error(`Listing the nodes: ${describeApiError(error)}`);
  }
  return nodes
    .map(node => {
      const labels = node.metadata?.labels ?? {};
      const ready = node.status?.conditions?.find(c => c.type === 'Ready');
      let status = 'Unknown';
      if (ready?.status === 'True') status = 'Ready';
      else if (ready?.status === 'False') status = 'NotReady';
      const role = labels[NODE_ROLE_LABEL];
      const zone = labels[ZONE_LABEL];
      const instanceType = labels[INSTANCE_TYPE_LABEL];
      return {
        name: node.metadata?.name ?? '',
        ...(role && { role }),
        ...(zone && { zone }),
        ...(instanceType && { instanceType }),
        status,
        level: nodeLevel(status),
      };
    })
    .sort(byName);
}

/** How many events the status keeps: the newest, enough for every component's page. */
const MAX_EVENTS = 50;
/** Event messages can be long (a whole container error): the start says what happened. */
const MAX_EVENT_MESSAGE = 300;

function eventTime(event: CoreV1Event): string {
  const when =
    event.lastTimestamp ??
    event.eventTime ??
    event.firstTimestamp ??
    event.metadata?.creationTimestamp;
  return when ? new Date(when as unknown as string).toISOString() : '';
}

/**
 * The namespace's Warning events, newest first, each with the component of
 * the pod or workload it is about.
 */
export async function readWarningEvents(
  kc: KubeConfig,
  namespace: string,
  objects?: NamespaceObjects,
): Promise<WarningEvent[]> {
  let events: CoreV1Event[];
  try {
    events = (
      await kc
        .makeApiClient(CoreV1Api)
        .listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' })
    ).items;
  } catch (error) {
    throw new Error(
      `Listing the warning events in ${namespace}: ${describeApiError(error)}`,
    );
  }
  const components = new Map<string, string>();
  for (const pod of objects?.pods ?? []) {
    const component = componentOf(pod);
    if (component) components.set(`Pod/${pod.metadata?.name}`, component);
  }
  for (const { kind, object } of objects?.workloads ?? []) {
    const component = componentOf(object);
    if (component)
      components.set(`${kind}/${object.metadata?.name}`, component);
  }
  return events
    .map(event => {
      const object = `${event.involvedObject.kind}/${event.involvedObject.name}`;
      const component = components.get(object);
      const message = event.message ?? '';
      return {
        object,
        ...(component && { component }),
        reason: event.reason ?? '',
        message:
          message.length > MAX_EVENT_MESSAGE
            ? `${message.slice(0, MAX_EVENT_MESSAGE)}…`
            : message,
        count: event.count ?? 1,
        lastSeen: eventTime(event),
      };
    })
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen))
    .slice(0, MAX_EVENTS);
}
