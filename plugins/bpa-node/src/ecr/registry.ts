import {
  DescribeImagesCommand,
  ECRClient,
  GetAuthorizationTokenCommand,
} from '@aws-sdk/client-ecr';
import { AwsCredentialsManager } from '@backstage/integration-aws-node';

/** Login to an OCI registry, as helm's and skopeo's registry configs hold it. */
export interface RegistryLogin {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  host: string;
  username: string;
  password: string;
  /**
   * The registry speaks plain HTTP. Only ever true for a loopback
   * registry (a test's stand-in for ECR): ECR itself is HTTPS.
   */
  plainHttp?: boolean;
}

const ECR_HOST =
  /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The ECR registry an `oci://` chart reference points at, if it is one. */
export function ecrRegistryOf(
  chart: string,
): { host: string; accountId: string; region: string } | undefined {
  if (!chart.startsWith('oci://')) return undefined;
  const host = chart.slice('oci://'.length).split('/')[0];
  const match = ECR_HOST.exec(host);
  return match ? { host, accountId: match[1], region: match[2] } : undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * An ECR client for an environment's account and region, with the portal's
 * credentials for that account (`aws.accounts`, else the default chain).
 * The SDK honours `AWS_ENDPOINT_URL_ECR` / `AWS_ENDPOINT_URL`.
 */
export async function ecrClientFor(
  credentialsManager: AwsCredentialsManager,
  target: { accountId: string; region: string },
): Promise<ECRClient> {
  const { sdkCredentialProvider } =
    await credentialsManager.getCredentialProvider({
      accountId: target.accountId,
    });
  return new ECRClient({
    region: target.region,
    credentials: sdkCredentialProvider,
    maxAttempts: 8,
    retryMode: 'adaptive',
  });
}

/**
 * ECR's `GetAuthorizationToken`: a 12-hour registry password for the
 * caller's registry. The registry's address is the token's
 * `proxyEndpoint`, as `docker login` uses it.
 */
export async function ecrRegistryLogin(ecr: ECRClient): Promise<RegistryLogin> {
  const region = await ecr.config.region();
  let data;
  try {
    data = (await ecr.send(new GetAuthorizationTokenCommand({})))
      .authorizationData?.[0];
  } catch (error) {
    throw new Error(
      `ECR GetAuthorizationToken in ${region} failed: ${
        (error as Error).message
      }`,
    );
  }
  if (!data?.authorizationToken || !data.proxyEndpoint) {
    throw new Error(`ECR GetAuthorizationToken in ${region} returned no token`);
  }
  const endpoint = new URL(data.proxyEndpoint);
  const plainHttp = endpoint.protocol === 'http:';
  if (plainHttp && !LOOPBACK.has(endpoint.hostname)) {
    throw new Error(
      `ECR GetAuthorizationToken in ${region} named a plain-HTTP registry (${data.proxyEndpoint}); only loopback registries may be reached without TLS`,
    );
  }
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString();
  const colon = decoded.indexOf(':');
  return {
    host: endpoint.host,
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
    ...(plainHttp ? { plainHttp } : {}),
  };
}

/**
 * The digest ECR holds under a tag (`DescribeImages`), or undefined when
 * the repository has no such tag. A missing repository is an error that
 * says which stack makes it.
 */
export async function ecrImageDigest(
  ecr: ECRClient,
  repository: string,
  tag: string,
): Promise<string | undefined> {
  try {
    const result = await ecr.send(
      new DescribeImagesCommand({
        repositoryName: repository,
        imageIds: [{ imageTag: tag }],
      }),
    );
    return result.imageDetails?.[0]?.imageDigest;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ImageNotFoundException') return undefined;
    if (name === 'RepositoryNotFoundException') {
      throw new Error(
        `ECR has no repository ${repository} in ${await ecr.config.region()}: the registry stack creates it (bpa:aws:deploy registry, then bpa:aws:wait)`,
      );
    }
    throw new Error(
      `ECR DescribeImages ${repository}:${tag} failed: ${
        (error as Error).message
      }`,
    );
  }
}
