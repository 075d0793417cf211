import { LoggerService } from '@backstage/backend-plugin-api';

/** Time, injectable so waits are testable without waiting. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms)),
};

/** How long a wait polls, and how often. */
export interface WaitOptions {
  pollIntervalMs: number;
  timeoutMs: number;
}

/** `45s`, `4m 05s`, `1h 02m`: elapsed time in the task log. */
export function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${two(m)}m`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
}

export interface PollSpec<T> {
  /** What is waited for, as the log names it: `Atlas cluster bpa-demo-mongo`. */
  subject: string;
  /** The state wanted, for messages: `IDLE`. */
  goal: string;
  poll(): Promise<T>;
  /** The current state in a word or two, for the log. */
  state(value: T): string;
  done(value: T): boolean;
  /** A reason to stop waiting because the goal cannot be reached, if any. */
  failure?(value: T): string | undefined;
  /** Told to the user on timeout: what happens to the resource, what to do. */
  onTimeout?: string;
}

/**
 * Polls until `done`, logging each state with the elapsed time; throws on a
 * failure state or when the timeout passes.
 */
export async function waitUntil<T>(
  spec: PollSpec<T>,
  options: WaitOptions,
  logger: LoggerService,
  clock: Clock,
): Promise<T> {
  const started = clock.now();
  for (;;) {
    const value = await spec.poll();
    const elapsed = clock.now() - started;
    const state = spec.state(value);
    if (spec.done(value)) {
      logger.info(
        `${spec.subject} is ${state} after ${formatDuration(elapsed)}`,
      );
      return value;
    }
    const failure = spec.failure?.(value);
    if (failure) {
      throw new Error(`${spec.subject} cannot become ${spec.goal}: ${failure}`);
    }
    if (elapsed + options.pollIntervalMs > options.timeoutMs) {
      throw new Error(
        `Timed out after ${formatDuration(elapsed)} waiting for ${
          spec.subject
        } to become ${spec.goal}; it is still ${state}.${
          spec.onTimeout ? ` ${spec.onTimeout}` : ''
        }`,
      );
    }
    logger.info(
      `${spec.subject} is ${state}, waiting for ${spec.goal} (${formatDuration(
        elapsed,
      )} elapsed)`,
    );
    await clock.sleep(options.pollIntervalMs);
  }
}
