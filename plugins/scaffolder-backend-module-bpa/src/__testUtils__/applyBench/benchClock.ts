import { performance } from 'node:perf_hooks';

/**
 * The bench's clock: real time, plus the waits nobody has to sit through.
 * Work (the scaffolder, the actions, helm, the API servers) takes the real
 * time it takes; a sleep on this clock ends at once and moves the clock on
 * by its length, the earliest sleeper first, once every other piece of work
 * has had two turns of the event loop. So a 40-minute apply runs in
 * seconds, and its simulated duration is the real work plus the waits.
 */
export class BenchClock {
  private readonly origin = Date.UTC(2025, 0, 1);
  private readonly started = performance.now();
  private skipped = 0;
  private readonly sleepers: {
    at: number;
    seq: number;
    wake: () => void;
  }[] = [];
  private seq = 0;
  private scheduled = false;

  now(): number {
    return this.origin + (performance.now() - this.started) + this.skipped;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.now() + ms, seq: this.seq++, wake: resolve };
      signal?.addEventListener('abort', () => {
        const i = this.sleepers.indexOf(sleeper);
        if (i >= 0) this.sleepers.splice(i, 1);
        reject(signal.reason);
      });
      this.sleepers.push(sleeper);
      this.schedule();
    });
  }

  private schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        if (!this.sleepers.length) return;
        this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = this.sleepers.shift()!;
        this.skipped += Math.max(0, next.at - this.now());
        next.wake();
        if (this.sleepers.length) this.schedule();
      }),
    );
  }
}
