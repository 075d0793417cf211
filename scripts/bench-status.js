// Benchmark: the live status API under many viewers. Applied environments
// (their five stacks deployed on the simulated AWS of the test utils, which
// counts every call) whose cluster is the lab cluster (scripts/lab-cluster.js
// on a real kube-apiserver + etcd, whose own request counter is read from
// its /metrics), served by the bpa backend plugin on 127.0.0.1 with its
// production settings (30 s cache). Viewers run in a worker thread, so they
// do not share the backend's event loop:
//
//   1, 10 and 100 concurrent viewers, each asking again as soon as it has
//   its answer, --seconds each (30), each phase on an environment nobody
//   has looked at yet: requests, p50 and p95, and the calls the backend
//   made upstream (AWS, Kubernetes, Atlas) while the phase sent requests;
//   then --rate requests per second (200), paced, for --seconds: errors, p95.
//
//   yarn node scripts/bench-status.js [--seconds=30] [--rate=200]
//
// Exits non-zero when upstream calls grow with the viewers or a paced
// request fails; latency targets are reported (they depend on the machine).
require('@backstage/cli/config/nodeTransform.cjs');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const {
  Worker,
  isMainThread,
  parentPort,
  workerData,
} = require('node:worker_threads');

const arg = (name, fallback) => {
  const found = process.argv.find(a => a.startsWith(`--${name}=`));
  return found ? Number(found.split('=')[1]) : fallback;
};
const SECONDS = arg('seconds', 30);
const RATE = arg('rate', 200);
const VIEWERS = [1, 10, 100];
/** Statuses are kept this long (bpa.status.cacheSeconds, the default). */
const CACHE_SECONDS = 30;
/** One request may take at most this long before it counts as an error. */
const REQUEST_TIMEOUT_MS = 10_000;

const percentile = (sorted, p) =>
  sorted.length === 0
    ? NaN
    : sorted[
        Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
      ];

/** Runs in the worker: one phase of requests against `url`, then its timings. */
async function runPhase({ url, authorization, viewers, rate, seconds }) {
  const latencies = [];
  let errors = 0;
  const errorKinds = new Map();
  const once = async () => {
    const start = performance.now();
    try {
      const response = await fetch(url, {
        headers: { Authorization: authorization },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body = await response.json();
      if (response.status !== 200 || body.live !== true) {
        throw new Error(`HTTP ${response.status}`);
      }
    } catch (error) {
      errors += 1;
      const kind = error?.message ?? String(error);
      errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
    }
    latencies.push(performance.now() - start);
  };
  const end = performance.now() + seconds * 1000;
  // The window is over once its last request has left: the main thread
  // counts upstream calls then (a read that a request queued past the
  // window makes, after the cache expired, belongs to the next window).
  const closing = setTimeout(
    () => parentPort.postMessage({ windowClosed: true }),
    seconds * 1000,
  );
  if (viewers) {
    await Promise.all(
      Array.from({ length: viewers }, async () => {
        while (performance.now() < end) await once();
      }),
    );
  } else {
    // Paced: request i leaves at start + i / rate, whether or not the
    // earlier ones have answered.
    const start = performance.now();
    const total = Math.round(rate * seconds);
    const inFlight = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise(resolve => setTimeout(resolve, wait));
      inFlight.push(once());
    }
    await Promise.all(inFlight);
  }
  clearTimeout(closing);
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    errorKinds: [...errorKinds.entries()],
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
  };
}

/** The viewers' thread: runs each phase the main thread sends. */
function serveViewers() {
  parentPort.on('message', async phase => {
    parentPort.postMessage(await runPhase({ ...workerData, ...phase }));
  });
}

/** What the API server answered so far, by resource (its apiserver_request_total). */
function kubernetesRequests(api) {
  return new Promise((resolve, reject) => {
    const req = https.get(
      `${api.server}/metrics`,
      {
        ca: Buffer.from(api.caData, 'base64'),
        headers: { Authorization: `Bearer ${api.token}` },
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => (text += chunk));
        res.on('end', () => {
          let total = 0;
          for (const line of text.split('\n')) {
            if (!line.startsWith('apiserver_request_total{')) continue;
            // The portal's reads: resources of the namespace and the nodes
            // (not the API server's own upkeep, nor this scrape).
            const resource = /resource="([^"]*)"/.exec(line)?.[1];
            if (
              [
                'deployments',
                'statefulsets',
                'daemonsets',
                'pods',
                'events',
                'nodes',
                'secrets',
              ].includes(resource) &&
              /verb="(LIST|GET)"/.test(line)
            ) {
              total += Number(line.slice(line.lastIndexOf(' ') + 1));
            }
          }
          resolve(total);
        });
      },
    );
    req.on('error', reject);
  });
}

async function main() {
  // Only the main thread loads the harness: the viewers' thread needs none of it.
  const { DescribeClusterCommand } = require('@aws-sdk/client-eks');
  const { CloudFormationClient } = require('@aws-sdk/client-cloudformation');
  const { mockCredentials } = require('@backstage/backend-test-utils');
  const {
    STACK_KINDS,
    parseEnvironmentSpec,
  } = require('../plugins/bpa-common/src');
  const { StackDeployer } = require('../plugins/bpa-node/src');
  const {
    APPLIED_REFERENCE_SPEC_INPUT,
    VirtualClock,
    recordingLogger,
    simulateAws,
    stackRequests,
    startKubeApiServer,
  } = require('../plugins/bpa-test-utils/src');
  const {
    environmentSystem,
    simulatedAwsClients,
    startStatusBackend,
  } = require('../plugins/bpa-backend/src/__testUtils__/backend');
  const {
    statusSourcesFromConfig,
  } = require('../plugins/bpa-backend/src/service/sources');
  const { seedLabCluster } = require('./lab-cluster');
  if (SECONDS > CACHE_SECONDS) {
    throw new Error(
      `--seconds=${SECONDS} is longer than the ${CACHE_SECONDS} s cache: upstream calls per phase would not compare`,
    );
  }
  const started = performance.now();
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-bench-status-'));
  const api = await startKubeApiServer();
  let backend;
  let worker;
  try {
    const names = [
      'bpa-bench-sample',
      ...VIEWERS.map(v => `bpa-bench-${v}`),
      'bpa-bench-paced',
    ];
    const specs = names.map(name =>
      parseEnvironmentSpec({ ...APPLIED_REFERENCE_SPEC_INPUT, name }),
    );
    // Every environment's release runs in the same lab namespace.
    await seedLabCluster(api, specs[0]);
    const kubeconfig = path.join(directory, 'kubeconfig');
    fs.writeFileSync(kubeconfig, api.kubeconfig, { mode: 0o600 });

    const clock = new VirtualClock();
    const { accountId, region } = specs[0].aws;
    const aws = simulateAws({ clock, accountId, region });
    aws.mocks.eks.on(DescribeClusterCommand).callsFake(async ({ name }) => ({
      cluster: {
        name,
        status: 'ACTIVE',
        version: specs[0].cluster.kubernetesVersion,
      },
    }));
    const deployer = new StackDeployer({
      cloudFormation: new CloudFormationClient({ region }),
      logger: recordingLogger(),
      clock,
    });
    for (const spec of specs) {
      const requests = stackRequests(spec);
      for (const kind of STACK_KINDS) await deployer.deploy(requests[kind]);
      aws.vpcEndpoints.add({
        VpcEndpointId: `vpce-${spec.name}`,
        State: 'Available',
        Tags: [
          { Key: 'bpa:environment', Value: spec.name },
          { Key: 'Name', Value: `${spec.name}-atlas` },
        ],
      });
    }
    // Atlas: a stand-in that counts (its contract is tested against Prism).
    let atlasCalls = 0;
    const atlas = {
      getCluster: async () => {
        atlasCalls += 1;
        return { stateName: 'IDLE', mongoDBVersion: '8.0.4' };
      },
    };

    backend = await startStatusBackend({
      entities: specs.map(spec => environmentSystem(spec, 'applied')),
      config: {
        bpa: {
          kubernetes: { kubeconfig },
          status: { cacheSeconds: CACHE_SECONDS },
        },
      },
      sources: config => ({
        ...statusSourcesFromConfig(config),
        aws: simulatedAwsClients(accountId),
        atlas,
      }),
    });
    aws.resetHistory();

    worker = new Worker(__filename, {
      workerData: { authorization: mockCredentials.user.header() },
    });
    const phase = async (environment, options) => {
      const before = {
        aws: aws.callCount(),
        kubernetes: await kubernetesRequests(api),
        atlas: atlasCalls,
      };
      let atClose;
      const countAtClose = async () => ({
        aws: aws.callCount(),
        atlas: atlasCalls,
        kubernetes: await kubernetesRequests(api),
      });
      const result = await new Promise((resolve, reject) => {
        const onMessage = message => {
          if (message.windowClosed) {
            atClose = countAtClose();
            return;
          }
          worker.off('message', onMessage);
          resolve(message);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.postMessage({
          url: `${backend.baseUrl}/environments/default/${environment}/status`,
          seconds: SECONDS,
          ...options,
        });
      });
      const after = await (atClose ?? countAtClose());
      const upstream = {
        aws: after.aws - before.aws,
        kubernetes: after.kubernetes - before.kubernetes,
        atlas: after.atlas - before.atlas,
      };
      return {
        ...result,
        upstream,
        upstreamTotal: upstream.aws + upstream.kubernetes + upstream.atlas,
      };
    };

    const sample = await fetch(
      `${backend.baseUrl}/environments/default/${specs[0].name}/status`,
      { headers: { Authorization: mockCredentials.user.header() } },
    ).then(r => r.text());
    aws.resetHistory();

    const results = {};
    for (const viewers of VIEWERS) {
      results[viewers] = await phase(`bpa-bench-${viewers}`, { viewers });
    }
    const paced = await phase('bpa-bench-paced', { rate: RATE });

    const ms = value => `${value.toFixed(1)} ms`;
    const verdict = ok => (ok ? 'meets' : 'misses');
    console.log(
      `Status bench: ${
        specs.length
      } environments applied on the simulated AWS, their cluster the lab kube-apiserver; cache ${CACHE_SECONDS} s; ${SECONDS} s per phase; an answer is ${(
        sample.length / 1024
      ).toFixed(1)} KB of JSON (setup ${(
        (performance.now() - started) /
        1000
      ).toFixed(0)} s incl. the phases)`,
    );
    console.log(
      '  viewers  requests  req/s   p50       p95       upstream calls (AWS + Kubernetes + Atlas)',
    );
    for (const viewers of VIEWERS) {
      const r = results[viewers];
      console.log(
        `  ${String(viewers).padEnd(8)} ${String(r.requests).padEnd(9)} ${(
          r.requests / SECONDS
        )
          .toFixed(0)
          .padEnd(7)} ${ms(r.p50).padEnd(9)} ${ms(r.p95).padEnd(9)} ${
          r.upstreamTotal
        } (${r.upstream.aws} + ${r.upstream.kubernetes} + ${r.upstream.atlas})${
          r.errors ? `, ${r.errors} errors` : ''
        }`,
      );
    }
    const ratio = results[100].upstreamTotal / results[1].upstreamTotal;
    console.log(
      `  upstream calls per ${SECONDS} s at 100 viewers / at 1 viewer: ${ratio.toFixed(
        2,
      )} (target 1.0: ${verdict(ratio === 1)})`,
    );
    console.log(
      `  p95 at 10 viewers: ${ms(results[10].p95)} (target <= 50 ms: ${verdict(
        results[10].p95 <= 50,
      )})`,
    );
    console.log(
      `  paced ${RATE} req/s for ${SECONDS} s: ${paced.requests} requests, ${
        paced.errors
      } errors (target 0: ${verdict(paced.errors === 0)}), p50 ${ms(
        paced.p50,
      )}, p95 ${ms(paced.p95)}; upstream calls ${paced.upstreamTotal}`,
    );
    for (const [kind, count] of paced.errorKinds) {
      console.log(`    error: ${kind} (${count})`);
    }
    const failedViewers = VIEWERS.filter(v => results[v].errors > 0);
    if (ratio !== 1 || paced.errors > 0 || failedViewers.length > 0) {
      process.exitCode = 1;
    }
  } finally {
    await worker?.terminate();
    await backend?.stop();
    await api.stop();
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch(error => {
    console.error(error);
    process.exit(1);
  });
} else {
  serveViewers();
}
