/**
 * A task's checkpoints as the scaffolder keeps them: a step run again in
 * the same task (a retry, a resumed task) gets back what finished before;
 * what failed runs again. `checkpoint` has the shape of the action
 * context's.
 */
export function taskCheckpoints() {
  const done = new Map<string, unknown>();
  return {
    done,
    async checkpoint<T>({
      key,
      fn,
    }: {
      key: string;
      fn: () => Promise<T>;
    }): Promise<T> {
      if (!done.has(key)) done.set(key, await fn());
      return done.get(key) as T;
    },
  };
}
