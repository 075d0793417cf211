import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentials } from '../kubernetes/eksToken';

/** Login to an OCI registry, as helm's registry config holds it. */
export interface RegistryLogin {
  /** Registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com`. */
  host: string;
  username: string;
  password: string;
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

/**
 * ECR's `GetAuthorizationToken` (a 12-hour registry password), signed
 * with SigV4 by hand: `@aws-sdk/client-ecr` is not among the project's
 * dependencies. The endpoint follows `AWS_ENDPOINT_URL_ECR` /
 * `AWS_ENDPOINT_URL` like the SDK's clients.
 */
export async function ecrRegistryLogin(options: {
  host: string;
  region: string;
  credentials: AwsCredentials;
  endpoint?: string;
}): Promise<RegistryLogin> {
  const endpoint = new URL(
    options.endpoint ??
      process.env.AWS_ENDPOINT_URL_ECR ??
      process.env.AWS_ENDPOINT_URL ??
      `https://api.ecr.${options.region}.amazonaws.com`,
  );
  const body = '{}';
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: 'ecr',
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    path: endpoint.pathname,
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target':
        'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
    },
    body,
  });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: signed.headers,
    body,
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `ECR GetAuthorizationToken in ${options.region} failed (HTTP ${
        response.status
      }): ${text.slice(0, 300)}`,
    );
  }
  const token = JSON.parse(text)?.authorizationData?.[0]?.authorizationToken;
  if (typeof token !== 'string') {
    throw new Error(
      `ECR GetAuthorizationToken in ${options.region} returned no token`,
    );
  }
  const decoded = Buffer.from(token, 'base64').toString();
  const colon = decoded.indexOf(':');
  return {
    host: options.host,
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}
