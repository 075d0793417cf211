import {
  CoreV1Api,
  KubeConfig,
  KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { KubernetesConnection } from './connection';

/** The field manager of every change the portal makes: server-side apply records it as the owner. */
export const FIELD_MANAGER = 'bpa-portal';

/** A Kubernetes object as written in a manifest. */
export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    managedFields?: Array<{ manager?: string; operation?: string }>;
  };
} & Record<string, any>;

/** What applying an object did, as `kubectl apply` reports it. */
export type ApplyOutcome = 'created' | 'configured' | 'unchanged';

/** `Namespace/name` or `Kind namespace/name`, for messages. */
export function describeObject(object: {
  kind: string;
  metadata: { name: string; namespace?: string };
}): string {
  const { name, namespace } = object.metadata;
  return `${object.kind} ${namespace ? `${namespace}/` : ''}${name}`;
}

interface ApiStatus {
  message?: string;
  reason?: string;
  details?: {
    causes?: Array<{ reason?: string; message?: string; field?: string }>;
  };
}

/** The HTTP status of a failed API call, if it was one. */
export function apiErrorCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function apiStatus(error: unknown): ApiStatus | undefined {
  const body = (error as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return { message: body };
    }
  }
  return typeof body === 'object' && body !== null
    ? (body as ApiStatus)
    : undefined;
}

/**
 * The API server's own explanation of a failed call. Never the raw client
 * error: that one repeats the request's headers, bearer token included.
 */
export function describeApiError(error: unknown): string {
  const code = apiErrorCode(error);
  if (code === undefined) {
    return error instanceof Error ? error.message : String(error);
  }
  const status = apiStatus(error);
  return `${status?.message ?? status?.reason ?? 'no details'} (HTTP ${code})`;
}

/** A field another field manager owns, with a different value than ours. */
export interface FieldConflict {
  field: string;
  manager: string;
}

/** Server-side apply refused to take fields over from another field manager. */
export class FieldConflictError extends Error {
  readonly object: string;
  readonly conflicts: FieldConflict[];
  constructor(object: string, conflicts: FieldConflict[]) {
    super(
      `${object} has fields that another field manager set to other values than the plan: ${conflicts
        .map(c => `${c.field} (owned by "${c.manager}")`)
        .join(
          ', ',
        )}. Someone changed it outside the portal: review the change, then re-run with forceConflicts to apply the plan over it.`,
    );
    this.name = 'FieldConflictError';
    this.object = object;
    this.conflicts = conflicts;
  }
}

function conflictsOf(error: unknown): FieldConflict[] {
  return (apiStatus(error)?.details?.causes ?? [])
    .filter(c => c.reason === 'FieldManagerConflict')
    .map(c => ({
      field: c.field ?? '?',
      manager: /conflict with "([^"]*)"/.exec(c.message ?? '')?.[1] ?? '?',
    }));
}

/** Plain JSON, as the API server sent it (the client library turns some fields into classes and Dates). */
const plain = <T>(value: unknown): T => JSON.parse(JSON.stringify(value));

/**
 * The calls the in-cluster steps make, through `@kubernetes/client-node`:
 * server-side apply under {@link FIELD_MANAGER}, reads, lists and pod logs.
 * Each call takes the connection's current credential.
 */
export class KubernetesClient {
  private clients?: {
    kc: KubeConfig;
    objects: KubernetesObjectApi;
    core: CoreV1Api;
  };

  constructor(readonly connection: KubernetesConnection) {}

  private async api() {
    const kc = await this.connection.kubeConfig();
    if (this.clients?.kc !== kc) {
      // A new credential: new clients (the object API caches resource discovery per client).
      this.clients = {
        kc,
        objects: KubernetesObjectApi.makeApiClient(kc),
        core: kc.makeApiClient(CoreV1Api),
      };
    }
    return this.clients;
  }

  /** The object, or undefined when it does not exist. */
  async read<T extends KubeObject = KubeObject>(header: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  }): Promise<T | undefined> {
    const { objects } = await this.api();
    try {
      return plain<T>(await objects.read(header as KubernetesObject as any));
    } catch (error) {
      if (apiErrorCode(error) === 404) return undefined;
      throw new Error(
        `Cannot read ${describeObject(header)}: ${describeApiError(error)}`,
      );
    }
  }

  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    options: { namespace?: string; labelSelector?: string } = {},
  ): Promise<T[]> {
    const { objects } = await this.api();
    try {
      const list = await objects.list(
        apiVersion,
        kind,
        options.namespace,
        undefined,
        undefined,
        undefined,
        undefined,
        options.labelSelector,
      );
      return plain<T[]>(list.items);
    } catch (error) {
      throw new Error(
        `Cannot list ${kind}${
          options.namespace ? ` in ${options.namespace}` : ''
        }: ${describeApiError(error)}`,
      );
    }
  }

  /**
   * Server-side apply. Without `force`, a field another manager owns with
   * another value fails with a {@link FieldConflictError}; with it, the
   * portal takes the field over.
   */
  async apply(
    object: KubeObject,
    options: { force?: boolean } = {},
  ): Promise<{ object: KubeObject; outcome: ApplyOutcome }> {
    const before = await this.read(object);
    const { objects } = await this.api();
    let after: KubeObject;
    try {
      after = plain(
        await objects.patch(
          object as KubernetesObject,
          undefined,
          undefined,
          FIELD_MANAGER,
          options.force ?? false,
          PatchStrategy.ServerSideApply,
        ),
      );
    } catch (error) {
      if (apiErrorCode(error) === 409) {
        const conflicts = conflictsOf(error);
        if (conflicts.length > 0) {
          throw new FieldConflictError(describeObject(object), conflicts);
        }
      }
      throw new Error(
        `Cannot apply ${describeObject(object)}: ${describeApiError(error)}`,
      );
    }
    let outcome: ApplyOutcome = 'configured';
    if (!before) outcome = 'created';
    else if (before.metadata.resourceVersion === after.metadata.resourceVersion)
      outcome = 'unchanged';
    return { object: after, outcome };
  }

  /** Deletes an object and, in the background, what it owns (a Job's pods). */
  async delete(header: KubeObject): Promise<void> {
    const { objects } = await this.api();
    try {
      await objects.delete(
        header as KubernetesObject,
        undefined,
        undefined,
        undefined,
        undefined,
        'Background',
      );
    } catch (error) {
      if (apiErrorCode(error) === 404) return;
      throw new Error(
        `Cannot delete ${describeObject(header)}: ${describeApiError(error)}`,
      );
    }
  }

  /** The last lines a pod's container wrote (served by the node's kubelet). */
  async podLogTail(
    namespace: string,
    pod: string,
    container: string,
    lines: number,
  ): Promise<string> {
    const { core } = await this.api();
    try {
      return await core.readNamespacedPodLog({
        namespace,
        name: pod,
        container,
        tailLines: lines,
      });
    } catch (error) {
      throw new Error(
        `Cannot read the log of pod ${namespace}/${pod}: ${describeApiError(
          error,
        )}`,
      );
    }
  }
}
