import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { simulateSecretsManager } from '@internal/backstage-plugin-bpa-test-utils';
import { listReferences } from '../plan/incluster';
import { inClusterSources } from '../plan/incluster/sources';
import { renderPlan } from '../plan/renderPlan';
import { ensurePostgresSecrets } from './postgresSecrets';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const ROOT = 'bpa/bpa-demo/postgres-root';
const AUTH = 'bpa/bpa-demo/postgres-auth';
const WORKFLOW = 'bpa/bpa-demo/postgres-workflow';

/** A task's log and checkpoints, kept for the assertions. */
function taskStep() {
  const lines: string[] = [];
  const checkpoints = new Map<string, unknown>();
  return {
    lines,
    checkpoints,
    logger: {
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
    },
    async checkpoint<T>(key: string, fn: () => Promise<T>): Promise<T> {
      if (checkpoints.has(key)) return checkpoints.get(key) as T;
      const value = await fn();
      checkpoints.set(key, value);
      return value;
    },
  };
}

describe('ensurePostgresSecrets', () => {
  let sm: ReturnType<typeof simulateSecretsManager>;
  beforeEach(() => {
    sm = simulateSecretsManager();
  });
  afterEach(() => sm.mock.restore());

  const password = (name: string) => JSON.parse(sm.secrets.get(name)!).password;

  it('creates the three secrets the plan reads, each in its own checkpoint, logging names only', async () => {
    const step = taskStep();

    const result = await ensurePostgresSecrets(sm.client(), spec, step);

    expect(result).toEqual({ generated: [ROOT, AUTH, WORKFLOW], kept: [] });
    expect(
      [ROOT, AUTH, WORKFLOW].map(n => JSON.parse(sm.secrets.get(n)!)),
    ).toEqual([
      { username: 'admin', password: expect.stringMatching(/^[\w-]{32}$/) },
      { username: 'kong', password: expect.stringMatching(/^[\w-]{32}$/) },
      { username: 'camunda', password: expect.stringMatching(/^[\w-]{32}$/) },
    ]);
    expect(new Set([ROOT, AUTH, WORKFLOW].map(password)).size).toBe(3);
    const create = sm.mock.commandCalls(CreateSecretCommand)[1].args[0].input;
    expect(create.Description).toBe(
      'PostgreSQL user kong (database kong) of BPA environment bpa-demo',
    );
    expect(create.Tags).toEqual(
      expect.arrayContaining([{ Key: 'bpa:environment', Value: 'bpa-demo' }]),
    );
    expect([...step.checkpoints.keys()]).toEqual([
      `bpa-postgres-secret-${ROOT}`,
      `bpa-postgres-secret-${AUTH}`,
      `bpa-postgres-secret-${WORKFLOW}`,
    ]);
    expect(step.lines).toEqual([
      `info Generated PostgreSQL passwords into Secrets Manager: ${ROOT}, ${AUTH}, ${WORKFLOW}`,
    ]);
    const recorded = [
      step.lines.join('\n'),
      JSON.stringify([...step.checkpoints.values()]),
      JSON.stringify(result),
    ].join('\n');
    for (const name of [ROOT, AUTH, WORKFLOW]) {
      expect(recorded).not.toContain(password(name));
    }
  });

  it('creates exactly the secrets the plan references', () => {
    const referenced = new Set(
      listReferences(
        renderPlan(spec)
          .artifacts.map(a => a.content)
          .join('\n'),
      )
        .filter(r => r.source === 'secretsmanager' && /postgres/.test(r.name))
        .map(r => r.name),
    );
    const sources = inClusterSources(spec);
    expect([...referenced].sort()).toEqual(
      [
        sources.rootPassword.name,
        sources.authPassword.name,
        sources.workflowPassword.name,
      ].sort(),
    );
    expect([...referenced].sort()).toEqual([AUTH, ROOT, WORKFLOW].sort());
  });

  it('never rotates a password that exists: run again, nothing is written', async () => {
    await ensurePostgresSecrets(sm.client(), spec, taskStep());
    const before = [ROOT, AUTH, WORKFLOW].map(password);
    const step = taskStep();

    const result = await ensurePostgresSecrets(sm.client(), spec, step);

    expect(result).toEqual({ generated: [], kept: [ROOT, AUTH, WORKFLOW] });
    expect([ROOT, AUTH, WORKFLOW].map(password)).toEqual(before);
    expect(sm.created()).toHaveLength(3);
    expect(sm.written()).toEqual([]);
    expect(step.checkpoints.size).toBe(0);
    expect(step.lines).toEqual([
      `info Keeping the PostgreSQL passwords already in Secrets Manager: ${ROOT}, ${AUTH}, ${WORKFLOW}`,
    ]);
  });

  it('keeps a secret created meanwhile instead of overwriting it', async () => {
    const step = taskStep();
    // Another attempt of the task created it between the look and the create.
    sm.mock.on(CreateSecretCommand, { Name: AUTH }).callsFake(async () => {
      sm.secrets.set(AUTH, JSON.stringify({ username: 'kong', password: 'p' }));
      const error = new Error('already exists');
      error.name = 'ResourceExistsException';
      throw error;
    });

    const result = await ensurePostgresSecrets(sm.client(), spec, step);

    expect(result).toEqual({ generated: [ROOT, WORKFLOW], kept: [AUTH] });
    expect(password(AUTH)).toBe('p');
    expect(sm.written()).toEqual([]);
  });

  it('stops, naming the way back, at a secret scheduled for deletion', async () => {
    sm.scheduledForDeletion.add(ROOT);

    await expect(
      ensurePostgresSecrets(sm.client(), spec, taskStep()),
    ).rejects.toThrow(
      `Secrets Manager secret ${ROOT} is scheduled for deletion; restore it (aws secretsmanager restore-secret --secret-id ${ROOT}) and run the step again`,
    );
    expect(sm.created()).toEqual([]);
  });

  it('refuses a secret without a password, and one that is not JSON, without quoting it', async () => {
    sm.secrets.set(ROOT, JSON.stringify({ username: 'admin' }));
    await expect(
      ensurePostgresSecrets(sm.client(), spec, taskStep()),
    ).rejects.toThrow(
      `Secrets Manager secret ${ROOT} has no password key; add the PostgreSQL password of user admin to it, or delete it to have one generated`,
    );

    sm.secrets.set(ROOT, 'hunter2-plain-text');
    const failure = ensurePostgresSecrets(sm.client(), spec, taskStep());
    await expect(failure).rejects.toThrow(
      `Secrets Manager secret ${ROOT} does not hold a JSON object`,
    );
    await expect(failure).rejects.not.toThrow('hunter2');
    expect(sm.created()).toEqual([]);
  });
});
