import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CreateRepositoryCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  CreateBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import {
  MirrorLab,
  MOTO_ACCOUNT_ID,
  MOTO_CREDENTIALS,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  startMirrorLab,
  startMoto,
  testSkopeoBinary,
  writeTestImageArchive,
} from '@internal/backstage-plugin-bpa-test-utils';
import { ecrImageDigest, ecrRegistryLogin } from '../ecr/registry';
import { SecretMasker } from '../kubernetes/progress';
import { environmentRepositories } from '../plan/cloudformation/registry';
import { mirrorPlan } from '../plan/mirror';
import { mirrorIntoEcr } from './mirror';

jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

const credentials = MOTO_CREDENTIALS;
let moto: MotoServer;

beforeAll(async () => {
  moto = await startMoto();
});
afterAll(async () => {
  await moto?.stop();
});

describe("the mirror's ECR calls against moto", () => {
  const ecr = () =>
    new ECRClient({
      region: 'us-east-1',
      credentials,
      endpoint: moto.endpoint,
    });

  it("logs in with GetAuthorizationToken: user AWS at the account's registry, over HTTPS", async () => {
    const login = await ecrRegistryLogin(ecr());
    expect(login.host).toBe(
      `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com`,
    );
    expect(login.username).toBe('AWS');
    expect(login.password.length).toBeGreaterThan(0);
    expect(login.plainHttp).toBeUndefined();
  });

  it('reads the digest ECR keeps under a tag with DescribeImages', async () => {
    const client = ecr();
    await client.send(
      new CreateRepositoryCommand({
        repositoryName: 'bpa/sase-service',
        imageTagMutability: 'IMMUTABLE',
      }),
    );
    expect(
      await ecrImageDigest(client, 'bpa/sase-service', '4.0.3-522'),
    ).toBeUndefined();
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: 2,
        digest: `sha256:${createHash('sha256').update('{}').digest('hex')}`,
      },
      layers: [],
    });
    const put = await client.send(
      new PutImageCommand({
        repositoryName: 'bpa/sase-service',
        imageTag: '4.0.3-522',
        imageManifest: manifest,
      }),
    );
    // Real ECR's digest is the manifest's sha256 (the registry stand-in shows it); moto's is its own
    // (sha256 of the joined layer digests), so here only the round trip is compared.
    expect(await ecrImageDigest(client, 'bpa/sase-service', '4.0.3-522')).toBe(
      put.image?.imageId?.imageDigest,
    );
    await expect(
      ecrImageDigest(client, 'bpa/missing', '4.0.3-522'),
    ).rejects.toThrow(
      'ECR has no repository bpa/missing in us-east-1: the registry stack creates it',
    );
  });
});

describe("the package's archives from S3 (moto), into a real registry standing in for ECR", () => {
  let lab: MirrorLab;
  const spec = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    ecr: {
      archives: 's3://bpa-packages/4.0.3-6',
      images: [{ name: 'sase-service', tag: '4.0.3-522' }],
    },
  });

  beforeAll(async () => {
    lab = await startMirrorLab({
      accountId: MOTO_ACCOUNT_ID,
      region: 'us-east-1',
      repositories: environmentRepositories(spec),
      images: [{ name: 'sase-service', tag: '4.0.3-522' }],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('downloads each archive with the portal credentials and copies it', async () => {
    const s3 = new S3Client({
      region: 'us-east-1',
      credentials,
      endpoint: moto.endpoint,
      forcePathStyle: true,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'bpa-packages' }));
    const archive = path.join(lab.workDir, 'sase-service.tar');
    await writeTestImageArchive(
      lab.images[0].layout,
      archive,
      'docker-archive',
      'bpa/sase-service:4.0.3-522',
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'bpa-packages',
        Key: '4.0.3-6/sase-service_4.0.3-522.tar',
        Body: await fs.readFile(archive),
      }),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: 'bpa-packages',
        Key: '4.0.3-6/bpa-chart-4.0.3-6.tgz',
        Body: await fs.readFile(lab.chartArchive),
      }),
    );
    const lines: string[] = [];
    const masker = new SecretMasker();
    const result = await mirrorIntoEcr({
      plan: mirrorPlan(spec),
      skopeo: testSkopeoBinary(),
      // The lab's simulated ECR answers this client: moto's ECR takes no pushes (no registry behind its API).
      ecr: new ECRClient({ region: 'us-east-1', credentials }),
      sourceAccess: host => ({ host, tlsVerify: true }),
      archives: {
        s3: async () => s3,
        workspaceFile: () => {
          throw new Error('no workspace archives here');
        },
      },
      logger: { info: m => lines.push(m), warn: m => lines.push(m) },
      masker,
      checkpoint: (_key, fn) => fn(),
      tempRoot: lab.workDir,
    });
    expect(result.map(r => [r.name, r.outcome])).toEqual([
      ['sase-service', 'copied'],
      ['bpa-chart', 'copied'],
    ]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^Fetched s3:\/\/bpa-packages\/4\.0\.3-6\/sase-service_4\.0\.3-522\.tar \(\d+ kB in \d+s\)$/,
      ),
    );
    expect(await lab.ecr.digestOf('bpa/bpa-chart', '4.0.3-6')).toBe(
      result[1].digest,
    );

    await expect(
      mirrorIntoEcr({
        plan: mirrorPlan(
          parseEnvironmentSpec({
            ...REFERENCE_SPEC_INPUT,
            ecr: { archives: 's3://bpa-packages/4.0.2-1' },
          }),
        ),
        skopeo: testSkopeoBinary(),
        ecr: new ECRClient({ region: 'us-east-1', credentials }),
        sourceAccess: host => ({ host, tlsVerify: true }),
        archives: { s3: async () => s3, workspaceFile: () => '' },
        logger: { info: () => {}, warn: () => {} },
        masker,
        checkpoint: (_key, fn) => fn(),
        tempRoot: lab.workDir,
      }),
    ).rejects.toThrow(
      's3://bpa-packages/4.0.2-1/sase-service_4.0.3-522.tar does not exist',
    );
  });
});
