import crypto from 'node:crypto';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { connectToEksCluster, connectWithKubeconfig } from './connection';
import { mintEksToken } from './eksToken';

const credentials = async () => ({
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session/token+example=',
});

/** The presigned URL inside a token. */
function urlOf(token: string): URL {
  expect(token.startsWith('k8s-aws-v1.')).toBe(true);
  const encoded = token.slice('k8s-aws-v1.'.length);
  expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
  return new URL(Buffer.from(encoded, 'base64url').toString());
}

/** RFC 3986 encoding, as SigV4 canonical query strings use it. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const hmac = (key: Buffer | string, data: string) =>
  crypto.createHmac('sha256', key).update(data).digest();

/** Recomputes the signature from the SigV4 specification, independently of the signer under test. */
function expectedSignature(
  url: URL,
  clusterName: string,
  secretAccessKey: string,
): string {
  const params = [...url.searchParams.entries()]
    .filter(([k]) => k !== 'X-Amz-Signature')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const canonicalQuery = params
    .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.host}`,
    `x-k8s-aws-id:${clusterName}`,
    '',
    'host;x-k8s-aws-id',
    crypto.createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const date = url.searchParams.get('X-Amz-Date')!;
  const scope = url.searchParams
    .get('X-Amz-Credential')!
    .split('/')
    .slice(1)
    .join('/');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    date,
    scope,
    crypto.createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const [day, region, service] = scope.split('/');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${secretAccessKey}`, day), region), service),
    'aws4_request',
  );
  return hmac(key, stringToSign).toString('hex');
}

describe('mintEksToken', () => {
  it('presigns STS GetCallerIdentity for the cluster, valid 60 seconds, as aws-iam-authenticator expects', async () => {
    const token = await mintEksToken({
      clusterName: 'bpa-demo-eks',
      region: 'eu-west-1',
      credentials,
      signingDate: new Date('2026-03-01T10:20:30Z'),
    });
    const url = urlOf(token);
    expect(url.origin).toBe('https://sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      Action: 'GetCallerIdentity',
      Version: '2011-06-15',
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Credential': 'AKIDEXAMPLE/20260301/eu-west-1/sts/aws4_request',
      'X-Amz-Date': '20260301T102030Z',
      'X-Amz-Expires': '60',
      'X-Amz-SignedHeaders': 'host;x-k8s-aws-id',
      'X-Amz-Security-Token': 'session/token+example=',
    });
    expect(q['X-Amz-Signature']).toBe(
      expectedSignature(
        url,
        'bpa-demo-eks',
        'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      ),
    );
  });

  it('binds the token to one cluster', async () => {
    const at = new Date('2026-03-01T10:20:30Z');
    const a = await mintEksToken({
      clusterName: 'a-eks',
      region: 'us-east-1',
      credentials,
      signingDate: at,
    });
    const b = await mintEksToken({
      clusterName: 'b-eks',
      region: 'us-east-1',
      credentials,
      signingDate: at,
    });
    expect(urlOf(a).searchParams.get('X-Amz-Signature')).not.toBe(
      urlOf(b).searchParams.get('X-Amz-Signature'),
    );
    expect(urlOf(b).searchParams.get('X-Amz-Signature')).toBe(
      expectedSignature(
        urlOf(b),
        'b-eks',
        'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      ),
    );
  });
});

describe('connectToEksCluster', () => {
  const eksMock = mockClient(EKSClient);
  afterEach(() => eksMock.reset());

  const activeCluster = {
    cluster: {
      name: 'bpa-demo-eks',
      status: 'ACTIVE' as const,
      endpoint: 'https://ABCDEF.gr7.us-east-1.eks.amazonaws.com',
      certificateAuthority: {
        data: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'),
      },
    },
  };

  it('uses the cluster endpoint and CA, and renews the token after 10 minutes', async () => {
    eksMock
      .on(DescribeClusterCommand, { name: 'bpa-demo-eks' })
      .resolves(activeCluster);
    let clock = Date.parse('2026-03-01T10:00:00Z');
    const connection = await connectToEksCluster({
      clusterName: 'bpa-demo-eks',
      region: 'us-east-1',
      credentials,
      eks: new EKSClient({ region: 'us-east-1' }),
      now: () => clock,
    });
    expect(connection.displayName).toBe(
      'EKS cluster bpa-demo-eks (https://ABCDEF.gr7.us-east-1.eks.amazonaws.com)',
    );

    const first = await connection.kubeConfig();
    expect(first.getCurrentCluster()).toMatchObject({
      server: 'https://ABCDEF.gr7.us-east-1.eks.amazonaws.com',
      caData: activeCluster.cluster.certificateAuthority.data,
      skipTLSVerify: false,
    });
    const firstToken = first.getCurrentUser()!.token!;
    expect(urlOf(firstToken).searchParams.get('X-Amz-Date')).toBe(
      '20260301T100000Z',
    );

    clock += 9 * 60 * 1000;
    expect((await connection.kubeConfig()).getCurrentUser()!.token).toBe(
      firstToken,
    );

    clock += 60 * 1000;
    const renewed = (await connection.kubeConfig()).getCurrentUser()!.token!;
    expect(renewed).not.toBe(firstToken);
    expect(urlOf(renewed).searchParams.get('X-Amz-Date')).toBe(
      '20260301T101000Z',
    );
    expect(eksMock.commandCalls(DescribeClusterCommand)).toHaveLength(1);
  });

  it('refuses a cluster that is not ACTIVE yet', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .resolves({ cluster: { ...activeCluster.cluster, status: 'CREATING' } });
    await expect(
      connectToEksCluster({
        clusterName: 'bpa-demo-eks',
        region: 'us-east-1',
        credentials,
        eks: new EKSClient({ region: 'us-east-1' }),
      }),
    ).rejects.toThrow(
      'EKS cluster bpa-demo-eks in us-east-1 is CREATING, not ACTIVE',
    );
  });

  it('names the cluster when DescribeCluster fails', async () => {
    eksMock
      .on(DescribeClusterCommand)
      .rejects(new Error('No cluster found for name: bpa-demo-eks.'));
    await expect(
      connectToEksCluster({
        clusterName: 'bpa-demo-eks',
        region: 'us-east-1',
        credentials,
        eks: new EKSClient({ region: 'us-east-1' }),
      }),
    ).rejects.toThrow(
      'Cannot read EKS cluster bpa-demo-eks in us-east-1 (DescribeCluster): No cluster found',
    );
  });
});

describe('connectWithKubeconfig', () => {
  it('uses the current context of the kubeconfig', async () => {
    const connection = connectWithKubeconfig(
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- {name: lab, cluster: {server: "https://lab.example.com:6443", insecure-skip-tls-verify: true}}',
        'users:',
        '- {name: ops, user: {token: abc}}',
        'contexts:',
        '- {name: lab, context: {cluster: lab, user: ops}}',
        'current-context: lab',
      ].join('\n'),
    );
    expect(connection.displayName).toBe('cluster https://lab.example.com:6443');
    expect((await connection.kubeConfig()).getCurrentUser()?.token).toBe('abc');
  });
});
