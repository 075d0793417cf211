import { BPA_STATE_ANNOTATION } from '@internal/backstage-plugin-bpa-common';
import { Portal, startPortal } from './harness/portal';
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
} from './harness/resources';
import { Tasks, signIn, stepStatuses } from './harness/tasks';
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
      const failures = events.filter(e => e.body.status === 'failed');
      expect(failures.map(e => `${e.body.stepId}: ${e.body.message}`)).toEqual(
        [],
      );
      expect(task.status).toBe('completed');
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
      const created = creations(world, env);
      const named = (key: string) => key.split(env.name).join('<env>');
      expect(
        Object.entries(created)
          .filter(([, n]) => n !== 1)
          .map(([k, n]) => `${named(k)}: ${n}`),
      ).toEqual([]);
      expect(Object.keys(created).map(named)).toEqual(
        expect.arrayContaining(CLEAN_APPLY_CREATES),
      );
      expect(deletions(world, env)).toEqual({});
      console.log(
        `inventory of a clean apply:\n${(await inventory(world, env)).join(
          '\n',
        )}`,
      );

      // The catalog and the environment page.
      const system = await catalogSystem(replica, token, env);
      expect(system?.metadata.annotations?.[BPA_STATE_ANNOTATION]).toBe(
        'applied',
      );
      const status = await liveStatus(replica, token, env);
      expect(status).toMatchObject({ state: 'applied', live: true });
      expect(partsNotOk(status)).toEqual([]);
    });
  });
});
