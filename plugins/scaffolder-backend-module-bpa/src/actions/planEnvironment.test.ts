import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { planDigestOf, renderPlan } from '@internal/backstage-plugin-bpa-node';
import {
  SimulatedAws,
  VirtualClock,
  simulateAws,
  taskCheckpoints,
  testHelmBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { FakeAtlas } from '../__testUtils__/atlas';
import { testAwsClientFactory } from '../__testUtils__/aws';
import { createPlanEnvironmentAction } from './planEnvironment';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter(e => e.isFile())
    .map(e => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

const reference = REFERENCE_SPEC_INPUT as unknown as JsonObject;
const AMI = 'ami-0123456789abcdef0';
const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0b5c1f7e-3c9a-4a11-9d3e-5f0c2a7b8e91';

describe('bpa:environment:plan', () => {
  let workspacePath: string;
  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-plan-'));
  });
  afterEach(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
  });

  const action = createPlanEnvironmentAction();

  it('writes every artifact of the reference environment and outputs the summary', async () => {
    const ctx = createMockActionContext({
      workspacePath,
      input: { spec: reference, mode: 'plan', outputDir: 'bpa-plan' },
    });
    await action.handler(ctx as any);

    const files = await listFiles(path.join(workspacePath, 'bpa-plan'));
    for (const expected of [
      'cloudformation/network.yaml',
      'cloudformation/cluster.yaml',
      'cloudformation/data.yaml',
      'cloudformation/registry.yaml',
      'cloudformation/edge.yaml',
      'iam/node-ecr-pull-policy.json',
      'database/bootstrap.sql',
      'bpa/env/environment.txt',
      'helm/values.yaml',
      'SUMMARY.md',
    ]) {
      expect(files).toContain(expected);
    }
    expect(files.some(f => f.startsWith('kubernetes/'))).toBe(true);
    expect(files.some(f => /^nodes\/node-4\//.test(f))).toBe(true);

    const outputs = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
    expect(outputs.environment).toBe('bpa-demo');
    expect(outputs.planDirectory).toBe('bpa-plan');
    expect(outputs.summary).toContain('BPA environment `bpa-demo`');
    expect(outputs.summary).toContain('db.m5d.2xlarge');
    expect(outputs.summary).toContain('M30');
    expect(outputs.resourceCount).toBeGreaterThan(50);
    expect(
      outputs.artifacts.map((a: { path: string }) => a.path).sort(),
    ).toEqual(files);
    // What is previewed is what is applied: the summary file is the output.
    expect(
      await fs.readFile(
        path.join(workspacePath, 'bpa-plan/SUMMARY.md'),
        'utf8',
      ),
    ).toBe(outputs.summary);
  });

  it('renders the same bytes for the same request', async () => {
    const run = async (dir: string) => {
      await action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec: reference, outputDir: dir },
        }) as any,
      );
      const files = await listFiles(path.join(workspacePath, dir));
      return Promise.all(
        files.map(async f => [
          f,
          await fs.readFile(path.join(workspacePath, dir, f), 'utf8'),
        ]),
      );
    };
    expect(await run('a')).toEqual(await run('b'));
  });

  it.each([
    [
      'a world-open admin CIDR',
      { network: { adminCidr: '0.0.0.0/0' } },
      'network.adminCidr',
    ],
    [
      'an EKS version AWS no longer offers',
      { cluster: { kubernetesVersion: '1.27' } },
      'cluster.kubernetesVersion',
    ],
    [
      'a pod CIDR inside the VPC',
      { network: { adminCidr: '203.0.113.0/24', podCidr: '10.0.0.0/16' } },
      'network.podCidr',
    ],
    ['no owner', { owner: undefined }, 'owner'],
    ['an uppercase name', { name: 'BPA-Prod' }, 'name'],
  ])(
    'refuses %s, naming the field, and writes nothing',
    async (_what, change, field) => {
      const spec = {
        ...REFERENCE_SPEC_INPUT,
        ...change,
        network: {
          ...REFERENCE_SPEC_INPUT.network,
          ...(change as any).network,
        },
      };
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: spec as unknown as JsonObject },
      });
      await expect(action.handler(ctx as any)).rejects.toThrow(field);
      expect(await listFiles(workspacePath)).toEqual([]);
      expect(ctx.output).not.toHaveBeenCalled();
    },
  );

  it('plans the same bytes for "plan and apply" as for "plan only" when the request records its bastion AMI', async () => {
    const pinned = {
      ...reference,
      network: { ...REFERENCE_SPEC_INPUT.network, bastionImageId: AMI },
    };
    const run = async (dir: string, input: JsonObject) => {
      await action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec: pinned, outputDir: dir, ...input },
        }) as any,
      );
      const files = await listFiles(path.join(workspacePath, dir));
      return Promise.all(
        files.map(async f => [
          f,
          await fs.readFile(path.join(workspacePath, dir, f), 'utf8'),
        ]),
      );
    };
    const planned = await run('plan', { mode: 'plan' });
    expect(planned.length).toBeGreaterThan(10);
    expect(
      await run('apply', { mode: 'apply', certificateArn: CERTIFICATE_ARN }),
    ).toEqual(planned);
  });

  it.each([
    [
      'no certificate',
      undefined,
      `certificateArn: "plan and apply" needs the ACM certificate of the load balancer's HTTPS listeners (account 123456789012, region us-east-1); give its ARN on the Ingress page`,
    ],
    [
      'something else than an ACM certificate',
      'arn:aws:iam::123456789012:server-certificate/bpa',
      'certificateArn: "arn:aws:iam::123456789012:server-certificate/bpa" is not an ACM certificate ARN',
    ],
    [
      'a certificate of another region',
      CERTIFICATE_ARN.replace('us-east-1', 'eu-west-1'),
      'certificateArn: the certificate is in account 123456789012, region eu-west-1; the load balancer needs one in account 123456789012, region us-east-1',
    ],
  ])(
    'refuses "plan and apply" with %s, before writing anything',
    async (_what, certificateArn, message) => {
      const ctx = createMockActionContext({
        workspacePath,
        input: {
          spec: reference,
          mode: 'apply',
          ...(certificateArn ? { certificateArn } : {}),
        },
      });
      await expect(action.handler(ctx as any)).rejects.toThrow(message);
      expect(await listFiles(workspacePath)).toEqual([]);
    },
  );

  it('outputs the digest of the files it wrote, for the apply steps to check', async () => {
    const ctx = createMockActionContext({
      workspacePath,
      input: { spec: reference },
    });
    await action.handler(ctx as any);

    const { planDigest } = Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls,
    );
    const dir = path.join(workspacePath, 'bpa-plan');
    const written = await Promise.all(
      (
        await listFiles(dir)
      ).map(async p => ({
        path: p,
        content: await fs.readFile(path.join(dir, p), 'utf8'),
      })),
    );
    expect(planDigest).toEqual(planDigestOf(written));
  });

  it('refuses a re-run that renders another plan than the one the task recorded first, naming the file, and writes nothing', async () => {
    const first = planDigestOf(
      renderPlan(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)).artifacts.map(a =>
        a.path === 'database/bootstrap.sql'
          ? { ...a, content: `${a.content}-- an older portal\n` }
          : a,
      ),
    );
    const ctx = {
      ...createMockActionContext({ workspacePath, input: { spec: reference } }),
      // The task's checkpoint from its first run, on a portal that rendered the SQL differently.
      checkpoint: async () => first,
    };

    await expect(action.handler(ctx as any)).rejects.toThrow(
      `This task recorded plan ${first.sha256.slice(
        0,
        12,
      )} on its first run, and the portal now renders a different one from the same request: bpa-plan/database/bootstrap.sql (differs).`,
    );
    expect(await listFiles(workspacePath)).toEqual([]);
  });

  it('keeps the plan inside the workspace', async () => {
    const ctx = createMockActionContext({
      workspacePath,
      input: { spec: reference, outputDir: '../outside' },
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(/outside/);
  });

  it('refuses, writing nothing, a change the applied environment cannot take in place, saying why and what to do', async () => {
    const ctx = createMockActionContext({
      workspacePath,
      input: {
        spec: { ...reference, cluster: { kubernetesVersion: '1.35' } },
        recordedSpec: { ...reference, cluster: { kubernetesVersion: '1.33' } },
      },
    });
    await expect(action.handler(ctx as any)).rejects.toThrow(
      'This change cannot be made to the applied environment bpa-demo; nothing was written: cluster.kubernetesVersion: EKS upgrades a cluster one minor version at a time: plan 1.34 first, then 1.35',
    );
    expect(await listFiles(workspacePath)).toEqual([]);
    const next = createMockActionContext({
      workspacePath,
      input: {
        spec: { ...reference, cluster: { kubernetesVersion: '1.34' } },
        recordedSpec: { ...reference, cluster: { kubernetesVersion: '1.33' } },
      },
    });
    await action.handler(next as any);
    expect(await listFiles(workspacePath)).toContain('bpa-plan/SUMMARY.md');
  });

  describe('completing the request', () => {
    const parameter =
      '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
    let aws: SimulatedAws;
    beforeEach(() => {
      aws = simulateAws({
        clock: new VirtualClock(),
        accountId: '123456789012',
        region: 'us-east-1',
      });
      aws.ssm.setParameter(parameter, 'ami-0aaaaaaaaaaaaaaaa');
    });
    afterEach(() => aws.restore());

    /** Runs the step like a task does: checkpoints kept across runs of the same task. */
    const runStep = async (
      step: ReturnType<typeof createPlanEnvironmentAction>,
      input: JsonObject,
      task = taskCheckpoints(),
    ) => {
      const ctx = createMockActionContext({ workspacePath, input });
      const outputs: Record<string, any> = {};
      (ctx.output as jest.Mock).mockImplementation((k, v) => {
        outputs[k] = v;
      });
      await step.handler({ ...ctx, checkpoint: task.checkpoint } as any);
      const network = await fs.readFile(
        path.join(
          workspacePath,
          (input.outputDir as string) ?? 'bpa-plan',
          'cloudformation/network.yaml',
        ),
        'utf8',
      );
      return { outputs, network };
    };
    const apply = { mode: 'apply', certificateArn: CERTIFICATE_ARN };
    /** Everything "plan and apply" needs: the simulated account, Atlas, the real helm. */
    const ready = () => ({
      awsClients: testAwsClientFactory(),
      atlas: new FakeAtlas(),
      helmBinary: testHelmBinary(),
    });

    it('pins the bastion AMI once when planning for apply, records it in the request it outputs, and keeps it on later runs', async () => {
      const step = createPlanEnvironmentAction({
        applyPrerequisites: ready(),
      });
      const task = taskCheckpoints();
      const first = await runStep(step, { spec: reference, ...apply }, task);
      expect(first.outputs.spec.network.bastionImageId).toBe(
        'ami-0aaaaaaaaaaaaaaaa',
      );
      expect(first.network).toContain('ImageId: ami-0aaaaaaaaaaaaaaaa');
      expect(first.outputs.summary).toContain('`ami-0aaaaaaaaaaaaaaaa`');

      // AWS publishes a newer AMI; a retry of the same task and a later run with the recorded request keep the pinned one.
      aws.ssm.setParameter(parameter, 'ami-0bbbbbbbbbbbbbbbb');
      const retried = await runStep(step, { spec: reference, ...apply }, task);
      expect(retried.outputs.spec.network.bastionImageId).toBe(
        'ami-0aaaaaaaaaaaaaaaa',
      );
      const later = await runStep(step, {
        spec: first.outputs.spec,
        ...apply,
      });
      expect(later.network).toContain('ImageId: ami-0aaaaaaaaaaaaaaaa');
      expect(aws.inputsOf('GetParameter')).toEqual([{ Name: parameter }]);

      // A change planned against the recorded request keeps it too, unless the change names another.
      const change = await runStep(step, {
        spec: {
          ...reference,
          rds: { allocatedStorageGiB: 400 },
        },
        recordedSpec: first.outputs.spec,
        ...apply,
      });
      expect(change.outputs.spec.network.bastionImageId).toBe(
        'ami-0aaaaaaaaaaaaaaaa',
      );
      expect(aws.inputsOf('GetParameter')).toHaveLength(1);

      // Changed only when the request says so.
      const changed = await runStep(step, {
        spec: {
          ...first.outputs.spec,
          network: { ...first.outputs.spec.network, bastionImageId: AMI },
        },
        ...apply,
      });
      expect(changed.network).toContain(`ImageId: ${AMI}`);
    });

    it('makes no AWS call when only planning, and says when the AMI gets pinned', async () => {
      const step = createPlanEnvironmentAction({
        applyPrerequisites: ready(),
      });
      const planned = await runStep(step, { spec: reference, mode: 'plan' });
      expect(aws.callCount()).toBe(0);
      expect(planned.outputs.spec.network.bastionImageId).toBeUndefined();
      expect(planned.outputs.summary).toContain(
        'pinned when the request is planned for apply',
      );
    });

    it("admits the portal's configured egress CIDRs on the API server's public endpoint, unless the request names its own", async () => {
      const step = createPlanEnvironmentAction({
        portalEgressCidrs: ['198.51.100.16/28'],
      });
      const configured = await runStep(step, {
        spec: reference,
        outputDir: 'a',
      });
      expect(configured.outputs.spec.network.portalEgressCidrs).toEqual([
        '198.51.100.16/28',
      ]);
      const cluster = await fs.readFile(
        path.join(workspacePath, 'a', 'cloudformation/cluster.yaml'),
        'utf8',
      );
      expect(cluster).toMatch(
        /PublicAccessCidrs:\n\s+- 203\.0\.113\.0\/24\n\s+- 198\.51\.100\.16\/28\n/,
      );
      const own = await runStep(step, {
        spec: {
          ...reference,
          network: {
            ...REFERENCE_SPEC_INPUT.network,
            portalEgressCidrs: ['192.0.2.0/28'],
          },
        },
        outputDir: 'b',
      });
      expect(own.outputs.spec.network.portalEgressCidrs).toEqual([
        '192.0.2.0/28',
      ]);
    });
  });
});
