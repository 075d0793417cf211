import fs from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { JsonObject } from '@backstage/types';
import {
  EnvironmentSpec,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { APPLIED_REFERENCE_SPEC_INPUT } from '@internal/backstage-plugin-bpa-test-utils';
import {
  ADMIN,
  OUTSIDER,
  OWNER,
  PROTECTED_ACCOUNT,
  TEMPLATES,
  startCountingAws,
  startPortal,
} from '../__testUtils__/portal';

jest.setTimeout(120_000);

const environment = (
  name: string,
  changes: { owner?: string; accountId?: string } = {},
): EnvironmentSpec =>
  // As "plan and apply" records it (its bastion's AMI pinned), for the deploys.
  parseEnvironmentSpec({
    ...APPLIED_REFERENCE_SPEC_INPUT,
    name,
    ...(changes.owner && { owner: changes.owner }),
    aws: {
      ...APPLIED_REFERENCE_SPEC_INPUT.aws,
      ...(changes.accountId && { accountId: changes.accountId }),
    },
  });
const asJson = (spec: EnvironmentSpec) =>
  JSON.parse(JSON.stringify(spec)) as JsonObject;

/** Owned by platform-team (Pat's group), not by app-team (Sam's). */
const applied = environment('bpa-owned');
const planned = environment('bpa-planned');
const inProtectedAccount = environment('bpa-protected', {
  accountId: PROTECTED_ACCOUNT,
});

const DIRECT = 'template:default/bpa-direct';
const TEARDOWN = 'template:default/bpa-environment-teardown';
const OWNED_BY = 'it is owned by group:default/platform-team';

describe('BPA permissions, through the scaffolder, the catalog and the permission backend with the portal policy', () => {
  let aws: Awaited<ReturnType<typeof startCountingAws>>;
  let portal: Awaited<ReturnType<typeof startPortal>>;

  beforeAll(async () => {
    aws = await startCountingAws();
    portal = await startPortal({
      environments: [
        { spec: applied, state: 'applied' },
        { spec: planned, state: 'planned' },
        { spec: inProtectedAccount, state: 'applied' },
      ],
    });
    for (const ref of [
      'system:default/bpa-owned',
      'system:default/bpa-planned',
      'system:default/bpa-protected',
      DIRECT,
      TEARDOWN,
      'user:default/pat',
      'user:default/sam',
    ]) {
      await portal.waitForEntity(ref);
    }
  });
  afterAll(async () => {
    await portal?.stop();
    await aws?.stop();
  });

  const direct = (
    user: string,
    step: 'plan-apply' | 'deploy' | 'teardown' | 'register',
    spec: EnvironmentSpec,
    state?: string,
  ) =>
    portal.runTask(user, DIRECT, {
      step,
      spec: asJson(spec),
      ...(state && { state }),
      ...(step === 'plan-apply' && {
        certificateArn: `arn:aws:acm:${spec.aws.region}:${spec.aws.accountId}:certificate/0f3c6a2e-8d1b-4c5e-9a7f-2b6d8e4c1a90`,
      }),
    });

  describe("an outsider's apply, change and teardown", () => {
    it('are refused before any cloud call, naming the permission and the owner', async () => {
      const before = aws.requests.length;

      const planAndApply = await direct(OUTSIDER, 'plan-apply', planned);
      const apply = await direct(OUTSIDER, 'deploy', planned);
      const change = await direct(OUTSIDER, 'deploy', applied);
      const teardown = await direct(OUTSIDER, 'teardown', applied);

      // "Plan and apply" is refused at its plan, before its prerequisite checks ask AWS.
      expect(planAndApply.status).toBe('failed');
      expect(planAndApply.log).toContain(
        `user:default/sam may not bpa.environment.apply on environment bpa-planned (system:default/bpa-planned): ${OWNED_BY}`,
      );
      expect(apply.status).toBe('failed');
      expect(apply.log).toContain(
        `NotAllowedError: user:default/sam may not bpa.environment.apply on environment bpa-planned (system:default/bpa-planned): ${OWNED_BY}, in AWS account 123456789012. Nothing was changed.`,
      );
      expect(change.status).toBe('failed');
      expect(change.log).toContain(
        `user:default/sam may not bpa.environment.change on environment bpa-owned (system:default/bpa-owned): ${OWNED_BY}`,
      );
      expect(teardown.status).toBe('failed');
      expect(teardown.log).toContain(
        `user:default/sam may not bpa.environment.teardown on environment bpa-owned (system:default/bpa-owned): ${OWNED_BY}`,
      );
      expect(aws.requests.length).toBe(before);
      // A refusal is a message, not a crash: no stack of source paths.
      expect(teardown.log).not.toMatch(/\n\s+at /);
    });

    it('are refused for a new environment owned by a team they are not in', async () => {
      const before = aws.requests.length;
      const run = await direct(OUTSIDER, 'deploy', environment('bpa-new'));
      expect(run.log).toContain(
        `user:default/sam may not bpa.environment.apply on environment bpa-new as requested: ${OWNED_BY}`,
      );
      expect(aws.requests.length).toBe(before);
    });

    it("are refused in the portal's teardown template, once the environment is read", async () => {
      const before = aws.requests.length;
      const run = await portal.runTask(OUTSIDER, TEARDOWN, {
        environment: 'system:default/bpa-owned',
        confirmation: 'bpa-owned',
        liftDeletionProtection: true,
      });
      expect(run.status).toBe('failed');
      expect(run.log).toContain(
        'Allowed: bpa.environment.read on system:default/bpa-owned for user:default/sam',
      );
      expect(run.log).toContain(
        `user:default/sam may not bpa.environment.teardown on environment bpa-owned (system:default/bpa-owned): ${OWNED_BY}`,
      );
      expect(aws.requests.length).toBe(before);
    });

    it('record no audit event of a mutation', () => {
      expect(
        portal.audit.filter(
          r => r.plugin === 'scaffolder' && r.meta?.actor === OUTSIDER,
        ),
      ).toEqual([]);
    });
  });

  describe("the owner group's member", () => {
    it('is allowed to apply, change and tear down, and goes on to AWS', async () => {
      for (const [step, spec, permission] of [
        ['plan-apply', planned, 'bpa.environment.apply'],
        ['deploy', planned, 'bpa.environment.apply'],
        ['deploy', applied, 'bpa.environment.change'],
        ['teardown', applied, 'bpa.environment.teardown'],
      ] as const) {
        const before = aws.requests.length;
        const run = await direct(OWNER, step, spec);
        expect(run.log).toContain(
          `Allowed: ${permission} on system:default/${spec.name} for user:default/pat`,
        );
        expect(run.log).not.toContain('NotAllowedError');
        // The test's stand-in for AWS refuses every call: the step fails there.
        expect(run.log).toContain('the test stands in for AWS');
        expect(aws.requests.length).toBeGreaterThan(before);
      }
    });

    it("dry-runs the portal's teardown template, whose summary says what its log says", async () => {
      const template = parse(
        await fs.readFile(
          path.join(TEMPLATES, 'bpa-environment-teardown/template.yaml'),
          'utf8',
        ),
      );
      const { status, body } = await portal.dryRun(OWNER, template, {
        environment: 'system:default/bpa-owned',
        confirmation: 'bpa-owned',
        terminateAtlasCluster: true,
      });
      expect(status).toBe(200);
      const log = (body.log as Array<{ body: { message: string } }>)
        .map(l => l.body.message)
        .join('\n');
      expect(log).toContain(
        'Allowed: bpa.environment.teardown on system:default/bpa-owned for user:default/pat',
      );
      expect(log).toContain('TERMINATE Atlas cluster bpa-owned-mongo');
      const summary = (
        body.output.text as Array<{ title: string; content: string }>
      )
        .map(t => `${t.title}: ${t.content}`)
        .join('\n');
      expect(summary).toContain('Dry run: Nothing was changed.');
      expect(summary).toContain(
        'MongoDB Atlas cluster: would be TERMINATED; its backup snapshots would be retained.',
      );
      expect(summary).toContain(
        'would delete bpa-owned-edge, bpa-owned-registry, bpa-owned-data, bpa-owned-cluster, bpa-owned-network',
      );
      expect(summary).not.toContain('Torn down');
      expect(summary).not.toContain('kept, with its data');
    });

    it('is refused in a protected account, which an admin may use', async () => {
      const refused = await direct(OWNER, 'teardown', inProtectedAccount);
      expect(refused.log).toContain(
        `user:default/pat may not bpa.environment.teardown on environment bpa-protected (system:default/bpa-protected): ${OWNED_BY}, in AWS account ${PROTECTED_ACCOUNT} (a protected account: bpa.permissions.protectedAccounts keeps it for the admin groups)`,
      );

      const before = aws.requests.length;
      const admin = await direct(ADMIN, 'teardown', inProtectedAccount);
      expect(admin.log).toContain(
        'Allowed: bpa.environment.teardown on system:default/bpa-protected for user:default/ada',
      );
      expect(aws.requests.length).toBeGreaterThan(before);
    });
  });

  describe('an admin group member', () => {
    it('may apply, change and tear down an environment of another team', async () => {
      for (const [step, spec, permission] of [
        ['plan-apply', planned, 'bpa.environment.apply'],
        ['deploy', planned, 'bpa.environment.apply'],
        ['deploy', applied, 'bpa.environment.change'],
        ['teardown', applied, 'bpa.environment.teardown'],
      ] as const) {
        const run = await direct(ADMIN, step, spec);
        expect(run.log).toContain(
          `Allowed: ${permission} on system:default/${spec.name} for user:default/ada`,
        );
        expect(run.log).toContain('the test stands in for AWS');
      }
    });
  });

  describe('names', () => {
    const fileOf = (name: string) =>
      fs.readFile(path.join(portal.entitiesDirectory, `${name}.yaml`), 'utf8');

    it('are refused to a request with another owner or account, before anything is written', async () => {
      const recorded = await fileOf('bpa-owned');

      const otherOwner = await direct(
        OUTSIDER,
        'register',
        environment('bpa-owned', { owner: 'group:default/app-team' }),
        'planned',
      );
      const otherAccount = await direct(
        OWNER,
        'register',
        environment('bpa-owned', { accountId: '999999999999' }),
        'planned',
      );

      expect(otherOwner.status).toBe('failed');
      expect(otherOwner.log).toContain(
        `ConflictError: The name bpa-owned is held by system:default/bpa-owned (registered in ${path.join(
          portal.entitiesDirectory,
          'bpa-owned.yaml',
        )}: owner group:default/platform-team, AWS account 123456789012); this request has owner group:default/app-team, AWS account 123456789012.`,
      );
      expect(otherAccount.status).toBe('failed');
      expect(otherAccount.log).toContain(
        'this request has owner group:default/platform-team, AWS account 999999999999',
      );
      expect(await fileOf('bpa-owned')).toBe(recorded);
    });

    it("stay with the same environment's request, idempotently", async () => {
      const recorded = await fileOf('bpa-planned');
      const run = await direct(OWNER, 'register', planned, 'planned');
      expect(run.status).toBe('completed');
      expect(run.log).toContain(
        'The catalog shows system:default/bpa-planned as planned',
      );
      expect(await fileOf('bpa-planned')).toBe(recorded);
    });

    it("are not taken over by an outsider's plan of the same owner and account with another request", async () => {
      const recorded = await fileOf('bpa-planned');
      const before = aws.requests.length;
      const bigger = environment('bpa-planned');
      bigger.rds.allocatedStorageGiB += 100;

      const replaced = await direct(OUTSIDER, 'register', bigger, 'planned');
      const same = await direct(OUTSIDER, 'register', planned, 'planned');

      expect(replaced.status).toBe('failed');
      expect(replaced.log).toContain(
        `NotAllowedError: user:default/sam may not bpa.environment.apply on environment bpa-planned (system:default/bpa-planned): ${OWNED_BY}, in AWS account 123456789012. This request differs from the one recorded for it, and replacing that is for whoever may apply it. Nothing was changed.`,
      );
      // The request already recorded is only confirmed: anyone may plan it.
      expect(same.status).toBe('completed');
      expect(await fileOf('bpa-planned')).toBe(recorded);
      expect(aws.requests.length).toBe(before);

      const byOwner = await direct(OWNER, 'register', bigger, 'planned');
      expect(byOwner.status).toBe('completed');
      expect(await fileOf('bpa-planned')).not.toBe(recorded);
      // Back to the request the other tests expect.
      await direct(OWNER, 'register', planned, 'planned');
      expect(await fileOf('bpa-planned')).toBe(recorded);
    });

    it('keep an applied environment applied when it is planned again', async () => {
      const recorded = await fileOf('bpa-owned');
      const run = await direct(OWNER, 'register', applied, 'planned');
      expect(run.status).toBe('completed');
      expect(run.log).toContain(
        'bpa-owned is applied: the catalog keeps its applied request until an apply of this one completes',
      );
      expect(await fileOf('bpa-owned')).toBe(recorded);
    });
  });

  it('audits each mutation: the operation from start to end and each resource, with who did it', async () => {
    const fresh = environment('bpa-fresh');
    const run = await direct(OWNER, 'register', fresh, 'applied');
    expect(run.status).toBe('completed');

    const records = portal.audit.filter(
      r => r.plugin === 'scaffolder' && r.meta?.environment === 'bpa-fresh',
    );
    const who = {
      actor: OWNER,
      environment: 'bpa-fresh',
      entityRef: 'system:default/bpa-fresh',
      owner: 'group:default/platform-team',
      accountId: '123456789012',
      operation: 'apply',
      permission: 'bpa.environment.apply',
      action: 'bpa:catalog:register',
      taskId: run.taskId,
      step: 'register',
    };
    expect(
      records.map(r => ({
        eventId: r.eventId,
        status: r.status,
        meta: r.meta,
      })),
    ).toEqual([
      { eventId: 'environment-apply', status: 'initiated', meta: who },
      {
        eventId: 'environment-resource',
        status: 'initiated',
        meta: { ...who, checkpoint: 'bpa.catalog.register.bpa-fresh.applied' },
      },
      {
        eventId: 'environment-resource',
        status: 'succeeded',
        meta: { ...who, checkpoint: 'bpa.catalog.register.bpa-fresh.applied' },
      },
      { eventId: 'environment-apply', status: 'succeeded', meta: who },
    ]);

    // A failed step is recorded as failed, with its error.
    const failed = portal.audit.filter(
      r =>
        r.eventId === 'environment-change' &&
        r.meta?.actor === OWNER &&
        r.status === 'failed',
    );
    expect(failed[0]?.error).toContain('the test stands in for AWS');
  });

  describe('scaffolder tasks', () => {
    it('are cancelled, retried and read by their creator or an admin only', async () => {
      const run = await direct(OWNER, 'register', planned, 'planned');
      const task = `/scaffolder/v2/tasks/${run.taskId}`;

      expect((await portal.call(OUTSIDER, 'GET', task)).status).toBe(403);
      expect(
        (await portal.call(OUTSIDER, 'POST', `${task}/cancel`)).status,
      ).toBe(403);
      expect(
        (await portal.call(OUTSIDER, 'POST', `${task}/retry`, {})).status,
      ).toBe(403);

      expect((await portal.call(OWNER, 'GET', task)).status).toBe(200);
      expect((await portal.call(ADMIN, 'GET', task)).status).toBe(200);
      expect((await portal.call(ADMIN, 'POST', `${task}/cancel`)).status).toBe(
        200,
      );
    });
  });
});
