import fs from 'node:fs';
import { BPA_STATE_ANNOTATION } from '@internal/backstage-plugin-bpa-common';
import { Portal, Replica, startPortal } from './harness/portal';
import {
  catalogSystem,
  environmentRequest,
  liveStatus,
  partsNotOk,
  waitForTemplates,
} from './harness/requests';
import {
  EnvironmentUnderTest,
  creations,
  deletions,
  environmentUnderTest,
  inventory,
  normalize,
  secretPasswords,
} from './harness/resources';
import {
  KillRecord,
  afterStep,
  insideStep,
  killAtEachPoint,
} from './harness/restarts';
import {
  TaskEvent,
  TaskRow,
  Tasks,
  signIn,
  stepStatuses,
} from './harness/tasks';
import { World, startWorld } from './harness/world';

jest.setTimeout(30 * 60_000);

const STEPS = [
  'plan',
  'register',
  'atlasCluster',
  'network',
  'stacks',
  'privateEndpoint',
  'stacksReady',
  'atlasReady',
  'bootstrap',
  'database',
  'release',
  'registerApplied',
];

/** What a clean apply of an environment creates, each exactly once (names with `<env>`). */
const CLEAN_APPLY_CREATES = [
  ...['network', 'cluster', 'data', 'registry', 'edge'].flatMap(kind => [
    `aws change set of stack <env>-${kind}`,
    `aws execution of stack <env>-${kind}`,
  ]),
  'aws secret bpa/<env>/mongodb',
  'aws secret value of bpa/<env>/mongodb',
  'aws secret bpa/<env>/postgres-root',
  'aws secret bpa/<env>/postgres-auth',
  'aws secret bpa/<env>/postgres-workflow',
  'atlas cluster',
  'atlas database user',
  'atlas endpoint service',
  'atlas private endpoint',
];

/** What the uninterrupted apply left, for the interrupted ones to match. */
const clean: { creations?: string[]; inventory?: string[] } = {};

const normalizedKeys = (
  counts: Record<string, number>,
  env: EnvironmentUnderTest,
) =>
  Object.keys(counts)
    .map(k => normalize(k, env.name))
    .sort();

/** The task completed; otherwise each failed step's message shows. */
function expectCompleted(task: TaskRow, events: TaskEvent[]) {
  expect(
    events
      .filter(e => e.body.status === 'failed')
      .map(e => `${e.body.stepId}: ${e.body.message}`),
  ).toEqual([]);
  expect(task.status).toBe('completed');
}

/** Every resource of the environment created exactly once, nothing deleted; the resources' names. */
function expectEachCreatedOnce(world: World, env: EnvironmentUnderTest) {
  const created = creations(world, env);
  expect(
    Object.entries(created)
      .filter(([, n]) => n !== 1)
      .map(([k, n]) => `${normalize(k, env.name)}: ${n}`),
  ).toEqual([]);
  expect(deletions(world, env)).toEqual({});
  return normalizedKeys(created, env);
}

/** The same resources as the uninterrupted apply created, and the same left standing: no duplicate, no orphan. */
async function expectSameAsUninterrupted(
  world: World,
  env: EnvironmentUnderTest,
) {
  expect(clean.creations).toBeDefined();
  expect(expectEachCreatedOnce(world, env)).toEqual(clean.creations);
  expect(await inventory(world, env)).toEqual(clean.inventory);
}

/** The catalog shows the environment applied, and its live status OK for every part. */
async function expectAppliedAndLive(
  replica: Replica,
  token: string,
  env: EnvironmentUnderTest,
) {
  const system = await catalogSystem(replica, token, env);
  expect(system?.metadata.annotations?.[BPA_STATE_ANNOTATION]).toBe('applied');
  const status = await liveStatus(replica, token, env);
  expect(status).toMatchObject({ state: 'applied', live: true });
  expect(partsNotOk(status)).toEqual([]);
}

describe('"BPA environment on Amazon EKS", plan and apply, through the real scaffolder backend', () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld({ msPerMinute: 1000 });
  });
  afterAll(async () => {
    await world?.stop();
  });

  describe('one uninterrupted apply', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;

    beforeAll(async () => {
      env = environmentUnderTest('e2e-clean', await world.startCluster());
      world.stackLatencies(env.name);
      portal = await startPortal(world, {
        name: 'clean',
        cluster: env.cluster,
      });
    });
    afterAll(async () => {
      await portal?.stop();
      await env?.cluster.stop();
    });

    it('completes every step, creates each resource once, and the environment is applied and live', async () => {
      const replica = await portal.startReplica('a');
      const token = await signIn(replica);
      await waitForTemplates(replica, token);
      const tasks = new Tasks(portal);

      const id = await tasks.create(
        replica,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply'),
      );
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(
        stepStatuses(events)
          .filter(s => s.status === 'completed')
          .map(s => s.stepId),
      ).toEqual(STEPS);

      // Every step's outputs, as the task page shows them.
      const out = (step: string) => task.state!.steps![step].output;
      expect(out('plan')).toMatchObject({
        environment: env.name,
        planDirectory: 'bpa-plan',
      });
      expect(out('plan').resourceCount).toBeGreaterThan(50);
      expect(out('plan').summary).toContain(env.name);
      expect(out('register').entityRef).toBe(`system:default/${env.name}`);
      expect(out('atlasCluster')).toMatchObject({
        clusterName: `${env.name}-mongo`,
        stateName: 'CREATING',
        databaseUser: 'bpa',
        secretName: `bpa/${env.name}/mongodb`,
      });
      expect(out('network').stacks).toEqual([
        expect.objectContaining({ kind: 'network', change: 'create' }),
      ]);
      expect(out('network').outputs.network.VpcId).toMatch(
        /^vpc-0[0-9a-f]{16}$/,
      );
      expect(
        out('stacks').stacks.map((s: any) => `${s.kind} ${s.change}`),
      ).toEqual([
        'cluster create',
        'data create',
        'registry create',
        'edge create',
      ]);
      expect(out('privateEndpoint')).toMatchObject({
        vpcEndpointId: expect.stringMatching(/^vpce-/),
        endpointServiceName: expect.stringMatching(
          /^com\.amazonaws\.vpce\.us-east-1\.vpce-svc-/,
        ),
        privateConnectionString: expect.stringMatching(
          /^mongodb\+srv:\/\/[^:@]+$/,
        ),
      });
      expect(
        out('stacksReady').stacks.map((s: any) => `${s.kind} ${s.status}`),
      ).toEqual([
        'cluster CREATE_COMPLETE',
        'data CREATE_COMPLETE',
        'registry CREATE_COMPLETE',
        'edge CREATE_COMPLETE',
      ]);
      expect(out('stacksReady').outputs.edge.LoadBalancerDnsName).toMatch(
        /\.us-east-1\.elb\.amazonaws\.com$/,
      );
      expect(out('stacksReady').loadBalancerTargets).toHaveLength(4);
      expect(out('atlasReady')).toMatchObject({ stateName: 'IDLE' });
      expect(out('bootstrap')).toMatchObject({
        namespace: 'bpa-ns',
        selfSignedCertificate: true,
      });
      expect(Object.keys(out('bootstrap').nodes).sort()).toEqual([
        'node-1',
        'node-2',
        'node-3',
        'node-4',
      ]);
      expect(out('database')).toMatchObject({ outcome: 'completed' });
      expect(out('release')).toMatchObject({
        release: 'bpa-rel',
        namespace: 'bpa-ns',
        outcome: 'installed',
        status: 'deployed',
        revision: 1,
        chart: 'bpa-standin-4.0.3-6',
      });
      expect(out('registerApplied').entityRef).toBe(
        `system:default/${env.name}`,
      );

      // Each resource created exactly once, nothing deleted.
      const created = expectEachCreatedOnce(world, env);
      expect(created).toEqual(expect.arrayContaining(CLEAN_APPLY_CREATES));
      clean.creations = created;
      clean.inventory = await inventory(world, env);

      // The catalog and the environment page.
      await expectAppliedAndLive(replica, token, env);
    });
  });

  describe('one apply, its backend killed (SIGKILL) at every step boundary and inside the long waits', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;

    beforeAll(async () => {
      env = environmentUnderTest('e2e-restarts', await world.startCluster());
      world.stackLatencies(env.name);
      portal = await startPortal(world, {
        name: 'restarts',
        cluster: env.cluster,
        staleTimeoutSeconds: 6,
      });
    });
    afterAll(async () => {
      await portal?.stop();
      await env?.cluster.stop();
    });

    it('resumes on a new backend each time and completes: no duplicate, no orphan, no secret regenerated', async () => {
      const first = await portal.startReplica('r0');
      const token = await signIn(first);
      await waitForTemplates(first, token);
      const tasks = new Tasks(portal);
      const helmWaiting = async () => {
        const secrets = await env.cluster.api.request(
          'GET',
          '/api/v1/namespaces/bpa-ns/secrets?labelSelector=owner%3Dhelm',
        );
        return secrets.items.some(
          (s: any) => s.metadata.labels?.status === 'pending-install',
        );
      };
      const clusterStack = `${env.name}-cluster`;
      const clusterStackCreating = () =>
        world.aws.cloudFormation.status(clusterStack) === 'CREATE_IN_PROGRESS';
      // However fast or slow this machine is, the three long waits are still
      // waiting when their kill comes: Atlas, EKS and the rollout end only
      // once the task has been recovered from that kill.
      const atlas = world.atlas.project(env.atlasProjectId);
      atlas.hold('cluster');
      world.aws.cloudFormation.hold(clusterStack);
      env.cluster.holdRollout();
      const points = [
        afterStep('plan'),
        afterStep('register'),
        afterStep('atlasCluster'),
        afterStep('network'),
        afterStep('stacks'),
        insideStep(
          'privateEndpoint',
          'inside the Atlas wait (the cluster not IDLE yet)',
          /private connection string is not published yet/,
          () => true,
          () => atlas.release('cluster'),
        ),
        afterStep('privateEndpoint'),
        insideStep(
          'stacksReady',
          'inside the four-stack wait (EKS still creating)',
          /\[cluster \d+m\d+s\]/,
          clusterStackCreating,
          () => world.aws.cloudFormation.release(clusterStack),
        ),
        afterStep('stacksReady'),
        afterStep('atlasReady'),
        afterStep('bootstrap'),
        afterStep('database'),
        insideStep(
          'release',
          'inside the Helm wait (helm --wait running)',
          /helm upgrade --install/,
          helmWaiting,
          () => env.cluster.releaseRollout(),
        ),
        afterStep('release'),
      ];

      const id = await tasks.create(
        first,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply'),
      );
      const kills: KillRecord[] = await killAtEachPoint({
        portal,
        tasks,
        taskId: id,
        running: first,
        points,
        replicaName: i => `r${i + 1}`,
        timeoutMs: 5 * 60_000,
      });
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      console.log(
        `restart points (kill → recovered by a backend started after it):\n${kills
          .map(
            k =>
              `  ${k.point}: killed ${k.killed} in ${
                k.step ?? '(between steps)'
              }, recovered after ${(k.recoveryMs / 1000).toFixed(1)} s`,
          )
          .join('\n')}`,
      );
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(kills.map(k => k.point)).toEqual(points.map(p => p.name));
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(
        points.length,
      );

      // Nothing created twice, nothing left over, nothing deleted.
      await expectSameAsUninterrupted(world, env);

      // The passwords are the ones first generated.
      const passwords = secretPasswords(world, env);
      expect(Object.keys(passwords.first).sort()).toEqual([
        `bpa/${env.name}/mongodb`,
        `bpa/${env.name}/postgres-auth`,
        `bpa/${env.name}/postgres-root`,
        `bpa/${env.name}/postgres-workflow`,
      ]);
      expect(passwords.now).toEqual(passwords.first);

      await expectAppliedAndLive(
        portal.replicas.find(r => r.alive())!,
        token,
        env,
      );
    });
  });

  describe('two replicas on one PostgreSQL', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;

    beforeAll(async () => {
      env = environmentUnderTest('e2e-replicas', await world.startCluster());
      world.stackLatencies(env.name);
      portal = await startPortal(world, {
        name: 'replicas',
        cluster: env.cluster,
        staleTimeoutSeconds: 6,
      });
    });
    afterAll(async () => {
      await portal?.stop();
      await env?.cluster.stop();
    });

    it('an apply running on A, A killed: B recovers it and completes it, and no call of A follows one of B', async () => {
      // One after the other: the first creates the databases.
      const a = await portal.startReplica('A');
      const b = await portal.startReplica('B');
      const token = await signIn(a);
      await waitForTemplates(a, token);
      const tasks = new Tasks(portal);
      // EKS is still creating when A dies, however slow this machine is.
      const clusterStack = `${env.name}-cluster`;
      world.aws.cloudFormation.hold(clusterStack);
      const id = await tasks.create(
        a,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply'),
      );
      await tasks.waitFor(
        id,
        () =>
          world.aws.cloudFormation.status(clusterStack) ===
            'CREATE_IN_PROGRESS' &&
          world.aws.server.calls.some(
            c =>
              c.replica === 'A' &&
              c.command === 'DescribeStackEvents' &&
              // By name, or by id (arn:…:stack/<name>/…).
              String(c.input.StackName).includes(clusterStack),
          ),
        'A to be waiting for the EKS cluster',
        5 * 60_000,
      );
      const killedAt = Date.now();
      await a.kill();
      await tasks.waitFor(
        id,
        (task, events) =>
          task.status === 'processing' &&
          events.some(e => e.type === 'recovered'),
        'B to recover the task',
        5 * 60_000,
      );
      world.aws.cloudFormation.release(clusterStack);
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(1);

      // Who called AWS for this environment, in order: A until it died, then only B.
      const calls = world.aws.server.calls.filter(c =>
        JSON.stringify(c.input).includes(env.name),
      );
      const sequence = calls
        .map(c => c.replica)
        .filter((r, i, all) => i === 0 || all[i - 1] !== r);
      expect(sequence).toEqual(['A', 'B']);
      expect(
        calls.filter(c => c.replica === 'A').every(c => c.at <= killedAt),
      ).toBe(true);

      await expectSameAsUninterrupted(world, env);
      await expectAppliedAndLive(b, token, env);
    });

    it('ten tasks submitted across two replicas all complete, each run once by one replica', async () => {
      const replicas = [
        portal.replicas.find(r => r.name === 'B' && r.alive())!,
        await portal.startReplica('C'),
      ];
      const token = await signIn(replicas[0]);
      await waitForTemplates(replicas[1], token);
      const tasks = new Tasks(portal);
      const envs = Array.from({ length: 10 }, (_, i) =>
        environmentUnderTest(`e2e-ten-${i}`, env.cluster),
      );
      const ids = await Promise.all(
        envs.map((e, i) =>
          tasks.create(
            replicas[i % 2],
            token,
            'bpa-environment',
            environmentRequest(world, e, 'plan'),
          ),
        ),
      );
      const ended = await Promise.all(
        ids.map(id => tasks.waitForEnd(id, 5 * 60_000)),
      );
      expect(ended.map(t => t.status)).toEqual(ids.map(() => 'completed'));

      for (const id of ids) {
        const events = await tasks.events(id);
        // Claimed once: no recovery, each step begun once; plan only runs two.
        expect(events.filter(e => e.type === 'recovered')).toEqual([]);
        const statuses = stepStatuses(events);
        expect(
          statuses.filter(s => s.status === 'processing').map(s => s.stepId),
        ).toEqual(STEPS);
        expect(
          statuses.filter(s => s.status === 'completed').map(s => s.stepId),
        ).toEqual(['plan', 'register']);
      }
      // Which replica ran each: the one whose log says it planned that environment.
      const ranBy = envs.map(e =>
        replicas
          .filter(r =>
            fs
              .readFileSync(r.logFile, 'utf8')
              .includes(`Planned BPA environment ${e.name}:`),
          )
          .map(r => r.name),
      );
      console.log(
        `ten tasks: ${envs
          .map(
            (e, i) =>
              `${e.name} submitted to ${replicas[i % 2].name}, ran on ${ranBy[
                i
              ].join('+')}`,
          )
          .join('; ')}`,
      );
      expect(ranBy.every(names => names.length === 1)).toBe(true);
      expect(new Set(ranBy.flat())).toEqual(new Set(['B', 'C']));
    });
  });
});
