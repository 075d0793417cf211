// Benchmark: how long planning a BPA environment takes.
// Prints the reference environment's plan time cold (first call: templates
// compiled) and warm (median of repeated calls), the baseline of validating
// the request alone measured in the same run, and 100 plans of 100 distinct
// environments. Run: yarn node scripts/bench-plan.js
require('@backstage/cli/config/nodeTransform.cjs');
const { performance } = require('node:perf_hooks');
const {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} = require('../plugins/bpa-common/src');
const { renderPlan } = require('../plugins/bpa-node/src');

const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = fn => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
const ms = x => `${x.toFixed(2)} ms`;

const coldPlan = time(() => renderPlan(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)));

const WARM_RUNS = 30;
const validate = [];
const warm = [];
for (let i = 0; i < WARM_RUNS; i++) {
  validate.push(time(() => parseEnvironmentSpec(REFERENCE_SPEC_INPUT)));
  warm.push(time(() => renderPlan(parseEnvironmentSpec(REFERENCE_SPEC_INPUT))));
}

const requests = Array.from({ length: 100 }, (_, i) => ({
  ...REFERENCE_SPEC_INPUT,
  name: `bench-env-${i}`,
  network: {
    ...REFERENCE_SPEC_INPUT.network,
    vpcCidr: `10.${i}.0.0/16`,
  },
}));
let artifacts = 0;
const hundred = time(() => {
  for (const r of requests) artifacts += renderPlan(parseEnvironmentSpec(r)).artifacts.length;
});

console.log('BPA plan benchmark (reference environment)');
console.log(`  validate only (baseline), median of ${WARM_RUNS}: ${ms(median(validate))}`);
console.log(`  plan, cold (first call):              ${ms(coldPlan)}`);
console.log(`  plan, warm, median of ${WARM_RUNS}:           ${ms(median(warm))}`);
console.log(`  warm plan / validate-only baseline:   ${(median(warm) / median(validate)).toFixed(1)}x`);
console.log(`  100 plans of distinct environments:   ${ms(hundred)} (${ms(hundred / 100)} each, ${artifacts} artifacts)`);
console.log(`  100 plans / (100 x warm median):      ${(hundred / (100 * median(warm))).toFixed(2)}`);
