import { Portal } from './portal';

/** One stage of a scenario: what it was, when it ran, how it ended. */
export interface StageTiming {
  name: string;
  startedAt: number;
  endedAt?: number;
  failed?: boolean;
}

/**
 * The scenarios of the end-to-end suite run side by side (each its own
 * portal, environment and lab cluster; the clouds are shared): most of a
 * scenario's time is waiting, for a resource's simulated latency or for a
 * recovery pass, and waits overlap. A stage is one test's work, started
 * at once and awaited by its test; its timing goes into the summary.
 */
export class Stages {
  readonly timings: StageTiming[] = [];
  readonly startedAt = Date.now();

  /** Runs `fn` as the stage `name` now; the promise is the stage's outcome (never an unhandled rejection). */
  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const timing: StageTiming = { name, startedAt: Date.now() };
    this.timings.push(timing);
    const outcome = fn().then(
      value => {
        timing.endedAt = Date.now();
        return value;
      },
      error => {
        timing.endedAt = Date.now();
        timing.failed = true;
        throw error;
      },
    );
    outcome.catch(() => undefined);
    return outcome;
  }

  /**
   * The summary's timing lines: each stage's start (from the suite's),
   * wall time and outcome; the backends each portal started, their
   * start-up (wall and CPU) and the CPU they used; the test process's CPU.
   */
  summary(portals: Portal[]): string[] {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const lines = this.timings.map(
      t =>
        `  ${t.name}: ${
          t.endedAt ? s(t.endedAt - t.startedAt) : 'unfinished'
        } from ${s(t.startedAt - this.startedAt)}${t.failed ? ' (failed)' : ''}`,
    );
    const replicas = portals.flatMap(p => p.replicas);
    const started = replicas.filter(r => r.startup);
    const avg = (values: number[]) =>
      values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
    const cpu = process.cpuUsage();
    lines.push(
      `  backends: ${replicas.length} started (${portals
        .map(p => `${p.name} ${p.replicas.length}`)
        .join(', ')}); ready after ${avg(
        started.map(r => r.startup!.seconds),
      ).toFixed(1)} s on average (max ${Math.max(
        ...started.map(r => r.startup!.seconds),
      ).toFixed(1)} s), ${avg(started.map(r => r.startup!.cpuSeconds)).toFixed(
        1,
      )} s CPU each to start; ${replicas
        .reduce((n, r) => n + r.cpuSeconds(), 0)
        .toFixed(0)} s CPU in all`,
      `  test process: ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU`,
      `  all: ${s(Date.now() - this.startedAt)}`,
    );
    return lines;
  }
}
