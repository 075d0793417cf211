import { maskSecrets } from './masking';

/** Where the in-cluster steps report progress (the task log). */
export interface ProgressLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * The secret values a step has handled so far, and a logger that never
 * lets one of them through: every message is masked before it is written.
 */
export class SecretMasker {
  private readonly values = new Set<string>();

  add(...values: Array<string | undefined>): void {
    for (const value of values) if (value) this.values.add(value);
  }

  mask(text: string): string {
    return maskSecrets(text, this.values);
  }

  /** A logger writing through this masker. */
  wrap(logger: ProgressLogger): ProgressLogger {
    return {
      info: message => logger.info(this.mask(message)),
      warn: message => logger.warn(this.mask(message)),
    };
  }
}

/** `1m05s`, `42s`: elapsed time as the progress lines show it. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  return minutes > 0
    ? `${minutes}m${String(rest).padStart(2, '0')}s`
    : `${rest}s`;
}

/** Runs a step once per task: the scaffolder's `ctx.checkpoint`, or just the step. */
export type Checkpoint = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

export const runOnce: Checkpoint = (_key, fn) => fn();

export const sleep = (ms: number) =>
  new Promise(resolve => setTimeout(resolve, ms));

/**
 * Polls until `check` says done, logging its progress line when it changes
 * and at least every `logEveryMs`; throws `onTimeout()` when time is up.
 */
export async function pollUntil(options: {
  check: () => Promise<{ done: boolean; progress: string }>;
  logger: ProgressLogger;
  what: string;
  timeoutMs: number;
  intervalMs: number;
  logEveryMs?: number;
  onTimeout: (lastProgress: string) => Promise<Error>;
}): Promise<void> {
  const started = Date.now();
  const logEvery = options.logEveryMs ?? 30_000;
  let lastLine = '';
  let lastLogAt = 0;
  for (;;) {
    const { done, progress } = await options.check();
    const elapsed = Date.now() - started;
    if (done) {
      options.logger.info(
        `${options.what}: ${progress} (${formatDuration(elapsed)})`,
      );
      return;
    }
    if (progress !== lastLine || Date.now() - lastLogAt >= logEvery) {
      options.logger.info(
        `${options.what}: ${progress} (${formatDuration(elapsed)})`,
      );
      lastLine = progress;
      lastLogAt = Date.now();
    }
    if (elapsed >= options.timeoutMs) throw await options.onTimeout(progress);
    await sleep(options.intervalMs);
  }
}
