import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ECRClient } from '@aws-sdk/client-ecr';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { environmentRepositories } from '@internal/backstage-plugin-bpa-node';
import {
  capturingLogger,
  MirrorLab,
  startMirrorLab,
  testSkopeoBinary,
  writePlan,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createEcrMirrorAction, EcrMirrorActionOptions } from './ecrMirror';

jest.setTimeout(180_000);

const credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'not-a-real-key',
};

describe('bpa:ecr:mirror', () => {
  let lab: MirrorLab;
  let workspacePath: string;
  const ecr = jest.fn(
    async () => new ECRClient({ region: 'us-east-1', credentials }),
  );
  const s3 = jest.fn(async () => {
    throw new Error('no S3 in this test');
  });
  const checkpoints = new Map<string, unknown>();

  const specWith = (ecrFields: object = {}): JsonObject =>
    ({
      ...REFERENCE_SPEC_INPUT,
      ecr: {
        sourceRegistry: `${lab.source.host}/bpa`,
        images: lab.images.map(i => ({ name: i.name, tag: i.tag })),
        ...ecrFields,
      },
      bpa: { ...REFERENCE_SPEC_INPUT.bpa, chart: lab.chart },
    } as unknown as JsonObject);

  const run = async (
    input: JsonObject,
    extra: {
      secrets?: Record<string, string>;
      options?: Partial<EcrMirrorActionOptions>;
      isDryRun?: boolean;
    } = {},
  ) => {
    await writePlan(
      parseEnvironmentSpec(input.spec),
      path.join(workspacePath, 'bpa-plan'),
    );
    const { logger, lines } = capturingLogger();
    const outputs: Record<string, any> = {};
    const ctx = {
      ...createMockActionContext({
        workspacePath,
        input,
        logger,
        secrets: extra.secrets,
      }),
      isDryRun: extra.isDryRun ?? false,
      async checkpoint({ key, fn }: { key: string; fn: () => Promise<any> }) {
        if (checkpoints.has(key)) return checkpoints.get(key);
        const value = await fn();
        checkpoints.set(key, value);
        return value;
      },
    };
    (ctx.output as jest.Mock).mockImplementation((name, value) => {
      outputs[name] = value;
    });
    let error: Error | undefined;
    try {
      await createEcrMirrorAction({
        skopeoBinary: testSkopeoBinary(),
        registries: [{ host: lab.source.host, tlsVerify: false }],
        ecr,
        s3,
        tempRoot: lab.workDir,
        ...extra.options,
      }).handler(ctx as any);
    } catch (e) {
      error = e as Error;
    }
    return { outputs, lines, error };
  };

  const secrets = () => ({
    sourceRegistryUsername: lab.source.username!,
    sourceRegistryPassword: lab.source.password!,
  });
  const allLines: string[] = [];
  const allOutputs: unknown[] = [];

  beforeAll(async () => {
    lab = await startMirrorLab({
      accountId: '123456789012',
      region: 'us-east-1',
      repositories: ['bpa', 'bpa-config'].flatMap(prefix =>
        environmentRepositories(
          parseEnvironmentSpec({
            ...REFERENCE_SPEC_INPUT,
            ecr: {
              repositoryPrefix: prefix,
              images: [{ name: 'sase-service', tag: '1' }],
            },
          }),
        ),
      ),
      images: [
        {
          name: 'sase-service',
          tag: '4.0.3-522',
          platforms: ['amd64', 'arm64'],
        },
      ],
    });
    workspacePath = await fs.mkdtemp(
      path.join(os.tmpdir(), 'bpa-mirror-action-'),
    );
  });
  afterAll(async () => {
    await lab?.stop();
    if (workspacePath)
      await fs.rm(workspacePath, { recursive: true, force: true });
  });
  beforeEach(() => ecr.mockClear());

  it('refuses half a login, a missing archive or a missing skopeo before any cloud call', async () => {
    const half = await run(
      { spec: specWith() },
      { secrets: { sourceRegistryUsername: 'robot' } },
    );
    expect(half.error?.name).toBe('InputError');
    expect(half.error?.message).toBe(
      "Give both task secrets sourceRegistryUsername and sourceRegistryPassword (the source registry's user and password), or neither",
    );
    const archive = await run({
      spec: specWith({ sourceRegistry: undefined, archives: 'bpa-package' }),
    });
    expect(archive.error?.message).toMatch(
      /^The image archive bpa-package\/sase-service_4\.0\.3-522\.tar is not in the workspace/,
    );
    const noSkopeo = await run(
      { spec: specWith() },
      { options: { skopeoBinary: '/opt/nowhere/skopeo' } },
    );
    expect(noSkopeo.error?.message).toMatch(
      /^skopeo at \/opt\/nowhere\/skopeo \(bpa\.skopeo\.binary\) does not run/,
    );
    expect(ecr).not.toHaveBeenCalled();
  });

  it('says in a dry run what it would copy, without any cloud call', async () => {
    const { lines, outputs, error } = await run(
      { spec: specWith() },
      { secrets: secrets(), isDryRun: true },
    );
    expect(error).toBeUndefined();
    expect(lines).toContainEqual(
      `info Dry run: would copy image docker://${lab.source.host}/bpa/sase-service:4.0.3-522 → 123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/sase-service:4.0.3-522 (all platforms, by digest), unless ECR already holds its digest`,
    );
    expect(lines).toContainEqual(
      `info Dry run: would copy chart ${lab.chart}:4.0.3-6 → 123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart:4.0.3-6 (all platforms, by digest), unless ECR already holds its digest`,
    );
    expect(outputs).toEqual({
      chart: 'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart',
      chartVersion: '4.0.3-6',
    });
    expect(ecr).not.toHaveBeenCalled();
  });

  it("copies with the task's secrets as the source login, then copies nothing the second time", async () => {
    const first = await run({ spec: specWith() }, { secrets: secrets() });
    expect(first.error).toBeUndefined();
    expect(first.lines).toContainEqual(
      `info Source registry ${lab.source.host}: credentials from the task's secrets sourceRegistryUsername and sourceRegistryPassword`,
    );
    expect(first.outputs).toMatchObject({
      chart: 'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa/bpa-chart',
      chartVersion: '4.0.3-6',
      copied: 2,
      present: 0,
    });
    expect(first.outputs.images[0]).toMatchObject({
      name: 'sase-service',
      target: `${lab.ecr.host}/bpa/sase-service:4.0.3-522`,
      digest: lab.images[0].layout.digest,
      outcome: 'copied',
      platforms: 2,
    });
    expect(ecr).toHaveBeenCalledWith({
      accountId: '123456789012',
      region: 'us-east-1',
    });
    const second = await run({ spec: specWith() }, { secrets: secrets() });
    expect(second.outputs).toMatchObject({ copied: 0, present: 2 });
    expect(second.lines).toContainEqual(
      'info ECR mirror done: 0 copied, 2 already there',
    );
    allLines.push(...first.lines, ...second.lines);
    allOutputs.push(first.outputs, second.outputs);
  });

  it('takes the login from app-config when the task has none, and says that the source refused an anonymous pull', async () => {
    const anonymous = await run({
      spec: specWith({ repositoryPrefix: 'bpa-config' }),
    });
    expect(anonymous.lines).toContainEqual(
      `info Source registry ${lab.source.host}: credentials from none (anonymous pull)`,
    );
    expect(anonymous.error?.message).toContain(
      `Nothing was copied into ECR ${lab.ecr.host}:\n- Reading image sase-service from docker://${lab.source.host}/bpa/sase-service:4.0.3-522 failed:`,
    );
    expect(anonymous.error?.message).toMatch(
      /unauthorized|authentication required/,
    );
    const configured = await run(
      { spec: specWith({ repositoryPrefix: 'bpa-config' }) },
      {
        options: {
          registries: [
            {
              host: lab.source.host,
              username: lab.source.username,
              password: lab.source.password,
              tlsVerify: false,
            },
          ],
        },
      },
    );
    expect(configured.error).toBeUndefined();
    expect(configured.lines).toContainEqual(
      `info Source registry ${lab.source.host}: credentials from app-config bpa.mirror.registries`,
    );
    expect(configured.outputs.copied).toBe(2);
    allLines.push(...anonymous.lines, ...configured.lines);
    allOutputs.push(configured.outputs);
  });

  it("never writes the source registry's password or ECR's into the log or the outputs", () => {
    const text = `${allLines.join('\n')}\n${JSON.stringify(allOutputs)}`;
    expect(allLines.length).toBeGreaterThan(10);
    expect(text).not.toContain(lab.source.password);
    expect(text).not.toContain(lab.ecr.password);
  });
});
