// Benchmark: how the AWS apply of a BPA environment spends its time and API calls.
// Runs the template's apply sequence with the real actions (bpa:aws:deploy,
// bpa:aws:wait) against a simulated CloudFormation (aws-sdk-client-mock) whose
// stacks take the reference latencies, on a clock scaled down so that one
// minute lasts --scale-ms-per-minute milliseconds (default 500). The code's
// own CPU time is magnified as much as the clock is sped up, so a faster
// clock overstates the overhead. The poll interval is scaled the same way, so
// the number of API calls is the number the apply makes at real latencies.
//   yarn node scripts/bench-apply.js [--poll-seconds=20] [--scale-ms-per-minute=500]
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { createAwsClientFactory } = require('../plugins/bpa-node/src');
const {
  TEST_PARAMETERS,
  APPLIED_REFERENCE_SPEC_INPUT,
  simulateAws,
} = require('../plugins/bpa-test-utils/src');
const {
  createPlanEnvironmentAction,
} = require('../plugins/scaffolder-backend-module-bpa/src/actions/planEnvironment');
const {
  createAwsDeployAction,
} = require('../plugins/scaffolder-backend-module-bpa/src/actions/awsDeploy');
const {
  createAwsWaitAction,
} = require('../plugins/scaffolder-backend-module-bpa/src/actions/awsWait');

const arg = (name, fallback) => {
  const found = process.argv.find(a => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const POLL_SECONDS = arg('poll-seconds', 20);
const SCALE_MS_PER_MINUTE = arg('scale-ms-per-minute', 500);
const MINUTE = 60_000;
/** Stack creation times of the reference deployment, in minutes. */
const LATENCY = { network: 3, cluster: 12, data: 9, registry: 1, edge: 3 };
/** CloudFormation computing a change set. */
const CHANGE_SET_SECONDS = 10;

/** Real time, run faster: every simulated minute lasts SCALE_MS_PER_MINUTE ms. */
function scaledClock() {
  const factor = SCALE_MS_PER_MINUTE / MINUTE;
  const origin = Date.UTC(2025, 0, 1);
  const start = performance.now();
  return {
    now: () => origin + (performance.now() - start) / factor,
    sleep: ms => new Promise(resolve => setTimeout(resolve, ms * factor)),
  };
}

/** A task step's context, as the scaffolder gives it to an action. */
function stepContext(workspacePath, input, log) {
  const outputs = {};
  const logger = {
    info: m => log.push(m),
    warn: m => log.push(m),
    error: m => log.push(m),
    debug: () => {},
    child: () => logger,
  };
  return {
    outputs,
    ctx: {
      input,
      workspacePath,
      logger,
      isDryRun: false,
      output: (name, value) => (outputs[name] = value),
      checkpoint: ({ fn }) => fn(),
      task: { id: 'bench' },
    },
  };
}

/** One apply of the reference environment into a fresh simulated account. */
async function applyOnce() {
  const workspacePath = fs.mkdtempSync(
    path.join(os.tmpdir(), 'bpa-bench-apply-'),
  );
  const log = [];
  // As the plan step records it for apply: the bastion's AMI pinned.
  const spec = APPLIED_REFERENCE_SPEC_INPUT;
  const run = async (action, input) => {
    const { ctx, outputs } = stepContext(workspacePath, input, log);
    await action.handler(ctx);
    return outputs;
  };
  await run(createPlanEnvironmentAction(), { spec, outputDir: 'bpa-plan' });

  const clock = scaledClock();
  const aws = simulateAws({
    clock,
    accountId: spec.aws.accountId,
    region: spec.aws.region,
    changeSetMs: CHANGE_SET_SECONDS * 1000,
    timings: Object.fromEntries(
      Object.entries(LATENCY).map(([kind, minutes]) => [
        `${spec.name}-${kind}`,
        {
          create: minutes * MINUTE,
          update: minutes * MINUTE,
          delete: minutes * MINUTE,
        },
      ]),
    ),
  });
  const options = {
    clients: createAwsClientFactory({
      credentialsManager: {
        getCredentialProvider: async () => ({
          sdkCredentialProvider: async () => ({
            accessKeyId: 'bench',
            secretAccessKey: 'bench',
          }),
        }),
      },
    }),
    clock,
    pollIntervalMs: POLL_SECONDS * 1000,
  };
  const deploy = createAwsDeployAction(options);
  const wait = createAwsWaitAction(options);
  // The certificate the simulated ACM holds (the deploy checks it is issued).
  const certificateArn = TEST_PARAMETERS.CertificateArn;

  try {
    // The template's apply: network; cluster + data + registry + edge started
    // together; wait for them (which then puts the nodes behind the load balancer).
    const t0 = performance.now();
    await run(deploy, { spec, stacks: ['network'] });
    const started = await run(deploy, {
      spec,
      stacks: ['cluster', 'data', 'registry', 'edge'],
      certificateArn,
      wait: false,
    });
    const waited = await run(wait, { spec, stacks: started.stacks });
    if ((waited.loadBalancerTargets ?? []).length !== 4) {
      throw new Error('the apply did not put the four node groups behind the load balancer');
    }
    const wallMinutes = (performance.now() - t0) / SCALE_MS_PER_MINUTE;

    const byCommand = {};
    for (const [service, mock] of Object.entries(aws.mocks)) {
      for (const call of mock.calls()) {
        const name = `${service}:${call.args[0].constructor.name.replace(
          /Command$/,
          '',
        )}`;
        byCommand[name] = (byCommand[name] ?? 0) + 1;
      }
    }
    return {
      wallMinutes,
      calls: aws.callCount(),
      byCommand,
      logLines: log.length,
    };
  } finally {
    aws.restore();
    fs.rmSync(workspacePath, { recursive: true, force: true });
  }
}

async function main() {
  // The first apply also loads and compiles code, which the scaled clock would magnify 600-fold.
  const cold = await applyOnce();
  const { wallMinutes, calls, byCommand, logLines } = await applyOnce();

  // Every stack but the network needs only the network.
  const longestPath =
    LATENCY.network +
    Math.max(LATENCY.cluster, LATENCY.data, LATENCY.registry, LATENCY.edge);
  const serialSum = Object.values(LATENCY).reduce((a, b) => a + b, 0);
  const verdict = (value, target) => (value <= target ? 'meets' : 'misses');
  const pathRatio = wallMinutes / longestPath;
  const serialRatio = wallMinutes / serialSum;

  console.log(
    'BPA AWS apply benchmark (reference environment, simulated CloudFormation)',
  );
  console.log(
    `  stack latencies (min): ${Object.entries(LATENCY)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; change sets ${CHANGE_SET_SECONDS} s`,
  );
  console.log(
    `  poll interval: ${POLL_SECONDS} s; 1 min simulated in ${SCALE_MS_PER_MINUTE} ms`,
  );
  console.log(
    `  wall time: ${wallMinutes.toFixed(2)} min simulated (${(
      (wallMinutes * SCALE_MS_PER_MINUTE) /
      1000
    ).toFixed(2)} s real; first, cold run ${cold.wallMinutes.toFixed(2)} min)`,
  );
  console.log(
    `  wall / longest dependency path (${longestPath} min): ${pathRatio.toFixed(
      3,
    )} (target <= 1.10: ${verdict(pathRatio, 1.1)})`,
  );
  console.log(
    `  wall / serial sum (${serialSum} min):             ${serialRatio.toFixed(
      3,
    )} (target <= 0.45: ${verdict(
      serialRatio,
      0.45,
    )}; no order can go below ${(longestPath / serialSum).toFixed(3)})`,
  );
  console.log(
    `  AWS API calls at real latencies: ${calls} (target <= 300: ${verdict(
      calls,
      300,
    )})`,
  );
  console.log(
    `    ${Object.entries(byCommand)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`  task log lines: ${logLines}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
