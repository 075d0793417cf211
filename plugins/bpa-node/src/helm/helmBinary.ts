import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Runs a program to completion; never throws for a non-zero exit. */
export function runProgram(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise(resolve => {
    execFile(
      file,
      args,
      { env: options.env, cwd: options.cwd, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : 127;
        resolve({ code, stdout, stderr: stderr || error.message });
      },
    );
  });
}

/** The first executable `name` in a directory of the PATH. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The helm binary and the version it reports. */
export interface HelmBinary {
  path: string;
  version: string;
}

/**
 * The helm binary: config `bpa.helm.binary`, else `helm` on the backend's
 * PATH; run once (`helm version`) so a missing or broken binary fails
 * before anything changes.
 */
export async function findHelmBinary(configured?: string): Promise<HelmBinary> {
  const found = configured ?? onPath('helm');
  if (!found) {
    throw new Error(
      "Helm is not installed: no `helm` on the backend's PATH. Install Helm 3 or set bpa.helm.binary in app-config to its path.",
    );
  }
  const result = await runProgram(found, ['version', '--short']);
  if (result.code !== 0) {
    throw new Error(
      `Helm at ${found}${
        configured ? ' (bpa.helm.binary)' : ''
      } does not run: ${result.stderr.trim()}`,
    );
  }
  const version = result.stdout.trim();
  if (!/^v3\./.test(version)) {
    throw new Error(
      `Helm at ${found} is ${version}; the BPA release needs Helm 3`,
    );
  }
  return { path: found, version };
}
