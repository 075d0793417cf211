import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ecrRegistryLogin, ecrRegistryOf } from './ecrLogin';

describe('ecrRegistryOf', () => {
  it('recognises ECR chart references', () => {
    expect(
      ecrRegistryOf(
        'oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com/bpa/bpa-chart',
      ),
    ).toEqual({
      host: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      accountId: '123456789012',
      region: 'eu-west-1',
    });
    expect(ecrRegistryOf('oci://ghcr.io/cisco/bpa')).toBeUndefined();
    expect(
      ecrRegistryOf('https://charts.example.com/bpa-4.0.3.tgz'),
    ).toBeUndefined();
  });
});

describe('ecrRegistryLogin', () => {
  it('calls GetAuthorizationToken signed for ECR and returns the registry login', async () => {
    const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', c => (body += c));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(
          JSON.stringify({
            authorizationData: [
              {
                authorizationToken: Buffer.from(
                  'AWS:ecr-password-123',
                ).toString('base64'),
                expiresAt: 1,
              },
            ],
          }),
        );
      });
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const login = await ecrRegistryLogin({
        host: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
        region: 'us-east-1',
        credentials: async () => ({
          accessKeyId: 'AKIDEXAMPLE',
          secretAccessKey: 'secret',
        }),
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      });
      expect(login).toEqual({
        host: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
        username: 'AWS',
        password: 'ecr-password-123',
      });
      expect(seen).toHaveLength(1);
      expect(seen[0].body).toBe('{}');
      expect(seen[0].headers['x-amz-target']).toBe(
        'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
      );
      expect(seen[0].headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/ecr\/aws4_request, SignedHeaders=content-type;host;[a-z0-9;-]*x-amz-target, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      await new Promise(r => server.close(r));
    }
  });
});
