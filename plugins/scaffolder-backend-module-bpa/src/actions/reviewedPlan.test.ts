import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import {
  PlanDigest,
  planDigestOf,
  renderPlan,
} from '@internal/backstage-plugin-bpa-node';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  capturingLogger,
} from '@internal/backstage-plugin-bpa-test-utils';
import {
  AwsTestEnvironment,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { createDatabaseBootstrapAction } from './databaseBootstrap';
import { createHelmReleaseAction } from './helmRelease';
import { createEcrMirrorAction } from './ecrMirror';
import { createKubernetesBootstrapAction } from './kubernetesBootstrap';
import { createPlanEnvironmentAction } from './planEnvironment';

/**
 * What a task recovered on another replica, or retried, finds: a workspace
 * without the plan. Every step that applies the plan takes the digest the
 * plan step recorded, renders the plan again from the request, and applies
 * it only if it is the previewed one.
 */

/** The request the steps are given (REFERENCE_SPEC): its bastion AMI pinned. */
const spec = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
/** A digest recorded by a portal whose renderer gave another network template. */
const digestOfAnotherRenderer = (): PlanDigest =>
  planDigestOf(
    renderPlan(spec).artifacts.map(a =>
      a.path === 'cloudformation/network.yaml'
        ? { ...a, content: a.content.replace('10.0.0.0/16', '10.1.0.0/16') }
        : a,
    ),
  );

describe('bpa:aws:deploy with the digest of the previewed plan', () => {
  let env: AwsTestEnvironment;
  let planDigest: PlanDigest;
  let previewedNetwork: string;
  const planFile = (p: string) =>
    path.join(env.workspacePath, 'bpa-plan', ...p.split('/'));

  beforeEach(async () => {
    env = await awsTestEnvironment();
    const planned = await env.run(createPlanEnvironmentAction(), {
      spec: REFERENCE_SPEC,
    });
    planDigest = planned.outputs.planDigest;
    previewedNetwork = await fs.readFile(
      planFile('cloudformation/network.yaml'),
      'utf8',
    );
  });
  afterEach(() => env.cleanup());

  const deploy = (digest: PlanDigest) =>
    env.run(createAwsDeployAction(env.actionOptions), {
      spec: REFERENCE_SPEC,
      stacks: ['network'],
      planDigest: digest as unknown as JsonObject,
    });

  it('deploys the previewed template when the workspace has lost the plan', async () => {
    await fs.rm(path.join(env.workspacePath, 'bpa-plan'), { recursive: true });

    const { error, lines } = await deploy(planDigest);

    expect(error).toBeUndefined();
    expect(env.aws.inputsOf('CreateChangeSet')).toEqual([
      expect.objectContaining({ TemplateBody: previewedNetwork }),
    ]);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^info The workspace had lost the plan: rendered (\d+) of its \1 files again from the request into bpa-plan, byte for byte the previewed plan [0-9a-f]{12}$/,
      ),
    );
    expect(
      await fs.readFile(planFile('cloudformation/network.yaml'), 'utf8'),
    ).toBe(previewedNetwork);
  });

  it('refuses a template changed in the workspace after the plan step, naming it, before any AWS call', async () => {
    await fs.appendFile(
      planFile('cloudformation/network.yaml'),
      '\nOutputs: {}\n',
    );

    const { error } = await deploy(planDigest);

    expect(error?.message).toContain(
      'bpa-plan/cloudformation/network.yaml changed after bpa:environment:plan wrote it. Nothing was applied.',
    );
    expect(env.aws.callCount()).toBe(0);
  });

  it('refuses, naming the file, when the lost plan renders differently from the previewed one (a portal upgrade in between), before any AWS call', async () => {
    await fs.rm(path.join(env.workspacePath, 'bpa-plan'), { recursive: true });

    const { error } = await deploy(digestOfAnotherRenderer());

    expect(error?.message).toContain(
      'bpa-plan/cloudformation/network.yaml (differs)',
    );
    expect(error?.message).toContain('Nothing was applied.');
    expect(env.aws.callCount()).toBe(0);
    await expect(
      fs.access(planFile('cloudformation/network.yaml')),
    ).rejects.toThrow();
  });
});

describe('the in-cluster steps and the mirror with the digest of the previewed plan (dry run)', () => {
  let workspacePath: string;
  let planDigest: PlanDigest;
  const noCluster = {
    connect: async () => {
      throw new Error('a dry run does not connect');
    },
  };
  const steps = [
    ['bpa:kubernetes:bootstrap', 'kubernetes/30-secrets.yaml'],
    ['bpa:database:bootstrap', 'kubernetes/40-database-bootstrap.yaml'],
    ['bpa:helm:release', 'helm/values.yaml'],
    ['bpa:ecr:mirror', 'ecr/mirror.yaml'],
  ] as const;
  const actionOf = (id: (typeof steps)[number][0]) =>
    ({
      'bpa:kubernetes:bootstrap': () =>
        createKubernetesBootstrapAction({
          connector: noCluster,
          referenceValues: {
            forEnvironment: async () => {
              throw new Error('a dry run resolves nothing');
            },
          },
          secretsManager: async () => {
            throw new Error('a dry run reads no secret');
          },
        }),
      'bpa:database:bootstrap': () =>
        createDatabaseBootstrapAction({
          connector: noCluster,
          referenceValues: {
            forEnvironment: async () => {
              throw new Error('a dry run resolves nothing');
            },
          },
        }),
      'bpa:helm:release': () =>
        createHelmReleaseAction({
          connector: noCluster,
          helmBinary: '/nonexistent/helm',
        }),
      'bpa:ecr:mirror': () =>
        createEcrMirrorAction({
          skopeoBinary: '/nonexistent/skopeo',
          registries: [],
          ecr: async () => {
            throw new Error('a dry run calls no ECR');
          },
          s3: async () => {
            throw new Error('a dry run reads no archive');
          },
        }),
    }[id]());

  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-reviewed-'));
    planDigest = planDigestOf(renderPlan(spec).artifacts);
  });
  afterEach(() => fs.rm(workspacePath, { recursive: true, force: true }));

  const run = (id: (typeof steps)[number][0], digest: PlanDigest) => {
    const { logger, lines } = capturingLogger({ fields: false });
    const ctx = {
      ...createMockActionContext({
        workspacePath,
        logger,
        input: {
          spec: REFERENCE_SPEC,
          planDigest: digest as unknown as JsonObject,
        },
      }),
      isDryRun: true,
    };
    return actionOf(id)
      .handler(ctx as any)
      .then(
        () => ({ lines, error: undefined }),
        (error: Error) => ({ lines, error }),
      );
  };

  it.each(steps)(
    '%s renders the lost plan again and reads %s from it',
    async (id, file) => {
      const { error } = await run(id, planDigest);

      expect(error).toBeUndefined();
      expect(
        await fs.readFile(path.join(workspacePath, 'bpa-plan', file), 'utf8'),
      ).toBe(renderPlan(spec).artifacts.find(a => a.path === file)!.content);
    },
  );

  it.each(steps)(
    '%s refuses %s changed in the workspace, naming it',
    async (id, file) => {
      await run(id, planDigest);
      await fs.appendFile(path.join(workspacePath, 'bpa-plan', file), '\n#\n');

      const { error } = await run(id, planDigest);

      expect(error?.message).toContain(
        `bpa-plan/${file} changed after bpa:environment:plan wrote it`,
      );
    },
  );
});
