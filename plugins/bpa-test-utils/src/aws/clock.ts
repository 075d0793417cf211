import type { StackClock } from '@internal/backstage-plugin-bpa-node';

/**
 * Time that passes only when someone sleeps: a sleeper wakes once every
 * other piece of work is itself asleep, at the earliest wake-up time. Hours
 * of stack operations take milliseconds, in a deterministic order.
 */
export class VirtualClock implements StackClock {
  private t: number;
  private readonly sleepers: { at: number; seq: number; wake: () => void }[] =
    [];
  private seq = 0;
  private scheduled = false;

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.t = start;
  }

  now() {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    return new Promise(resolve => {
      this.sleepers.push({ at: this.t + ms, seq: this.seq++, wake: resolve });
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
        this.t = Math.max(this.t, next.at);
        next.wake();
        if (this.sleepers.length) this.schedule();
      }),
    );
  }
}
