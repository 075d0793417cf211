import { InputError } from '@backstage/errors';
import {
  BPA_ENVIRONMENT_ANNOTATION,
  EnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  ApplyOutcome,
  describeObject,
  FieldConflictError,
  KubeObject,
  KubernetesClient,
} from './client';
import { parseManifest, PlanFile, readPlanFile } from './planFiles';
import { Checkpoint, ProgressLogger, SecretMasker } from './progress';

/** What every in-cluster step works with. */
export interface InClusterStepOptions {
  spec: EnvironmentSpec;
  /** Absolute path of the plan `bpa:environment:plan` wrote. */
  planDirectory: string;
  client: KubernetesClient;
  /** The task log; every line goes through `masker`. */
  logger: ProgressLogger;
  /** Collects the secret values the step handles, to keep them out of logs and errors. */
  masker: SecretMasker;
  /** The scaffolder's checkpoint: a resumed task skips steps that finished. */
  checkpoint?: Checkpoint;
  /** Apply the plan over fields another field manager changed (after review). */
  forceConflicts?: boolean;
  /** How often waits poll the cluster. */
  pollIntervalMs?: number;
}

/** One applied object, as outputs and logs report it. */
export interface AppliedObject {
  object: string;
  outcome: ApplyOutcome;
}

/**
 * Refuses a plan written for another environment (the labels of its
 * objects name it), so a request can never apply someone else's plan.
 */
export function checkPlanBelongsTo(
  spec: EnvironmentSpec,
  file: PlanFile,
  objects: KubeObject[],
) {
  for (const object of objects) {
    const owner = object.metadata.labels?.[BPA_ENVIRONMENT_ANNOTATION];
    if (owner !== spec.name) {
      throw new InputError(
        `${file.path} in the plan is for environment "${owner}", not "${spec.name}": plan this request again (bpa:environment:plan) before applying it`,
      );
    }
  }
}

/** Server-side applies objects in order; reports conflicts, or forces them when told to. */
export async function applyObjects(
  options: InClusterStepOptions,
  objects: KubeObject[],
): Promise<AppliedObject[]> {
  const applied: AppliedObject[] = [];
  for (const object of objects) {
    let outcome: ApplyOutcome;
    try {
      ({ outcome } = await options.client.apply(object));
    } catch (error) {
      if (!(error instanceof FieldConflictError) || !options.forceConflicts)
        throw error;
      options.logger.warn(
        `${error.object}: taking over ${error.conflicts
          .map(c => `${c.field} from "${c.manager}"`)
          .join(', ')} (forceConflicts)`,
      );
      ({ outcome } = await options.client.apply(object, { force: true }));
    }
    options.logger.info(`${describeObject(object)} ${outcome}`);
    applied.push({ object: describeObject(object), outcome });
  }
  return applied;
}

/** A plan manifest: its file and objects, checked to be this environment's. */
export async function loadManifest(
  options: InClusterStepOptions,
  planPath: string,
) {
  const file = await readPlanFile(options.planDirectory, planPath);
  const objects = parseManifest(file);
  checkPlanBelongsTo(options.spec, file, objects);
  return { file, objects };
}
