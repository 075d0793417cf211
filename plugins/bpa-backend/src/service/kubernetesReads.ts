import http from 'node:http';
import https from 'node:https';
import {
  AppsV1Api,
  KubeConfig,
  V1DaemonSet,
  V1Deployment,
  V1StatefulSet,
} from '@kubernetes/client-node';
import {
  HelmReleaseStatus,
  KUBERNETES_ID_ANNOTATION,
  WorkloadStatus,
} from '@internal/backstage-plugin-bpa-common';
import { describeApiError } from '@internal/backstage-plugin-bpa-node';
import { HELM_NOT_FOUND, helmReleaseLevel, workloadLevel } from './levels';

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

function workloadStatus(
  kind: WorkloadStatus['kind'],
  workload: Workload,
  ready: number,
  desired: number,
): WorkloadStatus {
  // The chart labels workloads with the key the components carry as an annotation.
  const component = workload.metadata?.labels?.[KUBERNETES_ID_ANNOTATION];
  return {
    kind,
    name: workload.metadata?.name ?? '',
    ready,
    desired,
    level: workloadLevel(ready, desired),
    ...(component && { component }),
  };
}

const byKindThenName = (a: WorkloadStatus, b: WorkloadStatus) =>
  a.kind.localeCompare(b.kind, 'en') || a.name.localeCompare(b.name, 'en');

/** The Deployments, StatefulSets and DaemonSets of a namespace: pods ready against pods wanted. */
export async function readWorkloads(
  kc: KubeConfig,
  namespace: string,
): Promise<WorkloadStatus[]> {
  const apps = kc.makeApiClient(AppsV1Api);
  try {
    const [deployments, statefulSets, daemonSets] = await Promise.all([
      apps.listNamespacedDeployment({ namespace }),
      apps.listNamespacedStatefulSet({ namespace }),
      apps.listNamespacedDaemonSet({ namespace }),
    ]);
    return [
      ...deployments.items.map(d =>
        workloadStatus(
          'Deployment',
          d,
          d.status?.readyReplicas ?? 0,
          d.spec?.replicas ?? 1,
        ),
      ),
      ...statefulSets.items.map(s =>
        workloadStatus(
          'StatefulSet',
          s,
          s.status?.readyReplicas ?? 0,
          s.spec?.replicas ?? 1,
        ),
      ),
      ...daemonSets.items.map(d =>
        workloadStatus(
          'DaemonSet',
          d,
          d.status?.numberReady ?? 0,
          d.status?.desiredNumberScheduled ?? 0,
        ),
      ),
    ].sort(byKindThenName);
  } catch (error) {
    // Never the raw client error: it repeats the request's bearer token.
    throw new Error(
      `Listing the workloads in ${namespace}: ${describeApiError(error)}`,
    );
  }
}
