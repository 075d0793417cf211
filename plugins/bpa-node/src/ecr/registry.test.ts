import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import {
  pushTestImage,
  simulateEcr,
  startTestRegistry,
  TestRegistry,
  writeTestImageLayout,
} from '@internal/backstage-plugin-bpa-test-utils';
import { ecrImageDigest, ecrRegistryLogin, ecrRegistryOf } from './registry';

jest.setTimeout(60_000);

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'not-a-real-key',
};

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

describe('ECR login and DescribeImages, against a real registry standing in for ECR', () => {
  let registry: TestRegistry;
  let ecrSim: ReturnType<typeof simulateEcr>;
  let work: string;
  const ecr = new ECRClient({ region: 'us-east-1', credentials });

  beforeAll(async () => {
    registry = await startTestRegistry({ auth: true, username: 'AWS' });
    ecrSim = simulateEcr({
      registry,
      accountId: '123456789012',
      region: 'us-east-1',
      repositories: ['bpa/sase-service'],
    });
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ecr-test-'));
  });
  afterAll(async () => {
    ecrSim?.restore();
    await registry?.stop();
    if (work) await fs.rm(work, { recursive: true, force: true });
  });

  it("logs in as AWS with the token's password at the token's proxy endpoint", async () => {
    expect(await ecrRegistryLogin(ecr)).toEqual({
      host: registry.host,
      username: 'AWS',
      password: registry.password,
      plainHttp: true,
    });
  });

  it('reports the digest the registry holds under a tag, and nothing for a missing tag', async () => {
    expect(
      await ecrImageDigest(ecr, 'bpa/sase-service', '4.0.3-522'),
    ).toBeUndefined();
    const image = writeTestImageLayout(path.join(work, 'image'), {
      tag: '4.0.3-522',
      platforms: ['amd64', 'arm64'],
    });
    await pushTestImage(image, registry, 'bpa/sase-service:4.0.3-522');
    expect(await ecrImageDigest(ecr, 'bpa/sase-service', '4.0.3-522')).toBe(
      image.digest,
    );
  });

  it('says which stack makes a missing repository', async () => {
    await expect(ecrImageDigest(ecr, 'bpa/nowhere', '1')).rejects.toThrow(
      'ECR has no repository bpa/nowhere in us-east-1: the registry stack creates it (bpa:aws:deploy registry, then bpa:aws:wait)',
    );
  });
});

describe('ecrRegistryLogin', () => {
  it('refuses a plain-HTTP registry anywhere but on loopback', async () => {
    const mock = mockClient(ECRClient);
    try {
      mock.on(GetAuthorizationTokenCommand).resolves({
        authorizationData: [
          {
            authorizationToken: Buffer.from('AWS:pw').toString('base64'),
            proxyEndpoint:
              'http://123456789012.dkr.ecr.us-east-1.amazonaws.com',
          },
        ],
      });
      await expect(
        ecrRegistryLogin(new ECRClient({ region: 'us-east-1', credentials })),
      ).rejects.toThrow(
        'named a plain-HTTP registry (http://123456789012.dkr.ecr.us-east-1.amazonaws.com); only loopback registries may be reached without TLS',
      );
    } finally {
      mock.restore();
    }
  });
});
