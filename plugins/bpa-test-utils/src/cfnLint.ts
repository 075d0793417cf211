import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One finding of AWS's CloudFormation linter. */
export interface CfnLintFinding {
  /** Rule id, e.g. E3002 (errors start with E, warnings with W, informational with I). */
  rule: string;
  level: 'Error' | 'Warning' | 'Informational';
  message: string;
  /** The linted file, as given. */
  file: string;
  /** Where in the template: resource and property path, e.g. `Resources/HttpsListener/Properties`. */
  path: string;
  line: number;
}

/**
 * How to run cfn-lint: `CFN_LINT` (an executable) when set, else its entry
 * point in the Python the moto tests use (`BPA_PYTHON`, else `python3`),
 * where `scripts/python-tools.sh` installs it with pip; wherever pip put the
 * console script, PATH or not. `python3 -m cfnlint` is not an entry point:
 * the package has no `__main__`. Fails (never skips) with what to do when
 * it does not run.
 */
export function cfnLintCommand(): { command: string; args: string[] } {
  const found = process.env.CFN_LINT
    ? { command: process.env.CFN_LINT, args: [] }
    : {
        command: process.env.BPA_PYTHON ?? 'python3',
        args: [
          '-c',
          'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())',
        ],
      };
  const probe = spawnSync(found.command, [...found.args, '--version'], {
    encoding: 'utf8',
  });
  if (probe.status === 0 && /cfn-lint/.test(probe.stdout)) return found;
  throw new Error(
    `AWS's cfn-lint is needed and does not run through ${found.command} (${
      probe.error?.message ?? probe.stderr.trim()
    }): run bash scripts/python-tools.sh (installs it with pip), or set CFN_LINT to its path.`,
  );
}

/**
 * Runs cfn-lint once over all the given templates (one process: it loads
 * its schemas once) and returns every finding. Each template is checked in
 * the region its own configuration names (see {@link writeTemplates}): no
 * `--regions` on the command line, which would override it. Fails when
 * cfn-lint itself fails (exit status 1, or output that is not its JSON
 * report).
 */
export function runCfnLint(files: string[]): CfnLintFinding[] {
  const { command, args } = cfnLintCommand();
  const result = spawnSync(
    command,
    [...args, '--format', 'json', '--', ...files],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // Exit status is a bit mask: 2 errors, 4 warnings, 8 informational; 1 is cfn-lint failing.
  if (result.error || result.status === null || (result.status & 1) === 1) {
    throw new Error(
      `cfn-lint failed (status ${result.status}): ${
        result.error?.message ?? result.stderr
      }`,
    );
  }
  let report: Array<{
    Rule: { Id: string };
    Level: CfnLintFinding['level'];
    Message: string;
    Filename: string;
    Location: { Start: { LineNumber: number }; Path?: unknown[] };
  }>;
  try {
    report = JSON.parse(result.stdout || '[]');
  } catch {
    throw new Error(
      `cfn-lint did not answer with its JSON report: ${result.stdout.slice(
        0,
        500,
      )}${result.stderr}`,
    );
  }
  return report.map(f => ({
    rule: f.Rule.Id,
    level: f.Level,
    message: f.Message,
    file: f.Filename,
    path: (f.Location.Path ?? []).join('/'),
    line: f.Location.Start.LineNumber,
  }));
}

/**
 * Writes each template to a fresh temporary directory, named as given, for
 * {@link runCfnLint}; returns their paths. Each gets a top-level
 * `Metadata: cfn-lint: config: regions: [<region>]` block, cfn-lint's own
 * per-template setting, so that it is checked in the region it is deployed
 * to (instance classes, for one, differ by region); nothing else is changed.
 */
export function writeTemplates(
  templates: Array<{ name: string; content: string; region: string }>,
): { dir: string; files: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-cfn-lint-'));
  const files = templates.map(t => {
    if (/^Metadata:/m.test(t.content)) {
      throw new Error(
        `${t.name} has its own Metadata; merge the cfn-lint region into it`,
      );
    }
    const file = path.join(dir, t.name);
    fs.writeFileSync(
      file,
      `${t.content.replace(
        /\n?$/,
        '\n',
      )}Metadata:\n  cfn-lint:\n    config:\n      regions: [${t.region}]\n`,
      'utf8',
    );
    return file;
  });
  return { dir, files };
}
