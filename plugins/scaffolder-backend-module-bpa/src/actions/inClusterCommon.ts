import { InputError } from '@backstage/errors';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  resourceNames,
  SupportedVersions,
} from '@internal/backstage-plugin-bpa-common';
import {
  Checkpoint,
  KubernetesClient,
  KubernetesConnector,
  ProgressLogger,
  SecretMasker,
} from '@internal/backstage-plugin-bpa-node';
import { parseSpecInput, reviewedPlanDirectory } from './util';

/** What the in-cluster actions are built with, once, in the module's init. */
export interface InClusterActionOptions {
  /** Opens the environment's cluster (EKS, or a kubeconfig). */
  connector: KubernetesConnector;
  /** Versions and tiers accepted by validation; defaults to the built-in list. */
  supportedVersions?: SupportedVersions;
  /** How often waits poll the cluster (tests make it short). Default 5 s. */
  pollIntervalMs?: number;
}

type InClusterInput = {
  spec: Record<string, unknown>;
  kubeconfigSecret?: string;
};

/** What an in-cluster step gets from its action context. */
export interface InClusterStep {
  spec: EnvironmentSpec;
  planDirectory: string;
  masker: SecretMasker;
  /** The task log, masked. */
  logger: ProgressLogger;
  checkpoint: Checkpoint;
  /** Connects to the cluster (only after every check passed). */
  connect(): Promise<KubernetesClient>;
}

/**
 * Validates the request and the plan directory (holding the previewed plan,
 * rendered again if the workspace lost it), and prepares the masked log and
 * the connection; nothing touches the cluster until `connect`.
 */
export async function inClusterStep(
  ctx: ActionContext<any, any>,
  options: InClusterActionOptions,
): Promise<InClusterStep> {
  const input = ctx.input as InClusterInput;
  const spec = parseSpecInput(input.spec, options.supportedVersions);
  const planDirectory = await reviewedPlanDirectory(ctx, spec);
  const masker = new SecretMasker();
  let kubeconfig: string | undefined;
  if (input.kubeconfigSecret) {
    kubeconfig = ctx.secrets?.[input.kubeconfigSecret];
    if (!kubeconfig) {
      throw new InputError(
        `No task secret named ${input.kubeconfigSecret} holds the kubeconfig`,
      );
    }
  }
  const logger = masker.wrap(ctx.logger);
  return {
    spec,
    planDirectory,
    masker,
    logger,
    checkpoint: (key, fn) =>
      ctx.checkpoint({ key, fn: fn as () => Promise<any> }),
    async connect() {
      const connection = await options.connector.connect({
        clusterName: resourceNames(spec).eksCluster,
        region: spec.aws.region,
        accountId: spec.aws.accountId,
        kubeconfig,
      });
      logger.info(`Connected to ${connection.displayName}`);
      return new KubernetesClient(connection);
    },
  };
}

/** Runs the step; an error leaves with every secret value it may quote masked. */
export async function masked<T>(
  masker: SecretMasker,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error) {
      error.message = masker.mask(error.message);
      if (error.stack) error.stack = masker.mask(error.stack);
    }
    throw error;
  }
}
