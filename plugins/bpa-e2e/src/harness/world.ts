import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { environmentRepositories } from '@internal/backstage-plugin-bpa-node';
import {
  AtlasServer,
  FakeAtlas,
  MirrorLab,
  PrismServer,
  SimulatedCloudFormation,
  SimulatedTimings,
  TestKubeApiServer,
  TestPostgres,
  installEniConfigCrd,
  realisticStackOutputs,
  registerNode,
  simulateAws,
  simulateSecretsManager,
  standinChartDirectory,
  startAtlasServer,
  startFakeDaemonSetController,
  startFakeDeploymentController,
  startFakeJobController,
  startKubeApiServer,
  startMirrorLab,
  startPostgres,
  startPrism,
  simulateEcr,
  testHelmBinary,
  testSkopeoBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { SimulatedAwsServer, serveSimulatedAws } from '../aws/awsServer';
import { RegistryProxy, startRegistryProxy } from './registryProxy';
import { SIMULATED_MINUTES, TimeScale } from './time';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'us-east-1';
const BPA_SYSTEM_NAMESPACE = 'bpa-system';
const BPA_NAMESPACE = 'bpa-ns';
/** The cluster stack's node groups, one per node role. */
const NODE_GROUPS = ['node-1', 'node-2', 'node-3', 'node-4'];

/** The simulated AWS account every backend of a world talks to. */
export type WorldAws = ReturnType<typeof simulateAws> & {
  secretsManager: ReturnType<typeof simulateSecretsManager>;
  server: SimulatedAwsServer;
};

/** A real kube-apiserver standing in for an environment's EKS cluster, with the controllers that are not there. */
export interface LabCluster {
  api: TestKubeApiServer;
  /** The portal's kubeconfig (its own token, so the audit log tells its calls apart). */
  kubeconfigFile: string;
  /** The audit log's user name of the portal's calls (backends and their helm). */
  portalUser: string;
  /** Keeps the BPA release's pods from becoming ready (helm --wait waits) until released. */
  holdRollout(): void;
  releaseRollout(): void;
  stop(): Promise<void>;
}

export interface World {
  time: TimeScale;
  postgres: TestPostgres;
  aws: WorldAws;
  atlas: {
    /** The simulated Atlas of one project (created on first use). */
    project(projectId: string): FakeAtlas;
    server: AtlasServer;
    prism: PrismServer;
  };
  /**
   * The source registry the apply's mirror step copies from (the image
   * `ecr.images` names and the stand-in chart, behind a login), and the
   * registry standing in for the account's ECR behind the simulated ECR
   * API, reached through `ecrProxy` (GetAuthorizationToken's
   * proxyEndpoint: `ecr.host` is the proxy's); `chart` is the request's
   * `bpa.chart` in the source.
   */
  registries: MirrorLab & { ecrProxy: RegistryProxy };
  /** Pushes more images into the source registry, and makes their ECR repositories (as the registry stack would). */
  addImages(images: Array<{ name: string; tag: string }>): Promise<void>;
  helmBinary: string;
  skopeoBinary: string;
  /** A directory for this world's files, removed by stop(). */
  dir: string;
  /** Gives an environment's stacks their simulated latencies (SIMULATED_MINUTES). */
  stackLatencies(environment: string): void;
  /** A fresh lab cluster: nodes as the node groups make them, fake kubelets and controllers. */
  startCluster(): Promise<LabCluster>;
  stop(): Promise<void>;
}

/** With BPA_E2E_OUT set (CI), the backends' logs are kept there as <portal>-<replica>.log. */
function keepBackendLogs(dir: string) {
  const out = process.env.BPA_E2E_OUT;
  if (!out) return;
  fs.mkdirSync(out, { recursive: true });
  for (const portal of fs
    .readdirSync(dir)
    .filter(d => d.startsWith('portal-'))) {
    for (const replica of fs.readdirSync(path.join(dir, portal))) {
      const log = path.join(dir, portal, replica, 'backend.log');
      if (fs.existsSync(log)) {
        const name = `${portal.replace(/-[^-]+$/, '')}-${replica}.log`;
        fs.copyFileSync(log, path.join(out, name));
      }
    }
  }
}

/** A copy of the stand-in chart whose workloads roll out (a controller plays the Deployment controller): helm --wait waits for them. */
function rollingStandinChart(dir: string): string {
  const copy = path.join(dir, 'chart-source', 'bpa-standin');
  fs.cpSync(standinChartDirectory(), copy, { recursive: true });
  const values = fs
    .readFileSync(path.join(copy, 'values.yaml'), 'utf8')
    .replace(/^ {2}paused: true$/m, '  paused: false')
    .replace(/^ {2}replicas: 0$/m, '  replicas: 2');
  fs.writeFileSync(path.join(copy, 'values.yaml'), values);
  return copy;
}

/**
 * Starts what every end-to-end run needs around the backends, on
 * 127.0.0.1: a real PostgreSQL; the simulated AWS account (CloudFormation,
 * EKS and Auto Scaling, STS and IAM, Secrets Manager, EC2 VPC endpoints)
 * served to backend processes; the simulated Atlas behind Prism checking
 * every request and answer against the official spec; two real
 * registries (docker-registry), the source holding the test image and the
 * stand-in chart, the other standing in for ECR behind the simulated ECR
 * API (GetAuthorizationToken, DescribeImages). Resources take their simulated latencies on `time`.
 */
export async function startWorld(
  options: { msPerMinute?: number } = {},
): Promise<World> {
  const time = new TimeScale(options.msPerMinute ?? 2000);
  // Every process shares it: stack events, Atlas states and the backends' own timestamps agree.
  const clock = {
    now: () => Date.now(),
    sleep: (ms: number) =>
      new Promise<void>(resolve => setTimeout(resolve, ms)),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-e2e-'));
  const stops: Array<() => Promise<unknown> | unknown> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) {
      await Promise.resolve(fn()).catch(() => undefined);
    }
    keepBackendLogs(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const minutes = SIMULATED_MINUTES;
    // Filled per environment by stackLatencies(): CloudFormation reads it at each operation.
    const stackTimings: Record<string, SimulatedTimings> = {};
    const secretsManager = simulateSecretsManager();
    stops.push(() => secretsManager.mock.restore());
    // Set once simulateAws has made it: the stack outputs read its templates.
    const simulated: { cloudFormation?: SimulatedCloudFormation } = {};
    const aws = simulateAws({
      clock,
      accountId: ACCOUNT_ID,
      region: REGION,
      changeSetMs: time.minutes(minutes.changeSet),
      defaultTimings: {
        create: time.minutes(5),
        update: time.minutes(3),
        delete: time.minutes(3),
      },
      timings: stackTimings,
      outputValue: realisticStackOutputs({
        region: REGION,
        accountId: ACCOUNT_ID,
        secretsManager: secretsManager.state,
        templateOf: stackId => simulated.cloudFormation?.deployedBody(stackId),
      }),
    });
    simulated.cloudFormation = aws.cloudFormation;
    stops.push(() => aws.restore());
    const awsServer = await serveSimulatedAws();
    stops.push(() => awsServer.close());

    // One Atlas project per environment under test: each holds its own clusters, users and endpoint services.
    const projects = new Map<string, FakeAtlas>();
    const projectAtlas = (projectId: string) => {
      let project = projects.get(projectId);
      if (!project) {
        project = new FakeAtlas({
          clock,
          latencyMs: {
            cluster: time.minutes(minutes.atlas.cluster),
            clusterDeletion: time.minutes(minutes.atlas.clusterDeletion),
            endpointService: time.minutes(minutes.atlas.endpointService),
            interfaceEndpoint: time.minutes(minutes.atlas.interfaceEndpoint),
          },
        });
        projects.set(projectId, project);
      }
      return project;
    };
    const atlasServer = await startAtlasServer(projectAtlas);
    stops.push(() => atlasServer.close());
    const helmBinary = testHelmBinary();
    // The request's defaults: the environments under test differ by name, not in their repositories.
    const request = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
    const [postgres, prism, registries] = await Promise.all([
      // Up to ten backends at once (four portals, three hot standbys), each
      // with a pool per plugin database: PostgreSQL's default of 100
      // connections ran out ("sorry, too many clients already").
      startPostgres({ maxConnections: 500 }),
      // Prism takes 11 s to read the spec on an idle machine, minutes on a busy one.
      startPrism(undefined, 300_000, atlasServer.baseUrl),
      startMirrorLab({
        accountId: ACCOUNT_ID,
        region: REGION,
        repositories: environmentRepositories(request),
        images: request.ecr.images,
        chartDirectory: rollingStandinChart(dir),
      }),
    ]);
    stops.push(() => registries.stop());
    stops.push(() => prism.stop());
    stops.push(() => postgres.stop());
    // ECR's API names the proxy as its registry: every push and pull goes through it.
    const ecrProxy = await startRegistryProxy(registries.ecr.url);
    stops.push(() => ecrProxy.close());
    registries.ecrApi.restore();
    const ecrApi = simulateEcr({
      registry: { ...registries.ecr, host: ecrProxy.host, url: ecrProxy.url },
      accountId: ACCOUNT_ID,
      region: REGION,
      repositories: environmentRepositories(request),
    });
    stops.push(() => ecrApi.restore());

    return {
      time,
      postgres,
      aws: {
        ...aws,
        secretsManager,
        server: awsServer,
      },
      atlas: { project: projectAtlas, server: atlasServer, prism },
      registries: {
        ...registries,
        ecr: { ...registries.ecr, host: ecrProxy.host, url: ecrProxy.url },
        ecrApi,
        ecrProxy,
      },
      async addImages(images) {
        for (const image of images) {
          await registries.addImage(image.name, image.tag);
        }
        ecrApi.createRepositories(
          environmentRepositories(
            parseEnvironmentSpec({
              ...REFERENCE_SPEC_INPUT,
              ecr: { images },
            }),
          ),
        );
      },
      helmBinary,
      skopeoBinary: testSkopeoBinary(),
      dir,
      stackLatencies(environment) {
        for (const [kind, m] of Object.entries(minutes.stacks)) {
          stackTimings[`${environment}-${kind}`] = {
            create: time.minutes(m),
            update: time.minutes(m / 2),
            delete: time.minutes(m),
          };
        }
      },
      async startCluster() {
        const api = await startKubeApiServer({ audit: true });
        let rolloutHeld = false;
        const controllers: Array<{ stop(): Promise<void> }> = [];
        const stopCluster = async () => {
          for (const c of controllers) await c.stop().catch(() => undefined);
          await api.stop();
        };
        try {
          await installEniConfigCrd(api);
          // As EKS managed node groups name and label their nodes.
          for (const [i, group] of NODE_GROUPS.entries()) {
            await registerNode(api, `ip-10-0-${i + 1}-17.ec2.internal`, {
              'eks.amazonaws.com/nodegroup': group,
              'kubernetes.io/os': 'linux',
            });
          }
          // Polling the API server, four clusters at once: every half second, not every 100 ms, leaves the CPU to the backends.
          const intervalMs = 500;
          controllers.push(
            startFakeDaemonSetController(api, BPA_SYSTEM_NAMESPACE, {
              intervalMs,
            }),
            startFakeJobController(api, BPA_SYSTEM_NAMESPACE, {
              outcome: 'Complete',
              intervalMs,
            }),
            startFakeDeploymentController(api, BPA_NAMESPACE, {
              readyAfterMs: time.minutes(minutes.rollout),
              held: () => rolloutHeld,
              intervalMs,
            }),
          );
          const kubeconfigFile = path.join(
            fs.mkdtempSync(path.join(dir, 'cluster-')),
            'kubeconfig',
          );
          fs.writeFileSync(kubeconfigFile, api.rotatedKubeconfig, {
            mode: 0o600,
          });
          const cluster: LabCluster = {
            api,
            kubeconfigFile,
            portalUser: 'bpa-test-admin-2',
            holdRollout: () => {
              rolloutHeld = true;
            },
            releaseRollout: () => {
              rolloutHeld = false;
            },
            stop: stopCluster,
          };
          stops.push(stopCluster);
          return cluster;
        } catch (error) {
          await stopCluster();
          throw error;
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
