import { Config } from '@backstage/config';
import {
  AtlasApi,
  AwsClientFactory,
  KubernetesConnector,
  atlasClientFromConfig,
  awsClientFactoryFromConfig,
  inClusterServicesFromConfig,
} from '@internal/backstage-plugin-bpa-node';

/** Where the live status comes from: the clouds and the environments' clusters. */
export interface StatusSources {
  /** CloudFormation and EKS, per account and region. */
  aws: AwsClientFactory;
  /** The Atlas Admin API (only reads); undefined when no Atlas credentials are configured. */
  atlas?: Pick<AtlasApi, 'getCluster'>;
  /** The environments' Kubernetes API servers (the Helm release and the workloads). */
  kubernetes: KubernetesConnector;
}

/**
 * A status page asks again every few seconds: a throttled or failing call is
 * retried briefly, then reported, instead of holding the page for the
 * minute the apply's clients may wait.
 */
const AWS_MAX_ATTEMPTS = 3;
const ATLAS_RETRY = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 2_000 };

/**
 * The portal's sources, from the same configuration the apply uses:
 * `aws.accounts` (else the default credential chain), `bpa.atlas` and
 * `bpa.kubernetes.kubeconfig`. Nothing is called until an environment is read.
 */
export function statusSourcesFromConfig(config: Config): StatusSources {
  return {
    aws: awsClientFactoryFromConfig(config, { maxAttempts: AWS_MAX_ATTEMPTS }),
    atlas: atlasClientFromConfig(config, { retry: ATLAS_RETRY }),
    kubernetes: inClusterServicesFromConfig(config).connector,
  };
}
