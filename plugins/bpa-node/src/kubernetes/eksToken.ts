import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialProvider } from '@backstage/integration-aws-node';

/** What `@aws-sdk/*` clients take as `credentials`. */
export type AwsCredentials = AwsCredentialProvider['sdkCredentialProvider'];

/**
 * EKS accepts a token for 15 minutes after it was signed; renewing after
 * 10 leaves room for clock skew and for a request already on its way.
 */
export const EKS_TOKEN_RENEW_AFTER_MS = 10 * 60 * 1000;

/** Seconds the presigned URL inside the token is valid for, as aws-iam-authenticator signs it. */
const PRESIGN_EXPIRES_SECONDS = 60;

export interface EksTokenOptions {
  /** The EKS cluster's name: the token is only valid for that cluster. */
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  /** When the token is signed; defaults to now. */
  signingDate?: Date;
}

/**
 * A bearer token for an EKS cluster: a presigned STS `GetCallerIdentity`
 * URL bound to the cluster by the signed `x-k8s-aws-id` header, in the
 * `k8s-aws-v1.<base64url>` form aws-iam-authenticator reads (and
 * Backstage's kubernetes backend mints).
 */
export async function mintEksToken(options: EksTokenOptions): Promise<string> {
  const { clusterName, region, credentials } = options;
  const hostname = `sts.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    credentials,
    region,
    service: 'sts',
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      headers: { host: hostname, 'x-k8s-aws-id': clusterName },
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    },
    {
      expiresIn: PRESIGN_EXPIRES_SECONDS,
      ...(options.signingDate ? { signingDate: options.signingDate } : {}),
    },
  );
  const query = Object.entries(presigned.query ?? {})
    .map(
      ([key, value]) =>
        `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`,
    )
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}
