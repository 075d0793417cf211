import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The outcome of running a node preparation script on a fake node. */
export interface PrepareRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Every directory under the data root afterwards, relative, with its mode. */
  directories: Record<string, string>;
  /** The sysctl writes the script made. */
  sysctlWrites: string[];
  /** Whether the script created its PREPARED_MARKER. */
  markerCreated: boolean;
}

/**
 * A fake node in a temporary directory: the data root lives under it, and
 * `sysctl` is a stand-in on PATH that reports `maxMapCount` and records
 * writes, so the script runs for real without touching the host's kernel.
 */
export function fakeNode() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'bpa-node-'));
  const bin = path.join(root, 'bin');
  const sysctlLog = path.join(root, 'sysctl.log');
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, 'sysctl'),
    '#!/bin/sh\nif [ "$1" = "-n" ]; then echo "$FAKE_MAX_MAP_COUNT"; else echo "$*" >> "$SYSCTL_LOG"; fi\n',
    { mode: 0o755 },
  );

  const listDirectories = (dataRoot: string): Record<string, string> => {
    const result: Record<string, string> = {};
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const full = path.join(dir, entry.name);
        result[path.relative(dataRoot, full)] = (
          fs.statSync(full).mode & 0o777
        ).toString(8);
        walk(full);
      }
    };
    if (fs.existsSync(dataRoot)) walk(dataRoot);
    return result;
  };

  return {
    /** Use as cluster.dataMountPath. */
    mountPath: path.join(root, 'opt'),
    run(
      script: string,
      dataRoot: string,
      maxMapCount: number,
    ): Promise<PrepareRun> {
      const scriptFile = path.join(root, 'prepare.sh');
      const marker = path.join(root, 'prepared');
      fs.writeFileSync(scriptFile, script);
      fs.rmSync(marker, { force: true });
      fs.rmSync(sysctlLog, { force: true });
      return new Promise(resolve => {
        execFile(
          'sh',
          [scriptFile],
          {
            env: {
              PATH: `${bin}:${process.env.PATH}`,
              FAKE_MAX_MAP_COUNT: String(maxMapCount),
              SYSCTL_LOG: sysctlLog,
              PREPARED_MARKER: marker,
            },
          },
          (error, stdout, stderr) =>
            resolve({
              code:
                typeof error?.code === 'number'
                  ? error.code
                  : Number(Boolean(error)),
              stdout,
              stderr,
              directories: listDirectories(dataRoot),
              sysctlWrites: fs.existsSync(sysctlLog)
                ? fs.readFileSync(sysctlLog, 'utf8').split('\n').filter(Boolean)
                : [],
              markerCreated: fs.existsSync(marker),
            }),
        );
      });
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
