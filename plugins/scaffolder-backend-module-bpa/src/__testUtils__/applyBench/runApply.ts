import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseAllDocuments } from 'yaml';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { ECRClient } from '@aws-sdk/client-ecr';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  Entity,
  RELATION_HAS_PART,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  parseEnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  connectWithKubeconfig,
  createAwsClientFactory,
  environmentRepositories,
  renderPlan,
} from '@internal/backstage-plugin-bpa-node';
import {
  TEST_PARAMETERS,
  fakeReferenceValues,
  installEniConfigCrd,
  registerNode,
  simulateAws,
  startFakeDaemonSetController,
  startFakeJobController,
  startKubeApiServer,
  startMirrorLab,
  VirtualClock,
  testHelmBinary,
  testSkopeoBinary,
} from '@internal/backstage-plugin-bpa-test-utils';
import { fakeAws } from '../atlas';
import { createAtlasClusterAction } from '../../actions/atlasCluster';
import { createAtlasPrivateEndpointAction } from '../../actions/atlasPrivateEndpoint';
import { createAwsDeployAction } from '../../actions/awsDeploy';
import { createAwsWaitAction } from '../../actions/awsWait';
import { createDatabaseBootstrapAction } from '../../actions/databaseBootstrap';
import { createEcrMirrorAction } from '../../actions/ecrMirror';
import { createHelmReleaseAction } from '../../actions/helmRelease';
import { createKubernetesBootstrapAction } from '../../actions/kubernetesBootstrap';
import { createPlanEnvironmentAction } from '../../actions/planEnvironment';
import { createRegisterEnvironmentAction } from '../../actions/registerEnvironment';
import { applyGraph, criticalPath, stackDurations } from './dependencies';
import { OTHER_LATENCIES } from './latencies';
import { timedAtlas } from './timedAtlas';
import { runScaffolderTask } from './scaffolderTask';
import { formValues, readTemplate, stepOrderProblems } from './template';

/** How the production actions wait: the portal's defaults. */
const AWS_POLL_MS = 20_000;
const INCLUSTER_POLL_MS = 100;

/** One step as the task ran it, on the bench's clock. */
export interface StepRun {
  id: string;
  action: string;
  startMs: number;
  endMs: number;
}

export interface ApplyRun {
  /** First step's start to last step's end, simulated. */
  wallMs: number;
  /** The longest path through the apply's resources (latency table). */
  criticalPathMs: number;
  criticalPath: string[];
  /** Of wallMs, the real time the run took (the rest was skipped waiting). */
  realMs: number;
  steps: StepRun[];
  skipped: string[];
  /** Problems with the steps run against template.yaml's (empty when they agree). */
  stepOrderProblems: string[];
  awsCalls: Record<string, number>;
  atlasCalls: Record<string, number>;
}

/**
 * A helm for the stand-in ECR registry: the chart's `oci://` reference
 * names ECR's host, which here is a loopback registry, so every mention of
 * that host (arguments and the registry login file) is rewritten to the
 * stand-in before the real helm runs; DNS does this on AWS.
 */
async function helmForStandIn(
  dir: string,
  ecrHost: string,
  standIn: string,
): Promise<string> {
  const file = path.join(dir, 'helm');
  await fs.writeFile(
    file,
    `#!/bin/bash
set -e
args=()
prev=
for a in "$@"; do
  a="\${a//${ecrHost}/${standIn}}"
  if [ "$prev" = --registry-config ]; then
    sed 's/${ecrHost}/${standIn}/g' "$a" > "$a.standin"
    a="$a.standin"
  fi
  args+=("$a")
  prev="$a"
done
exec ${testHelmBinary()} "\${args[@]}"
`,
    { mode: 0o755 },
  );
  return file;
}

/** Calls per command, `service:Command`, from aws-sdk-client-mock mocks. */
function countCalls(
  mocks: Record<string, { calls(): Array<{ args: unknown[] }> }>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [service, mock] of Object.entries(mocks)) {
    for (const call of mock.calls()) {
      const command = (
        call.args[0] as { constructor: { name: string } }
      ).constructor.name.replace(/Command$/, '');
      const key = `${service}:${command}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * The entities directory as the catalog's BPA provider serves it once
 * processed: each entity, a System with a hasPart relation to each part.
 */
function directoryCatalog(directory: string) {
  return {
    async getEntityByRef(ref: string): Promise<Entity | undefined> {
      const files = await fs.readdir(directory);
      for (const file of files) {
        const entities = parseAllDocuments(
          await fs.readFile(path.join(directory, file), 'utf8'),
        ).map(d => d.toJS() as Entity);
        const found = entities.find(e => stringifyEntityRef(e) === ref);
        if (found) {
          const relations = entities
            .filter(e => e.spec?.system === found.metadata.name)
            .map(e => ({
              type: RELATION_HAS_PART,
              targetRef: stringifyEntityRef(e),
            }));
          return { ...found, relations };
        }
      }
      return undefined;
    },
  };
}

/**
 * One plan-and-apply of the reference environment through the real
 * scaffolder (in-process, its engine reading template.yaml from the
 * catalog and rendering each step's `if` and `input`), with the BPA
 * actions built from their factories against the simulators: AWS per
 * service (stacks taking the latency table's times), the timed simulated
 * Atlas, a real kube-apiserver, real helm with the stand-in chart, and the
 * mirror's skopeo between two real registries.
 */
export async function runApply(templateFile: string): Promise<ApplyRun> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-bench-apply-'));
  const stops: Array<() => Promise<unknown> | unknown> = [];
  try {
    // Real work takes its real time; waits pass at once, counted (a 40-minute apply in seconds).
    const realStart = performance.now();
    const clock = new VirtualClock(
      Date.UTC(2025, 0, 1),
      () => performance.now() - realStart,
    );
    const template = readTemplate(templateFile);
    const spec: EnvironmentSpec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
    const names = resourceNames(spec);
    const graph = applyGraph(spec, renderPlan(spec).artifacts);
    const durations = stackDurations(graph);
    const path_ = criticalPath(graph);

    const [api, lab] = await Promise.all(
      [
        // The machine is shared: a port found free can be taken before etcd binds it.
        startKubeApiServer().catch(() => startKubeApiServer()),
        startMirrorLab({
          accountId: spec.aws.accountId,
          region: spec.aws.region,
          repositories: environmentRepositories(spec),
          images: spec.ecr.images.map(i => ({ name: i.name, tag: i.tag })),
        }),
      ].map(started =>
        (started as Promise<{ stop(): Promise<void> }>).then(server => {
          stops.push(() => server.stop());
          return server;
        }),
      ) as [
        ReturnType<typeof startKubeApiServer>,
        ReturnType<typeof startMirrorLab>,
      ],
    );
    await installEniConfigCrd(api);
    for (const [i, node] of spec.cluster.nodes.entries()) {
      await registerNode(api, `ip-10-0-${i + 1}-10`, {
        'eks.amazonaws.com/nodegroup': node.name,
      });
    }
    const daemonSets = startFakeDaemonSetController(api, 'bpa-system');
    const jobs = startFakeJobController(api, 'bpa-system', {
      outcome: 'Complete',
    });
    stops.push(
      () => daemonSets.stop(),
      () => jobs.stop(),
    );

    // Secrets Manager and the VPC endpoint the Atlas steps make; the stacks' outputs from the simulated CloudFormation.
    // Made before simulateAws: mocking an instance restores a class-wide mock already in place.
    const secrets = fakeAws();
    stops.push(() => Object.values(secrets.mocks).forEach(m => m.restore()));
    const aws = simulateAws({
      clock,
      accountId: spec.aws.accountId,
      region: spec.aws.region,
      changeSetMs: OTHER_LATENCIES.changeSet.ms,
      timings: Object.fromEntries(
        STACK_KINDS.map(kind => [
          names.stack(kind),
          {
            create: durations[kind],
            update: durations[kind],
            delete: durations[kind],
          },
        ]),
      ),
    });
    stops.push(() => aws.restore());
    const atlasAws = {
      ...secrets.clients,
      cloudFormation: new CloudFormationClient({ region: spec.aws.region }),
    };
    const atlas = timedAtlas(clock);
    const awsClients = createAwsClientFactory({
      credentialsManager: {
        getCredentialProvider: async () => ({
          sdkCredentialProvider: async () => ({
            accessKeyId: 'bench',
            secretAccessKey: 'bench',
          }),
        }),
      } as any,
    });
    const ecrHost = `${spec.aws.accountId}.dkr.ecr.${spec.aws.region}.amazonaws.com`;
    const helm = await helmForStandIn(root, ecrHost, lab.ecr.host);
    const references = fakeReferenceValues({ secrets: secrets.secrets });
    const connector = {
      connect: async () => connectWithKubeconfig(api.kubeconfig),
    };
    const entitiesDirectory = path.join(root, 'environments');
    await fs.mkdir(entitiesDirectory);

    const steps: StepRun[] = [];
    /** Records each run of an action; `chargeMs` is work the simulators do not model, put on the clock as it starts. */
    const timed = (action: TemplateAction<any, any, any>, chargeMs = 0) => ({
      ...action,
      async handler(ctx: any) {
        const run: StepRun = {
          id: ctx.step?.id ?? '?',
          action: action.id,
          startMs: clock.now(),
          endMs: NaN,
        };
        steps.push(run);
        const charge = clock.sleep(chargeMs);
        await action.handler(ctx);
        await charge;
        run.endMs = clock.now();
      },
    });
    const awsOptions = {
      clients: awsClients,
      clock,
      pollIntervalMs: AWS_POLL_MS,
    };
    const atlasOptions = {
      atlas: atlas.api,
      awsClients: async () => atlasAws,
      clock,
    };
    const inCluster = {
      connector,
      pollIntervalMs: INCLUSTER_POLL_MS,
      referenceValues: { forEnvironment: async () => references.values },
    };
    const actions = [
      timed(
        createPlanEnvironmentAction({
          applyPrerequisites: {
            awsClients,
            atlas: atlas.api,
            helmBinary: helm,
            skopeoBinary: testSkopeoBinary(),
          },
        }),
      ),
      timed(
        createRegisterEnvironmentAction({
          entitiesDirectory,
          catalog: directoryCatalog(entitiesDirectory) as any,
          auth: {
            getOwnServiceCredentials: async () => mockCredentials.service(),
          },
          catalogPollMs: 50,
        }),
      ),
      timed(createAtlasClusterAction(atlasOptions)),
      timed(createAtlasPrivateEndpointAction(atlasOptions)),
      timed(createAwsDeployAction(awsOptions)),
      timed(createAwsWaitAction(awsOptions)),
      timed(
        createEcrMirrorAction({
          skopeoBinary: testSkopeoBinary(),
          registries: [
            {
              host: lab.source.host,
              username: lab.source.username,
              password: lab.source.password,
              tlsVerify: false,
            },
          ],
          ecr: async () =>
            new ECRClient({
              region: spec.aws.region,
              credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
            }),
          s3: async () => {
            throw new Error('the bench copies from a registry, not S3');
          },
          tempRoot: lab.workDir,
        }),
        OTHER_LATENCIES.imageMirror.ms,
      ),
      timed(
        createKubernetesBootstrapAction({
          ...inCluster,
          secretsManager: async () => secrets.clients.secretsManager,
        }),
        OTHER_LATENCIES.nodePreparation.ms,
      ),
      timed(
        createDatabaseBootstrapAction(inCluster),
        OTHER_LATENCIES.databaseJob.ms,
      ),
      timed(
        createHelmReleaseAction({
          connector,
          pollIntervalMs: INCLUSTER_POLL_MS,
          helmBinary: helm,
          ecrLogin: async registry => ({
            host: registry.host,
            username: lab.ecr.username!,
            password: lab.ecr.password!,
            plainHttp: true,
          }),
        }),
        OTHER_LATENCIES.helmRelease.ms,
      ),
    ];

    const values = {
      ...formValues(template, spec),
      certificateArn: TEST_PARAMETERS.CertificateArn,
      ecrSourceRegistry: `${lab.source.host}/bpa`,
      bpaChart: lab.chart,
      mode: 'apply',
    };
    const taskStart = Date.now();
    const task = await runScaffolderTask({ template, actions, values });
    const realMs = Date.now() - taskStart;
    if (task.status !== 'completed') {
      throw new Error(
        `the apply task ${task.status}:\n${task.log.slice(-25).join('\n')}`,
      );
    }
    const awsCalls = countCalls({
      ...aws.mocks,
      secretsManager: secrets.mocks.secretsManager,
      ec2: {
        calls: () => [...aws.mocks.ec2.calls(), ...secrets.mocks.ec2.calls()],
      },
      ecr: lab.ecrApi.mock,
    });
    const atlasCalls: Record<string, number> = {};
    for (const method of atlas.fake.calls)
      atlasCalls[method] = (atlasCalls[method] ?? 0) + 1;
    return {
      wallMs: steps[steps.length - 1].endMs - steps[0].startMs,
      criticalPathMs: path_.ms,
      criticalPath: path_.path,
      realMs,
      steps,
      skipped: task.skipped,
      stepOrderProblems: stepOrderProblems(
        template.spec.steps,
        steps.map(s => s.id),
        task.skipped,
      ),
      awsCalls,
      atlasCalls,
    };
  } finally {
    for (const stop of stops.reverse()) await stop();
    await fs.rm(root, { recursive: true, force: true });
  }
}
