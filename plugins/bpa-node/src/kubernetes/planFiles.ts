import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { parseAllDocuments } from 'yaml';
import {
  describeReference,
  listReferences,
  Reference,
  resolveReferences,
} from '../plan/incluster';
import { KubeObject } from './client';

/**
 * The plan files the in-cluster steps apply, as `bpa:environment:plan`
 * writes them (renderKubernetesManifests and renderHelmValues).
 */
export const PLAN_FILES = {
  namespaces: 'kubernetes/00-namespaces.yaml',
  eniConfigs: 'kubernetes/10-eni-configs.yaml',
  storageClass: 'kubernetes/15-storage-class.yaml',
  nodePreparation: 'kubernetes/20-node-preparation.yaml',
  secrets: 'kubernetes/30-secrets.yaml',
  databaseBootstrap: 'kubernetes/40-database-bootstrap.yaml',
  helmValues: 'helm/values.yaml',
} as const;

/** A plan file as the reviewer saw it. */
export interface PlanFile {
  path: string;
  text: string;
  /** Short hash of the text: identifies this version of the file in checkpoints. */
  digest: string;
}

export async function readPlanFile(
  planDirectory: string,
  planPath: string,
): Promise<PlanFile> {
  const file = resolveSafeChildPath(planDirectory, planPath);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `The plan has no ${planPath} (looked in ${planDirectory}): run bpa:environment:plan first, with the same request`,
      );
    }
    throw error;
  }
  return {
    path: planPath,
    text,
    digest: createHash('sha256').update(text).digest('hex').slice(0, 12),
  };
}

/** The objects of a multi-document manifest, in file order. */
export function parseManifest(file: PlanFile): KubeObject[] {
  return parseAllDocuments(file.text).flatMap((doc, i) => {
    if (doc.errors.length > 0) {
      throw new Error(
        `${file.path}, document ${i + 1}: ${doc.errors
          .map(e => e.message)
          .join('; ')}`,
      );
    }
    const object = doc.toJS();
    return object ? [object as KubeObject] : [];
  });
}

/** Whether a reference's value is a secret (anything but a stack output). */
export const isSecretReference = (ref: Reference) =>
  ref.source !== 'cloudformation';

/** Values of references, keyed by `describeReference(ref)`. */
export type ReferenceValueMap = ReadonlyMap<string, string>;

/** Looks a reference up in resolved values, for `resolveReferences`. */
export const lookupIn =
  (values: ReferenceValueMap) =>
  (ref: Reference): string | undefined =>
    values.get(describeReference(ref));

/**
 * Replaces the `${source:name:key}` references in every string of the
 * objects: only there, so a value can never change the YAML's structure.
 */
export function fillReferences<T>(value: T, values: ReferenceValueMap): T {
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return resolveReferences(v, lookupIn(values));
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, fill(x)]),
      );
    }
    return v;
  };
  return fill(value) as T;
}

/** Every reference written in the files, each once. */
export function referencesIn(files: PlanFile[]): Reference[] {
  const seen = new Map<string, Reference>();
  for (const file of files) {
    for (const ref of listReferences(file.text))
      seen.set(describeReference(ref), ref);
  }
  return [...seen.values()];
}
