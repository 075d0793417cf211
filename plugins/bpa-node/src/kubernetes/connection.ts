import fs from 'node:fs/promises';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import type { AwsCredentialsManager } from '@backstage/integration-aws-node';
import {
  AwsCredentials,
  EKS_TOKEN_RENEW_AFTER_MS,
  mintEksToken,
} from './eksToken';

/** Access to one cluster's API server. */
export interface KubernetesConnection {
  /** How logs and errors name the cluster. */
  readonly displayName: string;
  /**
   * A client configuration holding a valid credential. Ask again before
   * each batch of calls: short-lived credentials (EKS tokens) are renewed.
   */
  kubeConfig(): Promise<KubeConfig>;
}

const CONTEXT = 'bpa';

function singleClusterKubeConfig(cluster: {
  server: string;
  caData?: string;
  skipTLSVerify?: boolean;
  token: string;
}): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: CONTEXT,
        server: cluster.server,
        caData: cluster.caData,
        skipTLSVerify: cluster.skipTLSVerify ?? false,
      },
    ],
    users: [{ name: CONTEXT, token: cluster.token }],
    contexts: [{ name: CONTEXT, cluster: CONTEXT, user: CONTEXT }],
    currentContext: CONTEXT,
  });
  return kc;
}

export interface EksConnectionOptions {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** Client for DescribeCluster; defaults to one for the region (honours AWS_ENDPOINT_URL_EKS). */
  eks?: EKSClient;
  /** The clock, in milliseconds. */
  now?: () => number;
}

/**
 * Connects to an EKS cluster as the portal's AWS principal: endpoint and CA
 * from `DescribeCluster`, a bearer token minted from the credentials and
 * renewed once it is older than {@link EKS_TOKEN_RENEW_AFTER_MS}.
 */
export async function connectToEksCluster(
  options: EksConnectionOptions,
): Promise<KubernetesConnection> {
  const { clusterName, region, credentials } = options;
  const now = options.now ?? Date.now;
  const eks = options.eks ?? new EKSClient({ region, credentials });
  let cluster;
  try {
    ({ cluster } = await eks.send(
      new DescribeClusterCommand({ name: clusterName }),
    ));
  } catch (error) {
    throw new Error(
      `Cannot read EKS cluster ${clusterName} in ${region} (DescribeCluster): ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
  if (cluster?.status !== 'ACTIVE' || !cluster.endpoint) {
    throw new Error(
      `EKS cluster ${clusterName} in ${region} is ${
        cluster?.status ?? 'unknown'
      }, not ACTIVE: wait for the cluster stack to finish`,
    );
  }
  const server = cluster.endpoint;
  const caData = cluster.certificateAuthority?.data;
  let current: { kc: KubeConfig; mintedAt: number } | undefined;
  return {
    displayName: `EKS cluster ${clusterName} (${server})`,
    async kubeConfig() {
      const at = now();
      if (!current || at - current.mintedAt >= EKS_TOKEN_RENEW_AFTER_MS) {
        const token = await mintEksToken({
          clusterName,
          region,
          credentials,
          signingDate: new Date(at),
        });
        current = {
          kc: singleClusterKubeConfig({ server, caData, token }),
          mintedAt: at,
        };
      }
      return current.kc;
    },
  };
}

/** Connects with a kubeconfig (YAML), at its current context unless one is named. */
export function connectWithKubeconfig(
  kubeconfig: string,
  options: { context?: string } = {},
): KubernetesConnection {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfig);
  if (options.context) kc.setCurrentContext(options.context);
  const server = kc.getCurrentCluster()?.server;
  if (!server) {
    throw new Error(
      `The kubeconfig has no cluster for context "${kc.getCurrentContext()}"`,
    );
  }
  return {
    displayName: `cluster ${server}`,
    kubeConfig: async () => kc,
  };
}

/** Which cluster an environment's in-cluster steps talk to. */
export interface ClusterTarget {
  /** EKS cluster name. */
  clusterName: string;
  region: string;
  accountId: string;
  /** A kubeconfig to use instead of EKS (another cluster, a test cluster). */
  kubeconfig?: string;
}

/** Opens connections to environments' clusters. */
export interface KubernetesConnector {
  connect(target: ClusterTarget): Promise<KubernetesConnection>;
}

export interface KubernetesConnectorOptions {
  /** AWS credentials per account (`aws.accounts` in app-config, else the default chain). */
  credentialsManager: AwsCredentialsManager;
  /** A kubeconfig file used for every environment instead of EKS (config `bpa.kubernetes.kubeconfig`). */
  kubeconfigFile?: string;
}

/**
 * The portal's connector: a kubeconfig given with the request, else the
 * configured kubeconfig file, else the environment's EKS cluster.
 */
export function createKubernetesConnector(
  options: KubernetesConnectorOptions,
): KubernetesConnector {
  return {
    async connect(target) {
      if (target.kubeconfig) return connectWithKubeconfig(target.kubeconfig);
      if (options.kubeconfigFile) {
        return connectWithKubeconfig(
          await fs.readFile(options.kubeconfigFile, 'utf8'),
        );
      }
      const { sdkCredentialProvider } =
        await options.credentialsManager.getCredentialProvider({
          accountId: target.accountId,
        });
      return connectToEksCluster({
        clusterName: target.clusterName,
        region: target.region,
        credentials: sdkCredentialProvider,
      });
    },
  };
}

/** A connection to a cluster given by URL and bearer token (tests, local clusters). */
export function connectWithToken(cluster: {
  server: string;
  token: string;
  caData?: string;
  skipTLSVerify?: boolean;
}): KubernetesConnection {
  const kc = singleClusterKubeConfig(cluster);
  return {
    displayName: `cluster ${cluster.server}`,
    kubeConfig: async () => kc,
  };
}
