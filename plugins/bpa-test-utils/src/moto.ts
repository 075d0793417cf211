import { ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports';

/**
 * moto's server: a second implementation of the AWS APIs, run on loopback so
 * that the project's real SDK clients talk to it over HTTP. It is the check
 * on the simulator (./aws), which was written to accept what the code sends.
 */
export interface MotoServer {
  /** Give it to the SDK clients as `endpoint` (or `AWS_ENDPOINT_URL`). */
  endpoint: string;
  pid: number;
  /** Wipes every service's state (`POST /moto-api/reset`). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Credentials moto accepts; its default account is 123456789012. */
export const MOTO_CREDENTIALS = {
  accessKeyId: 'testing',
  secretAccessKey: 'testing',
};
export const MOTO_ACCOUNT_ID = '123456789012';

/**
 * How long a test (or a setup) against moto may take. moto loads each
 * service on its first request, and on a machine shared with the rest of
 * the suite that can take tens of seconds.
 */
export const MOTO_TEST_TIMEOUT_MS = 120_000;

/**
 * The Python that has moto: `BPA_PYTHON`, else `python3` from PATH
 * (scripts/python-tools.sh installs `moto[server]` into it).
 */
export const motoPython = () => process.env.BPA_PYTHON ?? 'python3';

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise(resolve => child.once('exit', () => resolve()));
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/**
 * Starts `python3 -m moto.server` on a free loopback port and resolves once
 * it answers (about a second). Fails, with the way to install it, when moto
 * cannot start: the tests that need it must fail, never skip.
 */
export async function startMoto(
  options: {
    /**
     * Also point `AWS_ENDPOINT_URL` at moto until `stop()`, for the clients
     * the code builds itself (they honour it); the previous value comes back.
     */
    asDefaultEndpoint?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<MotoServer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = motoPython();
  const child = spawn(
    python,
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', error => {
    spawnError = error;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(killer);
    }
  };
  const failed = (why: string) =>
    new Error(
      `moto could not start (${python} -m moto.server): ${why}. Install it with \`${python} -m pip install 'moto[server]'\` (bash scripts/python-tools.sh does), or set BPA_PYTHON to a Python that has it.${
        output ? `\n${output.trim()}` : ''
      }`,
    );

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError) throw failed(spawnError.message);
    if (child.exitCode !== null) {
      throw failed(`it exited with code ${child.exitCode}`);
    }
    if (await answers(`${endpoint}/moto-api/`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw failed(`it did not answer within ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 100));
  }
  const endpointBefore = process.env.AWS_ENDPOINT_URL;
  if (options.asDefaultEndpoint) process.env.AWS_ENDPOINT_URL = endpoint;
  return {
    endpoint,
    pid: child.pid!,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, {
        method: 'POST',
      });
      if (!response.ok) {
        throw new Error(`moto's reset answered ${response.status}`);
      }
    },
    async stop() {
      if (options.asDefaultEndpoint) {
        if (endpointBefore === undefined) delete process.env.AWS_ENDPOINT_URL;
        else process.env.AWS_ENDPOINT_URL = endpointBefore;
      }
      await stop();
    },
  };
}

/** app-config giving the portal moto's account with static keys: what `aws.accounts` would say. */
export const motoAppConfig = () => ({
  aws: {
    accounts: [{ accountId: MOTO_ACCOUNT_ID, ...MOTO_CREDENTIALS }],
  },
});

/** A command an SDK client sent: its name without `Command`, and its input. */
export interface SentCommand {
  command: string;
  input: Record<string, any>;
}

/**
 * Records every command the client sends from now on (what reached the
 * wire, retries aside), for assertions on calls made to moto.
 */
export function recordCommands(client: {
  middlewareStack: { add(middleware: any, options: any): void };
}): SentCommand[] {
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (next: (args: any) => Promise<any>, context: { commandName: string }) =>
      async (args: { input: Record<string, any> }) => {
        sent.push({
          command: context.commandName.replace(/Command$/, ''),
          input: args.input,
        });
        return next(args);
      },
    { step: 'initialize', name: 'bpaRecordCommands' },
  );
  return sent;
}
