/* eslint-disable jest/expect-expect -- each test awaits its stage, which makes the test's assertions: the stages run side by side, started in beforeAll */
import fs from 'node:fs';
import path from 'node:path';
import { BPA_STATE_ANNOTATION } from '@internal/backstage-plugin-bpa-common';
import { AWS_ERRORS, AwsFault } from './aws/awsServer';
import {
  FaultyKubeApi,
  helmFailingOnce,
  serveKubeWithFaults,
} from './harness/kubeFaults';
import {
  OUTSIDER,
  Portal,
  PortalOptions,
  Replica,
  startPortal,
} from './harness/portal';
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
  KillPoint,
  KillRecord,
  afterStep,
  insideStep,
  killAtEachPoint,
} from './harness/restarts';
import { Stages } from './harness/stages';
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

/**
 * scaffolder.taskRecovery.staleTimeout of the portals whose backends are
 * killed. The scaffolder beats every second, but a backend starved of CPU
 * on a busy machine can miss a few: at 3 s one was taken for dead while it
 * ran its task, which the other replica then ran too (the scaffolder does
 * not stop a task whose heartbeat failed).
 */
const STALE_TIMEOUT_SECONDS = 6;

/**
 * Images only the killed apply mirrors, after the uninterrupted apply has
 * copied the request's own: ECR holds neither when its mirror runs, so a
 * kill can come in the middle of its copies.
 */
const RESTART_IMAGES = [
  { name: 'workflow-engine', tag: '4.0.3-17' },
  { name: 'auth-service', tag: '4.0.3-9' },
];

/** What one would need to tell about the run: filled by the scenarios, printed at the end. */
const report = {
  applyKills: [] as KillRecord[],
  teardownKills: [] as KillRecord[],
  /** Per scenario: resources created more than once (0 everywhere is the expected). */
  duplicates: {} as Record<string, number>,
  lines: [] as string[],
};

/** What the uninterrupted apply left, for the interrupted ones to match. */
type CleanResult = { creations: string[]; inventory: string[] };

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
  scenario: string,
  options: { interruptedFirstInstall?: boolean } = {},
) {
  const created = creations(world, env);
  const times = (key: string) =>
    options.interruptedFirstInstall && key === HELM_FIRST_RECORD ? 2 : 1;
  const wrong = Object.entries(created).filter(
    ([k, n]) => n !== times(normalize(k, env.name)),
  );
  report.duplicates[scenario] = wrong.filter(
    ([k, n]) => n > times(normalize(k, env.name)),
  ).length;
  expect(wrong.map(([k, n]) => `${normalize(k, env.name)}: ${n}`)).toEqual([]);
  expect(deletions(world, env)).toEqual(
    options.interruptedFirstInstall ? { [HELM_FIRST_RECORD]: 1 } : {},
  );
  return normalizedKeys(created, env);
}

/** The same resources as the uninterrupted apply created, and the same left standing: no duplicate, no orphan. */
async function expectSameAsUninterrupted(
  world: World,
  env: EnvironmentUnderTest,
  clean: CleanResult,
  scenario: string,
  options: { interruptedFirstInstall?: boolean } = {},
) {
  expect(expectEachCreatedOnce(world, env, scenario, options)).toEqual(
    clean.creations,
  );
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

/** One line a kill, as the summary reports them. */
const describeKills = (kills: KillRecord[]) =>
  kills.map(
    k =>
      `    ${k.point}: killed ${k.killed} in ${
        k.step ?? '(between steps)'
      }, recovered by ${k.recoveredBy} after ${(k.recoveryMs / 1000).toFixed(
        1,
      )} s`,
  );

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
    if (!name.startsWith(`${env.name}-`)) continue;
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

/** The tags pushed into ECR's repository (manifests PUT through the registry proxy), one entry a push. */
const pushesInto = (world: World, repository: string) =>
  world.registries.ecrProxy.requests
    .filter(
      r =>
        r.method === 'PUT' &&
        r.status === 201 &&
        r.path.startsWith(`/v2/${repository}/manifests/`) &&
        !r.path.includes('/manifests/sha256:'),
    )
    .map(r => r.path.split('/').pop());

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
    .filter(
      c =>
        c.command === 'DeleteStack' &&
        c.outcome === 'ok' &&
        String(c.input.StackName).includes(`${env.name}-`),
    )
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

/** A portal of the suite, its environment (with a lab cluster of its own) and the portal's tasks. */
interface Scenario {
  env: EnvironmentUnderTest;
  portal: Portal;
  tasks: Tasks;
}

describe('"BPA environment on Amazon EKS", plan and apply, through the real scaffolder backend', () => {
  let world: World;
  const stages = new Stages();
  const scenarios: Scenario[] = [];
  /** Each test's stage, started side by side in beforeAll, awaited by its test. */
  const stage: Record<string, Promise<unknown>> = {};

  /** An environment under test with a lab cluster of its own, and a portal whose kubeconfig points at it. */
  async function scenario(
    envName: string,
    options: Omit<PortalOptions, 'cluster'>,
    cluster?: (env: EnvironmentUnderTest) => Promise<LabCluster>,
  ): Promise<Scenario> {
    const env = environmentUnderTest(envName, await world.startCluster());
    world.stackLatencies(env.name);
    const portal = await startPortal(world, {
      ...options,
      cluster: cluster ? await cluster(env) : env.cluster,
    });
    const started = { env, portal, tasks: new Tasks(portal) };
    scenarios.push(started);
    return started;
  }

  const stopped = new Set<Scenario>();
  /** Stops the portals and clusters of these scenarios (default: all still up), the clusters' secrets kept for the scan. */
  async function stopScenarios(which: Scenario[] = scenarios) {
    // Side by side: a portal's graceful stop takes seconds.
    await Promise.all(
      which
        .filter(s => !stopped.has(s))
        .map(async s => {
          stopped.add(s);
          await s.portal.stop();
          forScan.secrets.push(...(await clusterSecrets(s.env.cluster)));
          forScan.environments.push(s.env.name);
          await s.env.cluster.stop();
        }),
    );
  }

  /**
   * The uninterrupted apply, its teardown, and a user outside the owner
   * group refused. `mirrored` resolves once its mirror step has copied the
   * request's image and chart into ECR: the other scenarios' applies start
   * then, and find them there.
   */
  function uninterrupted() {
    let s: Scenario;
    let replica: Replica;
    let token: string;
    let mirrored!: () => void;
    const mirror = new Promise<void>(resolve => {
      mirrored = resolve;
    });
    const apply = stages.run('uninterrupted apply', async () => {
      s = await scenario('e2e-clean', { name: 'clean' });
      const { env, portal, tasks } = s;
      replica = await portal.startReplica('a');
      token = await signIn(replica);
      await waitForTemplates(replica, token);

      const id = await tasks.create(
        replica,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply'),
      );
      tasks
        .waitFor(
          id,
          (task, events) =>
            task.status !== 'processing' ||
            events.some(
              e => e.body.stepId === 'mirror' && e.body.status === 'completed',
            ),
          'the mirror step to complete',
          10 * 60_000,
        )
        .finally(mirrored);
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(
        stepStatuses(events)
          .filter(st => st.status === 'completed')
          .map(st => st.stepId),
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
        out('stacks').stacks.map((st: any) => `${st.kind} ${st.change}`),
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
        out('registryReady').stacks.map((st: any) => `${st.kind} ${st.status}`),
      ).toEqual(['registry CREATE_COMPLETE']);
      // The first apply of the run: the image and the chart copied from the source registry into the stand-in for ECR, and found there.
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
        out('stacksReady').stacks.map((st: any) => `${st.kind} ${st.status}`),
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
      const created = expectEachCreatedOnce(world, env, 'uninterrupted');
      expect(created).toEqual(expect.arrayContaining(CLEAN_APPLY_CREATES));

      // The catalog and the environment page.
      await expectAppliedAndLive(replica, token, env);
      await servedTaskPage(replica, token, tasks, id);
      return { creations: created, inventory: await inventory(world, env) };
    });
    apply.finally(mirrored).catch(() => undefined);

    const teardown = apply.then(() =>
      stages.run('teardown', async () => {
        const { env, portal, tasks } = s;
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
      }),
    );
    teardown.catch(() => undefined);

    // On the same portal once its own apply and teardown are over, so every cloud call of its backend in the meantime would be this task's.
    const refused = teardown.then(() =>
      stages.run('user outside the owner group refused', async () => {
        const { env, portal, tasks } = s;
        const outsider = await signIn(replica, OUTSIDER);
        const theirs = environmentUnderTest('e2e-refused', env.cluster);
        const awsBefore = world.aws.server.calls.length;
        const kubeBefore = env.cluster.api.auditEvents().length;
        const id = await tasks.create(
          replica,
          outsider,
          'bpa-environment',
          environmentRequest(world, theirs, 'apply'),
        );
        const task = await tasks.waitForEnd(id, 5 * 60_000);
        const events = await tasks.events(id);
        expect(task.status).toBe('failed');
        // Refused at the plan step, the first, which checks the apply's permission; no other step began.
        expect(
          stepStatuses(events)
            .filter(st => st.status !== 'skipped')
            .map(st => `${st.stepId} ${st.status}`),
        ).toEqual(['plan processing', 'plan failed']);
        const failed = events.find(e => e.body.status === 'failed')!;
        expect(failed.body.message).toBe(
          `NotAllowedError: ${OUTSIDER} may not bpa.environment.apply on environment ${theirs.name} as requested: it is owned by group:default/platform-team, in AWS account ${ACCOUNT_ID}. Nothing was changed.`,
        );
        // Not one cloud call: AWS (none from this backend at all), Atlas, the cluster.
        expect(
          world.aws.server.calls
            .slice(awsBefore)
            .filter(c => c.replica === replica.name)
            .map(c => `${c.service} ${c.command}`),
        ).toEqual([]);
        expect(
          world.atlas.server.exchanges.filter(e =>
            e.uri.includes(`/groups/${theirs.atlasProjectId}`),
          ),
        ).toEqual([]);
        expect(
          env.cluster.api
            .auditEvents()
            .slice(kubeBefore)
            .filter(e => e.user.username === env.cluster.portalUser),
        ).toEqual([]);
        // Not registered either.
        expect(await catalogSystem(replica, token, theirs)).toBeUndefined();
        expect(
          fs
            .readdirSync(portal.entitiesDirectory)
            .filter(f => f.includes(theirs.name)),
        ).toEqual([]);
        report.lines.push(
          `  refused: ${OUTSIDER}'s plan and apply failed at its plan step, 0 AWS, Atlas or Kubernetes calls: "${failed.body.message}"`,
        );
        // Their own task page (the policy lets only its creator and the admins read it).
        await servedTaskPage(replica, outsider, tasks, id);
      }),
    );
    return { mirror, apply, teardown, refused };
  }

  /**
   * One apply whose backend is SIGKILLed at every step boundary, inside
   * the three long waits and in the middle of the mirror's copies, each
   * time resumed by another backend on the same database; then its
   * teardown, killed three times.
   */
  function restarts(mirrored: Promise<void>, clean: Promise<CleanResult>) {
    let s: Scenario;
    let token: string;
    let last: Replica;
    let n = 0;
    const nextReplicaName = () => `r${n++}`;
    const apply = stages.run('apply killed at every step', async () => {
      s = await scenario('e2e-restarts', {
        name: 'restarts',
        staleTimeoutSeconds: STALE_TIMEOUT_SECONDS,
      });
      const { env, portal, tasks } = s;
      await world.addImages(RESTART_IMAGES);
      const first = await portal.startReplica(nextReplicaName());
      token = await signIn(first);
      await waitForTemplates(first, token);
      const helmWaiting = async () => {
        const secrets = await env.cluster.api.request(
          'GET',
          '/api/v1/namespaces/bpa-ns/secrets?labelSelector=owner%3Dhelm',
        );
        return secrets.items.some(
          (x: any) => x.metadata.labels?.status === 'pending-install',
        );
      };
      const clusterStack = `${env.name}-cluster`;
      const clusterStackCreating = () =>
        world.aws.cloudFormation.status(clusterStack) === 'CREATE_IN_PROGRESS';
      // However fast or slow this machine is, the long waits are still
      // waiting when their kill comes: Atlas, EKS, the rollout and the
      // second image's upload end only once the task has been recovered
      // from that kill.
      const atlas = world.atlas.project(env.atlasProjectId);
      atlas.hold('cluster');
      world.aws.cloudFormation.hold(clusterStack);
      env.cluster.holdRollout();
      const [firstImage, secondImage] = RESTART_IMAGES;
      const proxy = world.registries.ecrProxy;
      proxy.hold(new RegExp(`^/v2/bpa/${secondImage.name}/blobs/uploads/`));
      const points: KillPoint[] = [
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
        insideStep(
          'mirror',
          `inside the ECR mirror (${firstImage.name} pushed, ${secondImage.name}'s upload under way)`,
          new RegExp(`${secondImage.name}:${secondImage.tag}: copying`),
          () => proxy.waiting() > 0,
          () => proxy.release(),
        ),
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

      // Its own images are copied; the request's are the uninterrupted apply's.
      await mirrored;
      const id = await tasks.create(
        first,
        token,
        'bpa-environment',
        environmentRequest(world, env, 'apply', [
          { name: 'sase-service', tag: '4.0.3-522' },
          ...RESTART_IMAGES,
        ]),
      );
      const kills = await killAtEachPoint({
        portal,
        tasks,
        taskId: id,
        running: first,
        points,
        nextReplicaName,
        // Three up at each kill: under load a backend takes longer to start
        // than the task takes from one kill point to the next.
        standbys: 3,
        timeoutMs: 5 * 60_000,
      });
      report.applyKills = kills;
      last = portal.replicas.find(r => r.name === kills.at(-1)!.recoveredBy)!;
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(kills.map(k => k.point)).toEqual(points.map(p => p.name));
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(
        points.length,
      );

      // The mirror resumed without copying again what it had pushed: the first image found in ECR, the second copied, each pushed once.
      const ecr = world.registries.ecr;
      expect(
        task.state!.steps!.mirror.output.images.map(
          (i: any) => `${i.target} ${i.outcome}`,
        ),
      ).toEqual([
        `${ecr.host}/bpa/sase-service:4.0.3-522 present`,
        `${ecr.host}/bpa/${firstImage.name}:${firstImage.tag} present`,
        `${ecr.host}/bpa/${secondImage.name}:${secondImage.tag} copied`,
        `${ecr.host}/bpa/bpa-chart:4.0.3-6 present`,
      ]);
      for (const image of RESTART_IMAGES) {
        expect(pushesInto(world, `bpa/${image.name}`)).toEqual([image.tag]);
      }
      // One checkpoint a push (the scaffolder keys them by step).
      const mirrorCheckpoint = 'v1.task.checkpoint.mirror.bpa-ecr-mirror-';
      expect(
        Object.keys(task.state!.checkpoints ?? {})
          .filter(k => k.startsWith(mirrorCheckpoint))
          .map(k =>
            k.slice(mirrorCheckpoint.length).replace(/-sha256:.*$/, ''),
          ),
      ).toEqual(RESTART_IMAGES.map(i => `bpa/${i.name}:${i.tag}`));

      // Nothing created twice, nothing left over, nothing deleted (but
      // Helm's record of the install killed inside its wait).
      await expectSameAsUninterrupted(world, env, await clean, 'restarts', {
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

      await expectAppliedAndLive(last, token, env);
    });

    const teardown = apply.then(() =>
      stages.run('teardown killed 3 times', async () => {
        const { env, portal, tasks } = s;
        const atlas = world.atlas.project(env.atlasProjectId);
        const dataStack = `${env.name}-data`;
        // Still deleting when their kill comes, however slow this machine is.
        atlas.hold('clusterDeletion');
        // Its deletion only: the teardown first updates it (deletion protection off).
        world.aws.cloudFormation.hold(dataStack, 'DELETE');
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
              world.aws.cloudFormation.status(dataStack) ===
              'DELETE_IN_PROGRESS',
            () => world.aws.cloudFormation.release(dataStack),
          ),
        ];
        const since = world.aws.server.calls.length;
        // The backend it is submitted to takes it up: the others are not woken by its submission.
        const id = await tasks.create(
          last,
          token,
          'bpa-environment-teardown',
          teardownRequest(env, { terminateAtlasCluster: true }),
        );
        const kills = await killAtEachPoint({
          portal,
          tasks,
          taskId: id,
          running: last,
          points,
          nextReplicaName,
          standbys: 3,
          timeoutMs: 5 * 60_000,
        });
        report.teardownKills = kills;
        const task = await tasks.waitForEnd(id, 10 * 60_000);
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
        const running = portal.replicas.find(
          r => r.name === kills.at(-1)!.recoveredBy,
        )!;
        await expectTornDown(world, env, portal, running, token, {
          since,
          atlasClusterKept: false,
        });
        await servedTaskPage(running, token, tasks, id);
      }),
    );
    teardown.catch(() => undefined);
    return { apply, teardown };
  }

  /**
   * Two replicas on one PostgreSQL: an apply on A, A killed, B (up all
   * along) recovers it; then ten tasks submitted to B and C at once.
   */
  function replicas(mirrored: Promise<void>, clean: Promise<CleanResult>) {
    let s: Scenario;
    let token: string;
    let cStarting: Promise<Replica>;
    const killed = stages.run('two replicas, A killed', async () => {
      s = await scenario('e2e-replicas', {
        name: 'replicas',
        staleTimeoutSeconds: STALE_TIMEOUT_SECONDS,
      });
      const { env, portal, tasks } = s;
      // One after the other: the first creates the databases.
      const a = await portal.startReplica('A');
      const b = await portal.startReplica('B');
      // Ready for the ten tasks by the time they come.
      cStarting = portal.startReplica('C');
      cStarting.catch(() => undefined);
      token = await signIn(a);
      await waitForTemplates(a, token);
      // EKS is still creating when A dies, however slow this machine is.
      const clusterStack = `${env.name}-cluster`;
      world.aws.cloudFormation.hold(clusterStack);
      await mirrored;
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
      const recoveryMs = Date.now() - killedAt;
      world.aws.cloudFormation.release(clusterStack);
      const task = await tasks.waitForEnd(id, 10 * 60_000);
      const events = await tasks.events(id);
      expectCompleted(task, events);
      expect(events.filter(e => e.type === 'recovered')).toHaveLength(1);
      expect(fs.existsSync(path.join(b.workingDirectory, id))).toBe(false);

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

      await expectSameAsUninterrupted(world, env, await clean, 'replicas');
      await expectAppliedAndLive(b, token, env);
      report.lines.push(
        `  two replicas: A killed waiting for EKS, B (up all along) recovered the apply after ${(
          recoveryMs / 1000
        ).toFixed(
          1,
        )} s and completed it; AWS calls A then B only, none of A after it died`,
      );
    });

    const ten = killed.then(() =>
      stages.run('ten tasks on B and C', async () => {
        const { env, portal, tasks } = s;
        const b = portal.replicas.find(r => r.name === 'B' && r.alive())!;
        const c = await cStarting;
        await waitForTemplates(c, token);
        const envs = Array.from({ length: 10 }, (_, i) =>
          environmentUnderTest(`e2e-ten-${i}`, env.cluster),
        );
        const submitTo = (i: number) => (i % 2 ? c : b);
        const submit = (i: number) =>
          tasks.create(
            submitTo(i),
            token,
            'bpa-environment',
            environmentRequest(world, envs[i], 'plan'),
          );
        const claimed = (id: string) =>
          tasks.waitFor(
            id,
            t => t.status !== 'open',
            'the task to be claimed',
            60_000,
          );
        // A submission wakes only the replica it reached (the scaffolder
        // signals its own claim loop; the others sleep until theirs), and
        // a replica that loses a claim race sleeps again: the first two
        // tasks, one to each while no other is open, show that both take
        // tasks from the one queue; the other eight come at once, to both,
        // racing for them.
        const ids = [await submit(0)];
        await claimed(ids[0]);
        ids.push(await submit(1));
        await claimed(ids[1]);
        ids.push(
          ...(await Promise.all(
            Array.from({ length: 8 }, (_, i) => submit(i + 2)),
          )),
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
            statuses
              .filter(st => st.status === 'processing')
              .map(st => st.stepId),
          ).toEqual(STEPS);
          expect(
            statuses
              .filter(st => st.status === 'completed')
              .map(st => st.stepId),
          ).toEqual(['plan', 'register']);
        }
        // Which replica ran each: the one whose log says it planned that environment.
        const ranBy = envs.map(e =>
          [b, c]
            .filter(r =>
              fs
                .readFileSync(r.logFile, 'utf8')
                .includes(`Planned BPA environment ${e.name}:`),
            )
            .map(r => r.name),
        );
        const spread = [b, c].map(
          r =>
            `${r.name} ran ${
              ranBy.filter(names => names.includes(r.name)).length
            } (${envs
              .filter((_, i) => ranBy[i].includes(r.name))
              .map(e =>
                submitTo(envs.indexOf(e)) === r ? e.name : `${e.name}*`,
              )
              .join(', ')})`,
        );
        report.lines.push(
          `  ten tasks: all completed, each run once by one replica; ${spread.join(
            '; ',
          )} (* submitted to the other)`,
        );
        expect(ranBy.map(names => names.length)).toEqual(ids.map(() => 1));
        expect(ranBy[0]).toEqual(['B']);
        expect(ranBy[1]).toEqual(['C']);
      }),
    );
    ten.catch(() => undefined);
    return { killed, ten };
  }

  /** One apply meeting faults of every kind, each survived or retried (POST …/retry). */
  function faults(mirrored: Promise<void>, clean: Promise<CleanResult>) {
    return stages.run('faults per call kind', async () => {
      let kube!: FaultyKubeApi;
      const dir = fs.mkdtempSync(path.join(world.dir, 'faults-'));
      const helm = helmFailingOnce(world.helmBinary, dir);
      const { env, portal, tasks } = await scenario(
        'e2e-faults',
        { name: 'faults', helmBinary: helm.binary },
        async ({ cluster }) => {
          kube = await serveKubeWithFaults(cluster, dir);
          return { ...cluster, kubeconfigFile: kube.kubeconfigFile };
        },
      );
      try {
        const replica = await portal.startReplica('f');
        const token = await signIn(replica);
        await waitForTemplates(replica, token);

        // AWS: met by the backend's SDK and its retry strategy, for real; this backend's calls only.
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
        ].map(f => ({ ...f, replica: replica.name }));
        awsFaults.forEach(f => aws.injectFault(f));
        // Atlas: 429 and 503 with Retry-After, on a wait's poll and on a create, in this environment's project.
        const atlasFault = { groupId: env.atlasProjectId, retryAfter: 1 };
        world.atlas.server.injectFault({
          ...atlasFault,
          operationId: 'getGroupCluster',
          times: 2,
          status: 429,
        });
        world.atlas.server.injectFault({
          ...atlasFault,
          operationId: 'createGroupCluster',
          times: 1,
          status: 503,
        });
        // Kubernetes: a 500 on the portal's first write, a 409 on a write of the bootstrap's Secrets.
        kube.injectFault({ method: 'PATCH', path: /./, status: 500, times: 1 });
        kube.injectFault({
          method: 'PATCH',
          path: /\/api\/v1\/namespaces\/bpa-ns\/secrets\//,
          status: 409,
          times: 1,
        });

        await mirrored;
        const id = await tasks.create(
          replica,
          token,
          'bpa-environment',
          environmentRequest(world, env, 'apply'),
        );
        const failures: Array<{ step: string; message: string }> = [];
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
        const inProject = (status: number) =>
          world.atlas.server.exchanges.filter(
            e =>
              e.status === status &&
              e.uri.includes(`/groups/${env.atlasProjectId}/`),
          ).length;
        const failedAt = (pattern: RegExp) =>
          failures.find(f => pattern.test(f.message));
        const outcome = (pattern: RegExp) => {
          const f = failedAt(pattern);
          return f
            ? `failed ${f.step} clearly ("${
                f.message.split('\n')[0]
              }"), its retry completed`
            : 'survived';
        };
        report.lines.push(
          '  faults (one apply), each kind and how it ended:',
          ...awsFaults.map(
            f =>
              `    ${f.kind} ×${f.times} (${f.service} ${f.command}): survived (the SDK's retries)`,
          ),
          `    Atlas 429 ×${inProject(429)} (getGroupCluster), 503 ×${inProject(
            503,
          )} (createGroupCluster), Retry-After 1 s: survived`,
          ...kube.injected.map(
            k =>
              `    Kubernetes ${k}: ${outcome(
                new RegExp(k.endsWith('409') ? '409|conflict' : '500|internal'),
              )}`,
          ),
          `    helm failed ×${helm.failures()}: ${outcome(
            /helm|unreachable/i,
          )}`,
          `  failures, each retried (POST …/retry): ${failures
            .map(f => `${f.step}: ${f.message.split('\n')[0]}`)
            .join('; ')}`,
        );

        // Every fault was met.
        expect(aws.pendingFaults()).toEqual([]);
        expect(inProject(429)).toBeGreaterThanOrEqual(2);
        expect(inProject(503)).toBeGreaterThanOrEqual(1);
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
        await expectSameAsUninterrupted(world, env, await clean, 'faults');
        const passwords = secretPasswords(world, env);
        expect(passwords.now).toEqual(passwords.first);
        await expectAppliedAndLive(replica, token, env);
        await servedTaskPage(replica, token, tasks, id);
      } finally {
        await kube?.close();
      }
    });
  }

  beforeAll(async () => {
    world = await startWorld({ msPerMinute: 1000 });
    const clean = uninterrupted();
    const restarted = restarts(clean.mirror, clean.apply);
    const two = replicas(clean.mirror, clean.apply);
    Object.assign(stage, {
      clean: clean.apply,
      teardown: clean.teardown,
      refused: clean.refused,
      restarts: restarted.apply,
      teardownRestarts: restarted.teardown,
      replicaKilled: two.killed,
      ten: two.ten,
      faults: faults(clean.mirror, clean.apply),
    });
    // The killed apply and its teardown take longest, on their own after
    // the others: those stop once done, their backends and clusters no
    // longer using CPU, and a marker in BPA_E2E_OUT says so (scripts/test.sh
    // starts the unit tests then, beside the rest).
    const restartStages = [stage.restarts, stage.teardownRestarts];
    const othersStopped = Promise.allSettled(
      Object.values(stage).filter(p => !restartStages.includes(p)),
    )
      .then(() =>
        stopScenarios(scenarios.filter(x => x.env.name !== 'e2e-restarts')),
      )
      .catch(() => undefined)
      .then(() => {
        const out = process.env.BPA_E2E_OUT;
        if (out) {
          fs.mkdirSync(out, { recursive: true });
          fs.writeFileSync(path.join(out, 'only-restarts-left'), '');
        }
      });
    stage.done = Promise.allSettled(Object.values(stage))
      .then(() => othersStopped)
      .then(() => stopScenarios());
  });
  afterAll(async () => {
    await stage.done?.catch(() => undefined);
    const kills = (title: string, records: KillRecord[]) => [
      `  ${title}: ${records.length} tried, ${records.length} resumed (each by a backend that had never run the task)`,
      ...describeKills(records),
    ];
    console.log(
      [
        'end-to-end summary',
        ...kills('restart points of the apply', report.applyKills),
        ...kills('restart points of the teardown', report.teardownKills),
        `  duplicates: ${Object.values(report.duplicates).reduce(
          (a, b) => a + b,
          0,
        )} (resources created more than once, by scenario: ${Object.entries(
          report.duplicates,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}); ECR pushes per image: ${[
          'sase-service',
          ...RESTART_IMAGES.map(i => i.name),
          'bpa-chart',
        ]
          .map(
            i => `${i} ${world ? pushesInto(world, `bpa/${i}`).length : '?'}`,
          )
          .join(', ')}`,
        ...report.lines,
        '  timings:',
        ...stages.summary(scenarios.map(x => x.portal)).map(l => `  ${l}`),
        '',
      ].join('\n'),
    );
    await world?.stop();
  });

  describe('one uninterrupted apply', () => {
    it('completes every step, creates each resource once, and the environment is applied and live', () =>
      stage.clean);

    it('tears down through the teardown template: the stacks in order, a final snapshot, the Atlas cluster kept, gone from the catalog', () =>
      stage.teardown);

    it('refuses a plan and apply by a user outside the owner group at its first step, before any cloud call', () =>
      stage.refused);
  });

  describe('one apply, its backend killed (SIGKILL) at every step boundary, inside the long waits and in the middle of the mirror', () => {
    it('resumes on another backend each time and completes: no duplicate, no orphan, no secret regenerated, nothing pushed twice', () =>
      stage.restarts);

    it('a teardown killed in the middle resumes and completes, the Atlas cluster terminated as asked', () =>
      stage.teardownRestarts);
  });

  describe('two replicas on one PostgreSQL', () => {
    it('an apply running on A, A killed: B recovers it and completes it, and no call of A follows one of B', () =>
      stage.replicaKilled);

    it('ten tasks submitted across two replicas all complete, each run once by one replica, both replicas running tasks', () =>
      stage.ten);
  });

  describe('faults per call kind', () => {
    it('AWS, Atlas, Kubernetes and helm faults: each survived, or a clear failure whose retry (POST …/retry) completes without redoing finished work', () =>
      stage.faults);
  });

  describe('over the whole run', () => {
    it('ECR received each image and the chart once: no mirror, killed, retried or run again by another environment, pushed one twice', async () => {
      await stage.done;
      for (const image of [
        'sase-service',
        ...RESTART_IMAGES.map(i => i.name),
        'bpa-chart',
      ]) {
        expect(pushesInto(world, `bpa/${image}`)).toHaveLength(1);
      }
    });

    it('no generated password, Atlas credential, TLS private key or token appears in any log, workspace, task row, step output or catalog entity; a planted one is found', async () => {
      await stage.done;
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
      expect(forScan.environments).toHaveLength(4);
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
