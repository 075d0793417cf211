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
  /** The backends alive when the task was taken up again (a replica started after the kill among them). */
  aliveAtRecovery: string[];
  /** From the SIGKILL until a backend claimed the task again. */
  recoveryMs: number;
}

/**
 * Runs a task to the kill points, in order: at each, SIGKILLs the backend
 * running it (its whole process group: helm dies with it, as in a crashed
 * pod), and waits until another backend — started after the previous kill,
 * so it never saw the task — recovers and claims it; a new backend is then
 * started for the next kill. Returns once the last kill has been recovered;
 * throws if the task ends before a point is reached.
 */
export async function killAtEachPoint(options: {
  portal: Portal;
  tasks: Tasks;
  taskId: string;
  /** The backend running the task now. */
  running: Replica;
  points: KillPoint[];
  /** Name of the backend started for the i-th kill. */
  replicaName: (i: number) => string;
  timeoutMs: number;
}): Promise<KillRecord[]> {
  const { portal, tasks, taskId, points } = options;
  const records: KillRecord[] = [];
  let running = options.running;
  let spare: Promise<Replica> | undefined = portal.startReplica(
    options.replicaName(0),
  );
  // Never an unhandled rejection: it is awaited at the next kill.
  spare.catch(() => undefined);
  let runStart = 0;
  try {
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
      const killedAt = Date.now();
      await killed.kill();
      const next: Replica = await spare!;
      spare =
        i + 1 < points.length
          ? portal.startReplica(options.replicaName(i + 1))
          : undefined;
      spare?.catch(() => undefined);
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
      // Until the resumed run is back at work (it skips the completed steps first).
      await tasks.waitFor(
        taskId,
        (_task, events) =>
          events.some(
            e => e.id > recovered.id && e.body.status === 'processing',
          ),
        `the task to resume after the kill "${point.name}"`,
        options.timeoutMs,
      );
      point.resumed?.();
      records.push({
        point: point.name,
        killed: killed.name,
        step,
        killedAt,
        aliveAtRecovery: portal.replicas
          .filter(r => r !== killed && r.alive())
          .map(r => r.name),
        recoveryMs: Date.now() - killedAt,
      });
      runStart = recovered.id;
      running = next;
    }
    return records;
  } finally {
    if (spare) await spare.then(r => r.kill()).catch(() => undefined);
  }
}
