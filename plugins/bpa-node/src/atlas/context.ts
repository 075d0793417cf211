import { LoggerService } from '@backstage/backend-plugin-api';
import { Clock } from './wait';

/** JSON a checkpoint stores between attempts of a task. */
export type CheckpointValue =
  | string
  | number
  | boolean
  | null
  | CheckpointValue[]
  | { [key: string]: CheckpointValue };

/** What the Atlas steps need from the scaffolder task running them. */
export interface AtlasStepContext {
  logger: LoggerService;
  /**
   * Runs a mutation at most once per task: a resumed task gets the stored
   * result instead of running it again. Never return a secret from `fn`:
   * the result is stored with the task.
   */
  checkpoint<T extends CheckpointValue | void>(
    key: string,
    fn: () => Promise<T>,
  ): Promise<T>;
  clock: Clock;
}
