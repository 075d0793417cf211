import fs from 'node:fs';
import path from 'node:path';
import { Portal, Replica } from './portal';
import { TaskEvent, Tasks } from './tasks';

/** The task as its current run (since it was last claimed) shows it. */
export interface RunView {
  /** Events of the current run. */
  events: TaskEvent[];
  /** The step the run is in, if any. */
  runningStep?: string;
}

/** A moment to kill the backend running a task. */
export interface KillPoint {
  /** How results name it: `after network`, `inside the Helm wait`. */
  name: string;
  reached(run: RunView): boolean | Promise<boolean>;
  /** Called once the resumed run is back at work, e.g. to let a held resource finish. */
  resumed?(): void;
}

/** Right after a step finished in this run (the next one may have just begun, as in a real crash). */
export function afterStep(stepId: string): KillPoint {
  return {
    name: `after ${stepId}`,
    reached: run =>
      run.events.some(
        e =>
          e.body.stepId === stepId &&
          e.body.status === 'completed' &&
          // Steps a resumed run skips report completed too.
          !/^Skipping step/.test(e.body.message ?? ''),
      ),
  };
}

/**
 * While a step runs, once it has logged a line matching `pattern` (and
 * `also` holds); `resumed` runs when the task is taken up again.
 */
export function insideStep(
  stepId: string,
  name: string,
  pattern: RegExp,
  also: () => boolean | Promise<boolean> = () => true,
  resumed?: () => void,
): KillPoint {
  return {
    name,
    resumed,
    reached: async run =>
      run.runningStep === stepId &&
      run.events.some(
        e => e.body.stepId === stepId && pattern.test(e.body.message ?? ''),
      ) &&
      (await also()),
  };
}

function runView(events: TaskEvent[]): RunView {
  let runningStep: string | undefined;
  for (const e of events) {
    if (!e.body.stepId || !e.body.status) continue;
    if (e.body.status === 'processing') runningStep = e.body.stepId;
    else if (e.body.stepId === runningStep) runningStep = undefined;
  }
  return { events, runningStep };
}

/** What happened at one kill. */
export interface KillRecord {
  point: string;
  /** The replica killed, and the step it was in. */
  killed: string;
  step?: string;
  /** Date.now() of the SIGKILL. */
  killedAt: number;
  /** The replica that recovered the task and runs it now: one that had never run it. */
  recoveredBy: string;
  /** From the SIGKILL until a backend claimed the task again. */
  recoveryMs: number;
}

const hasWorkspaceOf = (replica: Replica, taskId: string) =>
  fs.existsSync(path.join(replica.workingDirectory, taskId));

/**
 * Runs a task to the kill points, in order: at each, SIGKILLs the backend
 * running it (its whole process group: helm and skopeo die with it, as in
 * a crashed pod) and waits until another backend recovers it
 * (scaffolder.taskRecovery: its stale heartbeat found by one of the
 * others' recovery passes) and runs it on. Hot standbys: `standbys`
 * backends that never ran the task are up (or starting) at each kill, and
 * one more is started after each, so a kill is recovered without waiting
 * for a cold start; they stay up for the next caller. Returns once the
 * last kill has been recovered; throws if the task ends before a point is
 * reached, or if a backend that had already run the task took it up.
 */
export async function killAtEachPoint(options: {
  portal: Portal;
  tasks: Tasks;
  taskId: string;
  /** The backend running the task now. */
  running: Replica;
  points: KillPoint[];
  /** Names the next backend it starts. */
  nextReplicaName: () => string;
  /** Backends up besides the running one at each kill (default 1). */
  standbys?: number;
  timeoutMs: number;
}): Promise<KillRecord[]> {
  const { portal, tasks, taskId, points } = options;
  const standbys = options.standbys ?? 1;
  const records: KillRecord[] = [];
  let running = options.running;
  const starting: Array<Promise<Replica>> = [];
  const startStandby = () => {
    const replica = portal.startReplica(options.nextReplicaName());
    // Never an unhandled rejection: awaited before returning.
    replica.catch(() => undefined);
    starting.push(replica);
  };
  const idle = () =>
    portal.replicas.filter(r => r !== running && r.alive()).length;
  for (let n = idle(); n < standbys; n++) startStandby();
  let runStart = 0;
  for (const [i, point] of points.entries()) {
    const since = runStart;
    const killed = running;
    const { lastEventId, step } = await tasks.waitFor(
      taskId,
      async (task, events) => {
        if (['completed', 'failed', 'cancelled'].includes(task.status)) {
          const failures = events
            .filter(e => e.body.status === 'failed')
            .map(e => `${e.body.stepId}: ${e.body.message}`);
          throw new Error(
            `The task ended (${task.status}) before kill point "${
              point.name
            }"${failures.length ? `:\n${failures.join('\n')}` : ''}`,
          );
        }
        const run = runView(events.filter(e => e.id > since));
        return (
          (await point.reached(run)) && {
            lastEventId: events.at(-1)?.id ?? 0,
            step: run.runningStep,
          }
        );
      },
      `kill point "${point.name}"`,
      options.timeoutMs,
    );
    if (!hasWorkspaceOf(killed, taskId)) {
      throw new Error(
        `Kill point "${point.name}": ${killed.name} is not the backend running the task`,
      );
    }
    const ranIt = new Set(
      portal.replicas.filter(r => hasWorkspaceOf(r, taskId)).map(r => r.name),
    );
    const killedAt = Date.now();
    await killed.kill();
    // For the next kill: the one that recovers this one leaves the standbys.
    if (i + 1 < points.length) startStandby();
    const recovered = await tasks.waitFor(
      taskId,
      (task, events) => {
        const event = events.find(
          e => e.id > lastEventId && e.type === 'recovered',
        );
        return event && task.status === 'processing' && event;
      },
      `a backend to recover the task after the kill "${point.name}"`,
      options.timeoutMs,
    );
    const recoveryMs = Date.now() - killedAt;
    // Until the resumed run is back at work (it skips the completed steps first).
    await tasks.waitFor(
      taskId,
      (_task, events) =>
        events.some(e => e.id > recovered.id && e.body.status === 'processing'),
      `the task to resume after the kill "${point.name}"`,
      options.timeoutMs,
    );
    // Who took it up: the backend whose working directory has its workspace now.
    const claimants = portal.replicas.filter(
      r => r.alive() && hasWorkspaceOf(r, taskId),
    );
    if (claimants.length !== 1 || ranIt.has(claimants[0].name)) {
      throw new Error(
        `After the kill "${point.name}" the task's workspace is on ${
          claimants.map(r => r.name).join(', ') || 'no backend'
        } (backends that had run it before: ${[...ranIt].join(', ')})`,
      );
    }
    point.resumed?.();
    records.push({
      point: point.name,
      killed: killed.name,
      step,
      killedAt,
      recoveredBy: claimants[0].name,
      recoveryMs,
    });
    runStart = recovered.id;
    running = claimants[0];
  }
  await Promise.all(starting);
  return records;
}
