import fs from 'node:fs';
import path from 'node:path';
import { BPA_STATE_ANNOTATION } from '@internal/backstage-plugin-bpa-common';
import { AWS_ERRORS, AwsFault } from './aws/awsServer';
import {
  FaultyKubeApi,
  helmFailingOnce,
  serveKubeWithFaults,
} from './harness/kubeFaults';
import { Portal, PortalOptions, Replica, startPortal } from './harness/portal';
import {
  catalogSystem,
  environmentRequest,
  liveStatus,
  partsNotOk,
  teardownRequest,
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
import {
  KnownSecret,
  cloudSecrets,
  clusterSecrets,
  scanForSecrets,
} from './harness/secrets';
import {
  ACCOUNT_ID,
  LabCluster,
  REGION,
  World,
  startWorld,
} from './harness/world';

jest.setTimeout(30 * 60_000);

const STEPS = [
  'plan',
  'register',
  'atlasCluster',
  'network',
  'stacks',
  'privateEndpoint',
  'registryReady',
  'mirror',
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

/**
 * For the secrets scan at the end: the lab clusters' secrets (read before
 * each cluster stops) and what the portal's APIs served during the run.
 */
const forScan: {
  secrets: KnownSecret[];
  served: Array<{ where: string; text: string }>;
  /** The environments applied (their clusters' secrets are in `secrets`). */
  environments: string[];
} = { secrets: [], served: [], environments: [] };

const served = (where: string, value: unknown) =>
  forScan.served.push({ where, text: JSON.stringify(value) });

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

/**
 * Helm's record of the release's first revision. A first install killed
 * while helm waited leaves it pending-install; the resumed step removes it
 * and installs again (bpa:helm:release), so it is written twice and
 * deleted once, the release's objects still once.
 */
const HELM_FIRST_RECORD =
  'kubernetes secrets bpa-ns/sh.helm.release.v1.bpa-rel.v1';

/** Every resource of the environment created exactly once, nothing deleted; the resources' names. */
function expectEachCreatedOnce(
  world: World,
  env: EnvironmentUnderTest,
  options: { interruptedFirstInstall?: boolean } = {},
) {
  const created = creations(world, env);
  const times = (key: string) =>
    options.interruptedFirstInstall && key === HELM_FIRST_RECORD ? 2 : 1;
  expect(
    Object.entries(created)
      .filter(([k, n]) => n !== times(normalize(k, env.name)))
      .map(([k, n]) => `${normalize(k, env.name)}: ${n}`),
  ).toEqual([]);
  expect(deletions(world, env)).toEqual(
    options.interruptedFirstInstall ? { [HELM_FIRST_RECORD]: 1 } : {},
  );
  return normalizedKeys(created, env);
}

/** The same resources as the uninterrupted apply created, and the same left standing: no duplicate, no orphan. */
async function expectSameAsUninterrupted(
  world: World,
  env: EnvironmentUnderTest,
  options: { interruptedFirstInstall?: boolean } = {},
) {
  expect(clean.creations).toBeDefined();
  expect(expectEachCreatedOnce(world, env, options)).toEqual(clean.creations);
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
  served(`catalog entity system:default/${env.name}`, system);
  served(`live status of ${env.name}`, status);
}

/** One line a kill, as the suite's log reports them. */
const describeKills = (title: string, kills: KillRecord[]) =>
  `${title}:\n${kills
    .map(
      k =>
        `  ${k.point}: killed ${k.killed} in ${
          k.step ?? '(between steps)'
        }, recovered after ${(k.recoveryMs / 1000).toFixed(1)} s`,
    )
    .join('\n')}`;

/** An environment under test with a lab cluster of its own, and a portal whose kubeconfig points at it. */
async function environmentWithPortal(
  world: World,
  envName: string,
  options: Omit<PortalOptions, 'cluster'>,
  cluster?: (env: EnvironmentUnderTest) => Promise<LabCluster>,
) {
  const env = environmentUnderTest(envName, await world.startCluster());
  world.stackLatencies(env.name);
  const portal = await startPortal(world, {
    ...options,
    cluster: cluster ? await cluster(env) : env.cluster,
  });
  return { env, portal };
}

/** Stops the portal and the cluster, the cluster's secrets kept for the scan. */
async function stopEnvironment(
  env: EnvironmentUnderTest | undefined,
  portal: Portal | undefined,
) {
  await portal?.stop();
  if (env) {
    forScan.secrets.push(...(await clusterSecrets(env.cluster)));
    forScan.environments.push(env.name);
  }
  await env?.cluster.stop();
}

/** The task page of a task: the task (its spec and step outputs) and its event stream, as the API serves them. */
async function servedTaskPage(
  replica: Replica,
  token: string,
  tasks: Tasks,
  id: string,
) {
  served(`task ${id}`, await tasks.read(replica, token, id));
  const events = await fetch(
    `${replica.baseUrl}/api/scaffolder/v2/tasks/${id}/events`,
    { headers: { authorization: `Bearer ${token}` } },
  ).then(r => r.text());
  forScan.served.push({ where: `task ${id} events`, text: events });
}

/** The stacks in the order the backends asked CloudFormation to delete them (since AWS call `since`). */
function stackDeletionOrder(
  world: World,
  env: EnvironmentUnderTest,
  since: number,
) {
  const order: string[] = [];
  for (const c of world.aws.server.calls.slice(since)) {
    // By name, or by id (arn:…:stack/<name>/…).
    const name = String(c.input.StackName).replace(
      /^arn:.*:stack\/([^/]+)\/.*$/,
      '$1',
    );
    const kind = name.replace(`${env.name}-`, '');
    if (
      c.command === 'DeleteStack' &&
      c.outcome === 'ok' &&
      !order.includes(kind)
    )
      order.push(kind);
  }
  return order;
}

/**
 * What a completed teardown leaves: its stacks deleted in the template's
 * order (edge; then registry, data and cluster; then network), each once,
 * none left; RDS's final snapshot; the Atlas private endpoint gone and the
 * cluster kept or terminated as asked; the PostgreSQL passwords kept in
 * Secrets Manager (the snapshot's users have them); the System gone from
 * the catalog.
 */
async function expectTornDown(
  world: World,
  env: EnvironmentUnderTest,
  portal: Portal,
  replica: Replica,
  token: string,
  options: { since: number; atlasClusterKept: boolean },
) {
  const order = stackDeletionOrder(world, env, options.since);
  expect(order).toHaveLength(5);
  expect(order[0]).toBe('edge');
  expect(order.slice(1, 4).sort()).toEqual(['cluster', 'data', 'registry']);
  expect(order[4]).toBe('network');
  const tokens = world.aws.server.calls
    .slice(options.since)
    .filter(c => c.command === 'DeleteStack' && c.outcome === 'ok')
    .map(c => `${c.input.StackName} ${c.input.ClientRequestToken}`);
  // A retried DeleteStack carries its first token: one deletion per stack.
  expect(new Set(tokens).size).toBe(5);
  expect(
    world.aws.cloudFormation
      .liveStacks()
      .filter(s => s.stackName.startsWith(`${env.name}-`)),
  ).toEqual([]);
  expect(
    world.aws.cloudFormation.snapshots.filter(s =>
      s.startsWith(`${env.name}-data-`),
    ),
  ).toHaveLength(1);

  const atlas = world.atlas.project(env.atlasProjectId);
  expect([...atlas.endpoints.values()]).toEqual([]);
  expect(
    world.aws.vpcEndpoints
      .live()
      .filter(e => e.Tags?.some(t => t.Value === env.name)),
  ).toEqual([]);
  const cluster = atlas.clusters.get(`${env.name}-mongo`);
  if (options.atlasClusterKept) {
    expect(cluster?.stateName).toBe('IDLE');
    expect([...atlas.users.keys()]).toEqual(['bpa']);
  } else {
    expect(cluster).toBeUndefined();
    expect([...atlas.users.keys()]).toEqual([]);
  }
  for (const kind of ['root', 'auth', 'workflow']) {
    const name = `bpa/${env.name}/postgres-${kind}`;
    expect(world.aws.secretsManager.secrets.has(name)).toBe(true);
    expect(world.aws.secretsManager.scheduledForDeletion.has(name)).toBe(false);
  }

  // The provider takes the file away; the catalog follows on its next pass.
  const deadline = Date.now() + 60_000;
  while ((await catalogSystem(replica, token, env)) && Date.now() < deadline)
    await new Promise(r => setTimeout(r, 500));
  expect(await catalogSystem(replica, token, env)).toBeUndefined();
  expect(
    fs.readdirSync(portal.entitiesDirectory).filter(f => f.includes(env.name)),
  ).toEqual([]);
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
      ({ env, portal } = await environmentWithPortal(world, 'e2e-clean', {
        name: 'clean',
      }));
    });
    afterAll(() => stopEnvironment(env, portal));

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
        out('registryReady').stacks.map((s: any) => `${s.kind} ${s.status}`),
      ).toEqual(['registry CREATE_COMPLETE']);
      // The first apply of the world: the image and the chart copied from the source registry into the stand-in for ECR, and found there.
      const ecrHost = `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com`;
      // Copied where GetAuthorizationToken's proxyEndpoint says ECR is: the stand-in.
      const ecr = world.registries.ecr;
      expect(out('mirror')).toMatchObject({
        chart: `oci://${ecrHost}/bpa/bpa-chart`,
        chartVersion: '4.0.3-6',
      });
      expect(
        out('mirror').images.map(
          (i: any) => `${i.kind} ${i.target} ${i.outcome}`,
        ),
      ).toEqual([
        `image ${ecr.host}/bpa/sase-service:4.0.3-522 copied`,
        `chart ${ecr.host}/bpa/bpa-chart:4.0.3-6 copied`,
      ]);
      for (const copy of out('mirror').images) {
        const [repository, tag] = copy.target
          .slice(`${ecr.host}/`.length)
          .split(':');
        expect(await ecr.digestOf(repository, tag)).toBe(copy.digest);
      }
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
      await servedTaskPage(replica, token, tasks, id);
    });

    it('tears down through the teardown template: the stacks in order, a final snapshot, the Atlas cluster kept, gone from the catalog', async () => {
      const replica = portal.replicas.find(r => r.alive())!;
      const token = await signIn(replica);
      const tasks = new Tasks(portal);
      const since = world.aws.server.calls.length;
      const id = await tasks.create(
        replica,
        token,
        'bpa-environment-teardown',
        teardownRequest(env),
      );
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      expectCompleted(task, await tasks.events(id));
      const out = (step: string) => task.state!.steps![step].output;
      expect(out('aws').deleted).toEqual([
        'edge',
        'registry',
        'data',
        'cluster',
        'network',
      ]);
      expect(out('atlas')).toMatchObject({
        clusterTerminated: false,
        removedVpcEndpointIds: [expect.stringMatching(/^vpce-/)],
      });
      await expectTornDown(world, env, portal, replica, token, {
        since,
        atlasClusterKept: true,
      });
      await servedTaskPage(replica, token, tasks, id);
    });
  });

  describe('one apply, its backend killed (SIGKILL) at every step boundary and inside the long waits', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;

    beforeAll(async () => {
      ({ env, portal } = await environmentWithPortal(world, 'e2e-restarts', {
        name: 'restarts',
        staleTimeoutSeconds: 6,
      }));
    });
    afterAll(() => stopEnvironment(env, portal));

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
        afterStep('registryReady'),
        afterStep('mirror'),
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
        describeKills(
          'restart points (kill → recovered by a backend started after it)',
          kills,
        ),
      );
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(kills.map(k => k.point)).toEqual(points.map(p => p.name));
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(
        points.length,
      );

      // Nothing created twice, nothing left over, nothing deleted (but
      // Helm's record of the install killed inside its wait).
      await expectSameAsUninterrupted(world, env, {
        interruptedFirstInstall: true,
      });

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

    it('a teardown killed in the middle resumes and completes, the Atlas cluster terminated as asked', async () => {
      const running = portal.replicas.find(r => r.alive())!;
      const token = await signIn(running);
      const tasks = new Tasks(portal);
      const atlas = world.atlas.project(env.atlasProjectId);
      const dataStack = `${env.name}-data`;
      // Still deleting when their kill comes, however slow this machine is.
      atlas.hold('clusterDeletion');
      // Its deletion only: the teardown first updates it (deletion protection off).
      world.aws.cloudFormation.hold(dataStack, 'DELETE');
      // Every kill costs a backend start (half a minute here): the two waits and one boundary.
      const points = [
        afterStep('check'),
        insideStep(
          'atlas',
          'inside the Atlas cluster deletion wait',
          /Terminating Atlas cluster/,
          () =>
            atlas.clusters.get(`${env.name}-mongo`)?.stateName === 'DELETING',
          () => atlas.release('clusterDeletion'),
        ),
        insideStep(
          'aws',
          'inside the stack deletions (the data stack deleting)',
          /\[data\] deleting/,
          () =>
            world.aws.cloudFormation.status(dataStack) === 'DELETE_IN_PROGRESS',
          () => world.aws.cloudFormation.release(dataStack),
        ),
      ];
      const since = world.aws.server.calls.length;
      const id = await tasks.create(
        running,
        token,
        'bpa-environment-teardown',
        teardownRequest(env, { terminateAtlasCluster: true }),
      );
      const kills = await killAtEachPoint({
        portal,
        tasks,
        taskId: id,
        running,
        points,
        replicaName: i => `t${i + 1}`,
        timeoutMs: 5 * 60_000,
      });
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      console.log(describeKills('teardown restart points', kills));
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(kills.map(k => k.point)).toEqual(points.map(p => p.name));
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(
        points.length,
      );
      expect(task.state!.steps!.atlas.output.clusterTerminated).toBe(true);
      // Atlas was asked once to delete each of its resources.
      expect(
        world.atlas.server.exchanges
          .filter(
            e =>
              e.method === 'DELETE' &&
              e.status < 300 &&
              e.uri.includes(`/groups/${env.atlasProjectId}/`),
          )
          .map(e => e.operationId)
          .sort(),
      ).toEqual(
        [
          'deleteGroupCluster',
          'deleteGroupDatabaseUser',
          'deleteGroupPrivateEndpointEndpointService',
          'deleteGroupPrivateEndpointEndpointServiceEndpoint',
        ].sort(),
      );
      const last = portal.replicas.find(r => r.alive())!;
      await expectTornDown(world, env, portal, last, token, {
        since,
        atlasClusterKept: false,
      });
      await servedTaskPage(last, token, tasks, id);
    });
  });

  describe('two replicas on one PostgreSQL', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;

    beforeAll(async () => {
      ({ env, portal } = await environmentWithPortal(world, 'e2e-replicas', {
        name: 'replicas',
        staleTimeoutSeconds: 6,
      }));
    });
    afterAll(() => stopEnvironment(env, portal));

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
      await a.kill();
      // A call A sent before the SIGKILL may be answered a moment after it; none can come once A has exited.
      const killedAt = Date.now();
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
  describe('faults per call kind', () => {
    let env: EnvironmentUnderTest;
    let portal: Portal;
    let kube: FaultyKubeApi;
    let helm: ReturnType<typeof helmFailingOnce>;

    beforeAll(async () => {
      const dir = fs.mkdtempSync(path.join(world.dir, 'faults-'));
      helm = helmFailingOnce(world.helmBinary, dir);
      ({ env, portal } = await environmentWithPortal(
        world,
        'e2e-faults',
        { name: 'faults', helmBinary: helm.binary },
        async ({ cluster }) => {
          kube = await serveKubeWithFaults(cluster, dir);
          return { ...cluster, kubeconfigFile: kube.kubeconfigFile };
        },
      ));
    });
    afterAll(async () => {
      await kube?.close();
      await stopEnvironment(env, portal);
    });

    it('AWS, Atlas, Kubernetes and helm faults: each survived, or a clear failure whose retry (POST …/retry) completes without redoing finished work', async () => {
      const replica = await portal.startReplica('f');
      const token = await signIn(replica);
      await waitForTemplates(replica, token);
      const tasks = new Tasks(portal);

      // AWS: met by the backend's SDK and its retry strategy, for real.
      const aws = world.aws.server;
      const awsFaults: Array<AwsFault & { kind: string }> = [
        {
          kind: 'AWS throttling',
          service: 'CloudFormation',
          command: 'DescribeStacks',
          times: 2,
          error: AWS_ERRORS.throttling(),
        },
        {
          kind: 'AWS 500',
          service: 'CloudFormation',
          command: 'CreateChangeSet',
          times: 1,
          error: AWS_ERRORS.serverError(),
        },
        {
          kind: 'AWS 503',
          service: 'EC2',
          command: 'CreateVpcEndpoint',
          times: 1,
          error: AWS_ERRORS.unavailable(),
        },
        {
          kind: 'AWS throttling',
          service: 'ECR',
          command: 'DescribeImages',
          times: 1,
          error: AWS_ERRORS.throttling(),
        },
        {
          kind: 'AWS socket timeout before AWS got the call',
          service: 'CloudFormation',
          command: 'DescribeStackEvents',
          times: 2,
          error: AWS_ERRORS.socketTimeout(),
        },
        {
          kind: 'AWS socket timeout after ExecuteChangeSet was done',
          service: 'CloudFormation',
          command: 'ExecuteChangeSet',
          times: 1,
          error: AWS_ERRORS.socketTimeout(),
          afterCall: true,
        },
        {
          kind: 'AWS socket timeout after CreateSecret was done',
          service: 'SecretsManager',
          command: 'CreateSecret',
          times: 1,
          error: AWS_ERRORS.socketTimeout(),
          afterCall: true,
        },
      ];
      awsFaults.forEach(f => aws.injectFault(f));
      // Atlas: 429 and 503 with Retry-After, on a wait's poll and on a create.
      world.atlas.server.injectFault({
        operationId: 'getGroupCluster',
        times: 2,
        status: 429,
        retryAfter: 1,
      });
      world.atlas.server.injectFault({
        operationId: 'createGroupCluster',
        times: 1,
        status: 503,
        retryAfter: 1,
      });
      // Kubernetes: a 500 on the portal's first write, a 409 on a write of the bootstrap's Secrets.
      kube.injectFault({ method: 'PATCH', path: /./, status: 500, times: 1 });
      kube.injectFault({
        method: 'PATCH',
        path: /\/api\/v1\/namespaces\/bpa-ns\/secrets\//,
        status: 409,
        times: 1,
      });

      const id = await tasks.create(
        replica,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply'),
      );
      const failures: Array<{
        step: string;
        message: string;
        retriedAt: number;
      }> = [];
      let seen = 0;
      for (;;) {
        const task = await tasks.waitForEnd(id, 10 * 60_000);
        const events = await tasks.events(id);
        if (task.status === 'completed') break;
        const since = seen;
        const failed = events.filter(
          e => e.id > since && e.body.status === 'failed',
        );
        expect(task.status).toBe('failed');
        expect(failed).toHaveLength(1);
        seen = events.at(-1)!.id;
        failures.push({
          step: failed[0].body.stepId!,
          message: String(failed[0].body.message),
          retriedAt: world.aws.server.calls.length,
        });
        expect(failures.length).toBeLessThanOrEqual(4);
        await tasks.retry(replica, token, id);
        await tasks.waitFor(
          id,
          t => t.status !== 'failed',
          'the retried task to start',
          60_000,
        );
      }
      console.log(
        `faults: AWS ${awsFaults
          .map(f => `${f.kind} ×${f.times}`)
          .join(
            ', ',
          )}; Atlas 429 ×2 (getGroupCluster), 503 ×1 (createGroupCluster), Retry-After 1 s; Kubernetes ${kube.injected.join(
          ', ',
        )}; helm failed ${helm.failures()}×\nfailures, each retried:\n${failures
          .map(f => `  ${f.step}: ${f.message.split('\n')[0]}`)
          .join('\n')}`,
      );

      // Every fault was met.
      expect(aws.pendingFaults()).toEqual([]);
      expect(
        world.atlas.server.exchanges.filter(e => e.status === 429).length,
      ).toBeGreaterThanOrEqual(2);
      expect(
        world.atlas.server.exchanges.filter(e => e.status === 503).length,
      ).toBeGreaterThanOrEqual(1);
      expect(kube.injected).toHaveLength(2);
      expect(helm.failures()).toBe(1);
      // What failed, failed clearly, saying what went wrong; no fault of AWS or Atlas failed the task.
      for (const f of failures) {
        expect(f.message).toMatch(
          /500|409|conflict|internal error|unreachable|helm/i,
        );
        expect(['bootstrap', 'database', 'release']).toContain(f.step);
      }
      expect(failures.map(f => f.step)).toContain('release');

      // The retries redid nothing: each resource created once, as the uninterrupted apply did.
      await expectSameAsUninterrupted(world, env);
      const passwords = secretPasswords(world, env);
      expect(passwords.now).toEqual(passwords.first);
      await expectAppliedAndLive(replica, token, env);
      await servedTaskPage(replica, token, tasks, id);
    });
  });

  describe('secrets over the whole run', () => {
    it('no generated password, Atlas credential, TLS private key or token appears in any log, workspace, task row, step output or catalog entity; a planted one is found', async () => {
      const secrets = [...cloudSecrets(world), ...forScan.secrets];
      const kinds = (pattern: RegExp) =>
        secrets.filter(x => pattern.test(x.what)).length;
      // What is looked for: every environment's and cluster's.
      for (const name of forScan.environments) {
        for (const secret of [
          'postgres-root',
          'postgres-auth',
          'postgres-workflow',
          'mongodb',
        ]) {
          expect(
            kinds(new RegExp(`bpa/${name}/${secret} password`)),
          ).toBeGreaterThanOrEqual(1);
        }
      }
      expect(kinds(/Atlas access token/)).toBeGreaterThan(0);
      expect(kinds(/Atlas service account client secret/)).toBe(1);
      expect(kinds(/registry password/)).toBe(2);
      expect(kinds(/tls\.key/)).toBeGreaterThanOrEqual(
        forScan.environments.length,
      );
      expect(kinds(/Kubernetes token/)).toBe(2 * forScan.environments.length);
      expect(forScan.served.length).toBeGreaterThan(0);

      const hits = await scanForSecrets(world, secrets, forScan.served);
      expect(hits).toEqual([]);

      // The scan can fail: one password written into a backend's log is found.
      const planted = secrets.find(x => /postgres-root password/.test(x.what))!;
      const log = fs
        .readdirSync(world.dir)
        .filter(d => d.startsWith('portal-'))
        .map(d => `${world.dir}/${d}/planted.log`)[0];
      fs.writeFileSync(log, `{"message":"connecting with ${planted.value}"}\n`);
      try {
        // Found as itself (and as any other secret holding the same value), only there.
        const found = await scanForSecrets(world, secrets, forScan.served);
        expect(found.map(h => h.what)).toContain(planted.what);
        expect(found.filter(h => !h.where.endsWith('planted.log'))).toEqual([]);
      } finally {
        fs.rmSync(log);
      }
    });
  });
});
