import type { StackClock } from '@internal/backstage-plugin-bpa-node';

/**
 * Time that passes only when someone sleeps: a sleeper wakes once every
 * other piece of work is itself asleep, at the earliest wake-up time. Hours
 * of stack operations take milliseconds, in a deterministic order.
 *
 * With `elapsed` (e.g. real milliseconds since a start), that time passes
 * too: work takes what it takes, and only the waits are skipped.
 */
export class VirtualClock implements StackClock {
  private t: number;
  private readonly sleepers: { at: number; seq: number; wake: () => void }[] =
    [];
  private seq = 0;
  private scheduled = false;

  constructor(
    start = Date.UTC(2025, 0, 1),
    private readonly elapsed: () => number = () => 0,
  ) {
    this.t = start;
  }

  now() {
    return this.t + this.elapsed();
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
    // Two turns of the event loop: every promise chain that can run has run.
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        if (!this.sleepers.length) return;
        this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
        const next = this.sleepers.shift()!;
        this.t = Math.max(this.t, next.at - this.elapsed());
        next.wake();
        if (this.sleepers.length) this.schedule();
      }),
    );
  }
}
