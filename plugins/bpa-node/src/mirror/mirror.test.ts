import fs from 'node:fs/promises';
import path from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import {
  EnvironmentSpec,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { connectWithToken, SecretMasker } from '../kubernetes';
import {
  copyBetweenRegistries,
  MirrorLab,
  startKubeApiServer,
  startMirrorLab,
  testHelmBinary,
  testSkopeoBinary,
  TestKubeApiServer,
  writePlan,
  writeTestImageArchive,
} from '@internal/backstage-plugin-bpa-test-utils';
import { ecrRegistryLogin } from '../ecr/registry';
import { deployHelmRelease } from '../helm/release';
import { environmentRepositories } from '../plan/cloudformation/registry';
import { mirrorPlan } from '../plan/mirror';
import { mirrorIntoEcr, MirroredImage } from './mirror';

jest.setTimeout(240_000);

const ACCOUNT = '123456789012';
const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'not-a-real-key',
};

describe('mirrorIntoEcr, skopeo between two real registries', () => {
  let lab: MirrorLab;
  const ecr = new ECRClient({ region: 'us-east-1', credentials });
  const checkpoints = new Map<string, unknown>();
  const logLines: string[] = [];
  const outputs: MirroredImage[][] = [];
  const timings: Record<string, number> = {};

  /** The request mirroring the lab's images and chart, under an ECR prefix of its own. */
  const specFor = (prefix: string, images = lab.images): EnvironmentSpec =>
    parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      ecr: {
        repositoryPrefix: prefix,
        sourceRegistry: `${lab.source.host}/bpa`,
        images: images.map(i => ({ name: i.name, tag: i.tag })),
      },
      bpa: { ...REFERENCE_SPEC_INPUT.bpa, chart: lab.chart },
    });

  const mirror = async (
    spec: EnvironmentSpec,
    extra: {
      signal?: AbortSignal;
      onLog?: (line: string) => void;
      workspace?: string;
    } = {},
  ) => {
    const log = (level: string) => (message: string) => {
      logLines.push(`${level} ${message}`);
      extra.onLog?.(message);
    };
    const masker = new SecretMasker();
    const result = await mirrorIntoEcr({
      plan: mirrorPlan(spec),
      skopeo: testSkopeoBinary(),
      ecr,
      sourceAccess: host => ({
        host,
        username: lab.source.username,
        password: lab.source.password,
        tlsVerify: false,
      }),
      archives: {
        workspaceFile: relative =>
          path.join(extra.workspace ?? lab.workDir, relative),
      },
      logger: masker.wrap({ info: log('info'), warn: log('warn') }),
      masker,
      checkpoint: async (key, fn) => {
        if (checkpoints.has(key)) return checkpoints.get(key) as any;
        const value = await fn();
        checkpoints.set(key, value);
        return value;
      },
      signal: extra.signal,
      tempRoot: lab.workDir,
    });
    outputs.push(result);
    return result;
  };

  beforeAll(async () => {
    const prefixes = [
      'bpa',
      'bpa-resume',
      'bpa-tamper',
      'bpa-archives',
      'bpa-conflict',
    ];
    const repositories = prefixes.flatMap(prefix =>
      environmentRepositories(
        parseEnvironmentSpec({
          ...REFERENCE_SPEC_INPUT,
          ecr: {
            repositoryPrefix: prefix,
            images: ['sase-service', 'workflow-engine', 'tampered'].map(
              name => ({ name, tag: '1' }),
            ),
          },
        }),
      ),
    );
    lab = await startMirrorLab({
      accountId: ACCOUNT,
      region: 'us-east-1',
      repositories,
      images: [
        {
          name: 'sase-service',
          tag: '4.0.3-522',
          platforms: ['amd64', 'arm64'],
          layerBytes: 2 * 1024 * 1024,
        },
        { name: 'workflow-engine', tag: '4.0.3-17', layerBytes: 512 * 1024 },
      ],
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('copies every image and the chart on the first run, keeping multi-arch indexes and digests', async () => {
    const spec = specFor('bpa');
    const started = Date.now();
    const result = await mirror(spec);
    timings.first = Date.now() - started;
    const [sase, workflow] = lab.images;
    expect(result.map(r => [r.name, r.outcome, r.digest])).toEqual([
      ['sase-service', 'copied', sase.layout.digest],
      ['workflow-engine', 'copied', workflow.layout.digest],
      [
        'bpa-chart',
        'copied',
        await lab.source.digestOf('bpa/bpa-standin', '4.0.3-6'),
      ],
    ]);
    expect(result[0]).toMatchObject({
      target: `${lab.ecr.host}/bpa/sase-service:4.0.3-522`,
      platforms: 2,
      layers: 3,
    });
    // What the stand-in ECR registry holds, read over HTTP, not what the mirror says.
    expect(await lab.ecr.digestOf('bpa/sase-service', '4.0.3-522')).toBe(
      sase.layout.digest,
    );
    expect(await lab.ecr.digestOf('bpa/workflow-engine', '4.0.3-17')).toBe(
      workflow.layout.digest,
    );
    expect(await lab.ecr.digestOf('bpa/bpa-chart', '4.0.3-6')).toBe(
      result[2].digest,
    );
    const log = logLines.join('\n');
    expect(log).toContain(`ECR ${lab.ecr.host}: 3 of 3 to copy`);
    expect(log).toMatch(
      /sase-service:4\.0\.3-522: copying docker:\/\/127\.0\.0\.1:\d+\/bpa\/sase-service:4\.0\.3-522 → .*\/bpa\/sase-service:4\.0\.3-522 \(sha256:[0-9a-f]{12}…, 2 platforms, 3 layers, 4\.\d MB\)/,
    );
    expect(log).toMatch(
      /sase-service:4\.0\.3-522: layer 3\/3 sha256:[0-9a-f]{12}… \(2\.0 MB\), platform 2\/2 \d+s/,
    );
    expect(log).toMatch(
      /sase-service:4\.0\.3-522: in ECR as sha256:[0-9a-f]{12}…, verified against the source \(digest\); 3 layers, 4\.\d MB in \d+s/,
    );
    expect(await fs.readdir(lab.workDir)).not.toContainEqual(
      expect.stringMatching(/^bpa-skopeo-/),
    );
  });

  it('copies nothing on a second run: ECR already holds every digest', async () => {
    logLines.length = 0;
    const started = Date.now();
    const result = await mirror(specFor('bpa'));
    timings.second = Date.now() - started;
    expect(result.map(r => r.outcome)).toEqual([
      'present',
      'present',
      'present',
    ]);
    const log = logLines.join('\n');
    expect(log).toContain(': 0 of 3 to copy');
    expect(log).not.toContain('copying');
    expect(
      lab.ecrApi
        .inputsOf('DescribeImages')
        .filter(i => i.repositoryName.startsWith('bpa/')).length,
    ).toBeGreaterThanOrEqual(6);
    // eslint-disable-next-line no-console
    console.log(
      `mirror timings: first copy ${timings.first} ms, second (no-op) ${timings.second} ms`,
    );
  });

  it('resumes an interrupted mirror where it stopped', async () => {
    logLines.length = 0;
    const spec = specFor('bpa-resume');
    const abort = new AbortController();
    // Stop in the middle of the second image's layers, after the first is in ECR.
    await expect(
      mirror(spec, {
        signal: abort.signal,
        onLog: line => {
          if (line.startsWith('workflow-engine:4.0.3-17: layer 1/'))
            abort.abort();
        },
      }),
    ).rejects.toThrow(/Copying image workflow-engine .* failed: cancelled/);
    expect(await lab.ecr.digestOf('bpa-resume/sase-service', '4.0.3-522')).toBe(
      lab.images[0].layout.digest,
    );
    expect(
      await lab.ecr.digestOf('bpa-resume/workflow-engine', '4.0.3-17'),
    ).toBeUndefined();

    logLines.length = 0;
    const result = await mirror(spec);
    expect(result.map(r => [r.name, r.outcome])).toEqual([
      ['sase-service', 'present'],
      ['workflow-engine', 'copied'],
      ['bpa-chart', 'copied'],
    ]);
    expect(logLines.join('\n')).not.toContain(
      'sase-service:4.0.3-522: copying',
    );
    expect(
      await lab.ecr.digestOf('bpa-resume/workflow-engine', '4.0.3-17'),
    ).toBe(lab.images[1].layout.digest);
  });

  it('fails with a clear message on a source blob that does not match its digest, and tags nothing in ECR', async () => {
    const tampered = await lab.addImage('tampered', '1', {
      layerBytes: 300_000,
    });
    const layer = JSON.parse(
      await fs.readFile(
        path.join(
          tampered.layout.dir,
          'blobs/sha256',
          tampered.layout.digest.slice(7),
        ),
        'utf8',
      ),
    ).layers[1].digest;
    await fs.writeFile(lab.source.blobPath(layer), Buffer.alloc(300_000, 1));
    const spec = specFor('bpa-tamper', [tampered]);
    await expect(mirror(spec)).rejects.toThrow(
      `Copying image tampered from docker://${lab.source.host}/bpa/tampered:1 to ${lab.ecr.host}/bpa-tamper/tampered:1 failed: the source sent a blob whose content does not match its digest (expected ${layer}, got sha256:`,
    );
    expect(await lab.ecr.tags('bpa-tamper/tampered')).toEqual([]);
  });

  it('refuses a manifest the source serves under a tag but does not hold by its digest, before copying anything', async () => {
    const altered = await lab.addImage('workflow-engine', '2');
    const stored = lab.source.blobPath(altered.layout.digest);
    const manifest = JSON.parse(await fs.readFile(stored, 'utf8'));
    manifest.annotations = { 'org.example.altered': 'yes' };
    await fs.writeFile(stored, JSON.stringify(manifest));
    const spec = specFor('bpa-tamper', [lab.images[0], altered]);
    const failure = mirror(spec);
    await expect(failure).rejects.toThrow(
      /Nothing was copied into ECR .*\n- image workflow-engine from docker:\/\/.*\/bpa\/workflow-engine:2: the manifest the registry serves for tag 2 hashes to sha256:[0-9a-f]{64}, but the registry holds no manifest with that digest: its content does not match its digest \(corrupted or tampered with in the source registry\)/,
    );
    expect(await lab.ecr.tags('bpa-tamper/sase-service')).toEqual([]);
  });

  it("copies the package's archives from the workspace: docker save, OCI archive and the chart .tgz", async () => {
    const workspace = path.join(lab.workDir, 'workspace');
    await fs.mkdir(path.join(workspace, 'bpa-package'), { recursive: true });
    const [sase, workflow] = lab.images;
    await writeTestImageArchive(
      sase.layout,
      path.join(workspace, 'bpa-package', 'sase-service_4.0.3-522.tar'),
      'oci-archive',
      'sase-service:4.0.3-522',
    );
    await writeTestImageArchive(
      workflow.layout,
      path.join(workspace, 'bpa-package', 'workflow-engine_4.0.3-17.tar'),
      'docker-archive',
      'bpa/workflow-engine:4.0.3-17',
    );
    await fs.copyFile(
      lab.chartArchive,
      path.join(workspace, 'bpa-package', 'bpa-chart-4.0.3-6.tgz'),
    );
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      ecr: {
        repositoryPrefix: 'bpa-archives',
        archives: 'bpa-package',
        images: [
          { name: 'sase-service', tag: '4.0.3-522' },
          { name: 'workflow-engine', tag: '4.0.3-17' },
        ],
      },
    });
    const first = await mirror(spec, { workspace });
    expect(first.map(r => [r.name, r.outcome])).toEqual([
      ['sase-service', 'copied'],
      ['workflow-engine', 'copied'],
      ['bpa-chart', 'copied'],
    ]);
    // The OCI archive keeps the index; docker save holds one platform, its layers compressed on the way.
    expect(first[0].digest).toBe(sase.layout.digest);
    expect(first[1].digest).not.toBe(workflow.layout.digest);
    const second = await mirror(spec, { workspace });
    expect(second.map(r => r.outcome)).toEqual([
      'present',
      'present',
      'present',
    ]);
    expect(second.map(r => r.digest)).toEqual(first.map(r => r.digest));
  });

  it('stops before copying when ECR holds another digest under a tag', async () => {
    const spec = specFor('bpa-conflict');
    const other = await lab.addImage('other', '1');
    await copyBetweenRegistries(
      { registry: lab.source, reference: 'bpa/other:1' },
      { registry: lab.ecr, reference: 'bpa-conflict/workflow-engine:4.0.3-17' },
    );
    await expect(mirror(spec)).rejects.toThrow(
      `${lab.ecr.host}/bpa-conflict/workflow-engine:4.0.3-17 already holds ${other.layout.digest}, which is not docker://${lab.source.host}/bpa/workflow-engine:4.0.3-17 (${lab.images[1].layout.digest}). The environment's ECR tags are immutable`,
    );
    expect(await lab.ecr.tags('bpa-conflict/sase-service')).toEqual([]);
  });

  it('never writes a registry password into the log or the results', () => {
    const text = `${logLines.join('\n')}\n${JSON.stringify(outputs)}`;
    for (const secret of [
      lab.source.password!,
      lab.ecr.password!,
      Buffer.from(`${lab.source.username}:${lab.source.password}`).toString(
        'base64',
      ),
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  describe('helm install from the mirrored oci:// chart', () => {
    let api: TestKubeApiServer;
    beforeAll(async () => {
      api = await startKubeApiServer();
      await api.request('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'bpa-ns' },
      });
    });
    afterAll(async () => {
      await api?.stop();
    });

    it("installs the release from ECR with the plan's values, the images pointing at ECR", async () => {
      const spec = specFor('bpa');
      const planDir = path.join(lab.workDir, 'plan');
      await writePlan(spec, planDir);
      const result = await deployHelmRelease({
        helm: testHelmBinary(),
        connection: connectWithToken({
          server: api.server,
          token: api.token,
          caData: api.caData,
        }),
        release: 'bpa-rel',
        namespace: 'bpa-ns',
        chart: `oci://${lab.ecr.host}/bpa/bpa-chart`,
        version: '4.0.3-6',
        valuesFile: path.join(planDir, 'helm', 'values.yaml'),
        timeoutMs: 60_000,
        logger: { info: () => {}, warn: () => {} },
        masker: new SecretMasker(),
        registryLogin: await ecrRegistryLogin(ecr),
        tempRoot: lab.workDir,
      });
      expect(result).toMatchObject({
        outcome: 'installed',
        status: 'deployed',
        chart: 'bpa-standin-4.0.3-6',
      });
      const settings = (
        await api.request(
          'GET',
          '/api/v1/namespaces/bpa-ns/configmaps/bpa-rel-settings',
        )
      ).data;
      expect(JSON.parse(settings.images)).toEqual({
        'sase-service': {
          repository: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/bpa/sase-service`,
          tag: '4.0.3-522',
        },
        'workflow-engine': {
          repository: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/bpa/workflow-engine`,
          tag: '4.0.3-17',
        },
      });
    });
  });
});
