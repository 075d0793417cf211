// Benchmark: how a plan-and-apply of a BPA environment spends its time and API calls.
// Runs templates/bpa-environment/template.yaml in "plan and apply" mode through
// the real scaffolder (in-process; its engine orders the steps and renders their
// `if`s and inputs) with the BPA actions against the simulators: simulated AWS
// per service, the simulated Atlas, a real kube-apiserver, real helm with the
// stand-in chart, skopeo between two real registries. Waits pass on the bench's
// clock (real work takes real time, waits are skipped), so a 40-minute apply
// takes seconds; every resource takes the latency table's time, each figure
// with its source. Prints wall time against the critical path of the apply's
// resources (derived from the plan's templates and artifacts), AWS and Atlas
// calls, and the spread over the runs; exits 1 when a target is missed.
//   yarn node scripts/bench-apply.js [--runs=3] [--template=templates/bpa-environment/template.yaml]
require('@backstage/cli/config/nodeTransform.cjs');
const path = require('node:path');
const {
  runApply,
} = require('../plugins/scaffolder-backend-module-bpa/src/__testUtils__/applyBench/runApply');
const {
  RESOURCE_LATENCIES,
  OTHER_RESOURCE_LATENCY,
  OTHER_LATENCIES,
} = require('../plugins/scaffolder-backend-module-bpa/src/__testUtils__/applyBench/latencies');

const arg = (name, fallback) => {
  const found = process.argv.find(a => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const RUNS = Number(arg('runs', 3));
const TEMPLATE = path.resolve(
  __dirname,
  '..',
  arg('template', 'templates/bpa-environment/template.yaml'),
);
const TARGET_RATIO = 1.05;
const TARGET_AWS_CALLS = 300;

const minutes = ms => `${(ms / 60_000).toFixed(2)} min`;
const duration = ms =>
  ms >= 60_000
    ? `${+(ms / 60_000).toFixed(2)} min`
    : `${+(ms / 1000).toFixed(1)} s`;
const spread = values => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    min: sorted[0],
    median: sorted[Math.floor(sorted.length / 2)],
    max: sorted[sorted.length - 1],
  };
};
const fmt = (s, digits) =>
  `min ${s.min.toFixed(digits)} / median ${s.median.toFixed(
    digits,
  )} / max ${s.max.toFixed(digits)}`;
const byService = calls => {
  const services = {};
  for (const [key, n] of Object.entries(calls)) {
    const service = key.split(':')[0];
    services[service] = (services[service] ?? 0) + n;
  }
  return services;
};
const total = counts => Object.values(counts).reduce((a, b) => a + b, 0);

async function main() {
  const started = Date.now();
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await runApply(TEMPLATE));
  const benchSeconds = (Date.now() - started) / 1000;
  const [first] = runs;

  console.log(
    `BPA apply benchmark: ${path.relative(
      process.cwd(),
      TEMPLATE,
    )} in "plan and apply" mode through the scaffolder, ${RUNS} runs`,
  );
  console.log('  latency table (simulated):');
  const rows = [
    ...Object.entries(RESOURCE_LATENCIES),
    ['other CloudFormation resources', OTHER_RESOURCE_LATENCY],
    ...Object.entries(OTHER_LATENCIES),
  ];
  for (const [what, latency] of rows) {
    console.log(
      `    ${what.padEnd(44)} ${duration(latency.ms).padStart(9)}  ${
        latency.source
      }`,
    );
  }
  console.log(
    `  steps as the scaffolder ran them (run 1; ${
      first.skipped.length
        ? `skipped by their if: ${first.skipped.join(', ')}`
        : 'none skipped'
    }):`,
  );
  const t0 = first.steps[0].startMs;
  for (const step of first.steps) {
    console.log(
      `    ${step.id.padEnd(16)} ${step.action.padEnd(26)} ${minutes(
        step.startMs - t0,
      ).padStart(10)} → ${minutes(step.endMs - t0).padStart(10)}`,
    );
  }
  console.log(
    `  critical path (${minutes(
      first.criticalPathMs,
    )}): ${first.criticalPath.join(' → ')}`,
  );

  const ratios = runs.map(r => r.wallMs / r.criticalPathMs);
  const awsTotals = runs.map(r => total(r.awsCalls));
  const atlasTotals = runs.map(r => total(r.atlasCalls));
  const wall = spread(runs.map(r => r.wallMs / 60_000));
  const ratio = spread(ratios);
  const aws = spread(awsTotals);
  const atlas = spread(atlasTotals);
  const real = spread(runs.map(r => r.realMs / 1000));
  const verdict = (value, target) => (value <= target ? 'meets' : 'misses');
  console.log(
    `  wall time (simulated, min): ${fmt(wall, 2)}; real seconds per run: ${fmt(
      real,
      1,
    )}`,
  );
  console.log(
    `  wall / critical path (${minutes(first.criticalPathMs)}): ${fmt(
      ratio,
      3,
    )} (target <= ${TARGET_RATIO}: ${verdict(ratio.max, TARGET_RATIO)})`,
  );
  console.log(
    `  AWS API calls: ${fmt(aws, 0)} (target <= ${TARGET_AWS_CALLS}: ${verdict(
      aws.max,
      TARGET_AWS_CALLS,
    )})`,
  );
  console.log(
    `    by service (run 1): ${Object.entries(byService(first.awsCalls))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `    by command (run 1): ${Object.entries(first.awsCalls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(
    `  Atlas API calls: ${fmt(atlas, 0)}; run 1: ${Object.entries(
      first.atlasCalls,
    )
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log(`  bench runtime: ${benchSeconds.toFixed(1)} s`);

  const problems = [
    ...runs.flatMap((r, i) =>
      r.stepOrderProblems.map(p => `run ${i + 1}: ${p}`),
    ),
    ...(ratio.max > TARGET_RATIO
      ? [`wall / critical path ${ratio.max.toFixed(3)} > ${TARGET_RATIO}`]
      : []),
    ...(aws.max > TARGET_AWS_CALLS
      ? [`${aws.max} AWS calls > ${TARGET_AWS_CALLS}`]
      : []),
  ];
  if (problems.length) {
    console.log(`  FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}

// Exits itself: the scaffolder's task queue keeps polling its (stopped) database after the backends stop.
main().then(
  () => process.exit(process.exitCode ?? 0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
