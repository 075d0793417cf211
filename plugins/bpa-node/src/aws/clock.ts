/**
 * Time as the stack waits see it. Injected so a test or the benchmark can run
 * hours of CloudFormation in seconds while the waits keep their real-world
 * intervals, timeouts and elapsed times.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(new Error('Cancelled'));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined = undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Error('Cancelled'));
      };
      timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** `4m12s`, `1h02m03s`: how long a stack operation has been running. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m${s}s` : `${m}m${s}s`;
}
