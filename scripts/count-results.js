// Sums the Jest (unit and integration; end-to-end apply) and Playwright JSON
// reports into the plain closing line "N passed, N failed"; script checks
// without a report (the production smoke test, listed in PASSED_STEPS) count
// as one test each, and failed steps without a report (tsc, install) as one
// failure each. Exits non-zero on any failure.
const fs = require('fs');
const path = require('path');

const [outDir, ...failedSteps] = process.argv.slice(2);
let passed = 0;
let failed = 0;

function read(file) {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, file), 'utf8'));
  } catch {
    return undefined;
  }
}

const jest = read('jest.json');
const applyE2e = read('jest-apply-e2e.json');
for (const report of [jest, applyE2e]) {
  if (report) {
    passed += report.numPassedTests;
    failed += report.numFailedTests + (report.numRuntimeErrorTestSuites || 0);
  }
}
const e2e = read('playwright.json');
if (e2e) {
  passed += e2e.stats.expected + (e2e.stats.flaky || 0);
  failed += e2e.stats.unexpected;
}
// What failed, last before the closing line: a log cut in the middle (as
// CI shows a long one) still names each failed test and its first lines.
const plain = text => String(text).replace(/\u001b\[[0-9;]*m/g, '');
const firstLines = text =>
  plain(text)
    .split('\n')
    .map(l => l.trimEnd())
    .filter(l => l.trim() && !/^\s+at /.test(l))
    .slice(0, 6)
    .map(l => `      ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`);
const failures = [];
for (const report of [jest, applyE2e]) {
  for (const file of report?.testResults ?? []) {
    const where = path.relative(process.cwd(), file.name);
    const failedTests = (file.assertionResults ?? []).filter(
      t => t.status === 'failed',
    );
    for (const t of failedTests) {
      failures.push(
        `  ${where} › ${t.fullName}`,
        ...firstLines(t.failureMessages.join('\n')),
      );
    }
    if (!failedTests.length && file.status === 'failed') {
      failures.push(
        `  ${where} (the file failed to run)`,
        ...firstLines(file.message),
      );
    }
  }
}
const specs = suite => [
  ...(suite.specs ?? []).map(spec => ({
    ...spec,
    file: spec.file ?? suite.file,
  })),
  ...(suite.suites ?? []).flatMap(specs),
];
for (const spec of (e2e?.suites ?? []).flatMap(specs)) {
  if (spec.ok) continue;
  const errors = spec.tests.flatMap(t =>
    t.results.flatMap(r => r.errors ?? []),
  );
  failures.push(
    `  ${spec.file} › ${spec.title}`,
    ...firstLines(errors.map(e => e.message).join('\n')),
  );
}
if (failures.length) console.log(['', 'failed tests:', ...failures].join('\n'));

passed += (process.env.PASSED_STEPS || '').split(' ').filter(Boolean).length;
for (const step of failedSteps) {
  const reported =
    (step === 'jest' && jest) ||
    (step === 'apply-e2e' && applyE2e) ||
    (step === 'e2e' && e2e && e2e.stats.unexpected);
  if (!reported) {
    console.log(`step failed: ${step}`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
