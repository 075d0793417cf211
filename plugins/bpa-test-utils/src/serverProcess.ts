import { ChildProcess, spawn } from 'node:child_process';

/** A server the tests started, and how to stop it (by its pid). */
export interface ServerProcess<T> {
  /** What `ready` found in its output (a port, or just true). */
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise(resolve => child.once('exit', () => resolve()));
}

/**
 * Spawns a server and resolves once `ready` finds what it waits for in the
 * server's output. A server that exits first, or takes longer than
 * `timeoutMs`, fails with the end of its output, and is stopped.
 */
export async function startServerProcess<T>(options: {
  /** How errors name it, e.g. `Prism`. */
  name: string;
  command: string;
  args: string[];
  ready(output: string): T | undefined;
  timeoutMs: number;
}): Promise<ServerProcess<T>> {
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(killer);
    }
  };
  const ready = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `${options.name} did not start within ${
            options.timeoutMs
          } ms:\n${output.slice(-2000)}`,
        ),
      );
    }, options.timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = options.ready(output);
      if (found !== undefined) {
        clearTimeout(timer);
        resolve(found);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', error => {
      clearTimeout(timer);
      reject(new Error(`${options.name} could not start: ${error.message}`));
    });
    child.once('exit', code => {
      clearTimeout(timer);
      reject(
        new Error(
          `${
            options.name
          } exited with ${code} before it was ready:\n${output.slice(-2000)}`,
        ),
      );
    });
  }).catch(async error => {
    await stop();
    throw error;
  });
  // Keep draining its log so the pipe never fills up.
  child.stdout!.resume();
  child.stderr!.resume();
  return { ready, pid: child.pid!, stop };
}
