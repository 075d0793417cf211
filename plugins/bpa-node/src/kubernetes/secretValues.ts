import {
  describeReference,
  parseReference,
  Reference,
  resolveReferences,
  VALUE_SOURCES_ANNOTATION,
} from '../plan/incluster';
import { KubeObject } from './client';
import { lookupIn, PlanFile, ReferenceValueMap } from './planFiles';

/**
 * How the plan's Secret shapes name where each key's value comes from
 * (annotation `bpa.cisco.com/value-sources`), sorted by what the apply
 * step has to do to get it.
 */
export type ValueSource =
  | { kind: 'reference'; ref: Reference }
  | { kind: 'literal'; value: string }
  | { kind: 'plan'; path: string }
  | { kind: 'derived'; how: string }
  | { kind: 'certificate'; how: string };

const REFERENCE_SOURCES = ['secretsmanager', 'cloudformation', 'stack-secret'];

export function parseValueSource(source: string): ValueSource {
  const colon = source.indexOf(':');
  const prefix = colon < 0 ? source : source.slice(0, colon);
  const rest = colon < 0 ? '' : source.slice(colon + 1);
  if (REFERENCE_SOURCES.includes(prefix)) {
    return { kind: 'reference', ref: parseReference(source) };
  }
  switch (prefix) {
    case 'literal':
      return { kind: 'literal', value: rest };
    case 'plan':
      return { kind: 'plan', path: rest };
    case 'derived':
      return { kind: 'derived', how: rest };
    case 'generated':
    case 'input':
      return { kind: 'certificate', how: source };
    default:
      throw new Error(`Unknown Secret value source "${source}"`);
  }
}

/** Each key of a planned Secret and where its value comes from, in the plan's key order. */
export function valueSourcesOf(
  secret: KubeObject,
): Array<[string, ValueSource]> {
  const annotation = secret.metadata.annotations?.[VALUE_SOURCES_ANNOTATION];
  if (!annotation) {
    throw new Error(
      `Secret ${secret.metadata.namespace}/${secret.metadata.name} in the plan has no ${VALUE_SOURCES_ANNOTATION} annotation`,
    );
  }
  const sources = JSON.parse(annotation) as Record<string, string>;
  return Object.entries(sources).map(([key, source]) => [
    key,
    parseValueSource(source),
  ]);
}

/**
 * A value computed from the Secret's other keys: `<template>[, each part
 * URL-encoded]`, where `<key>` stands for that key's value.
 */
export function deriveValue(
  how: string,
  values: Record<string, string>,
): string {
  const [template, ...notes] = how.split(', ');
  const encode = notes.includes('each part URL-encoded')
    ? encodeURIComponent
    : (text: string) => text;
  return template.replace(/<([A-Za-z0-9_.-]+)>/g, (_, key: string) => {
    if (!(key in values)) {
      throw new Error(
        `Derived value "${template}" needs key ${key}, which the Secret does not have`,
      );
    }
    return encode(values[key]);
  });
}

export interface SecretFillInputs {
  /** Resolved references (every reference the Secret's sources and plan files name). */
  values: ReferenceValueMap;
  /** The plan files `plan:` sources name. */
  planFiles: ReadonlyMap<string, PlanFile>;
  /** Values of `generated:`/`input:` keys (the TLS certificate), by key. */
  certificate?: Record<string, string>;
}

/**
 * The planned Secret with every value filled in, as `data` (base64) in
 * the plan's key order; `stringData` goes, the rest stays as planned.
 */
export function fillSecret(
  secret: KubeObject,
  inputs: SecretFillInputs,
): KubeObject {
  const name = `${secret.metadata.namespace}/${secret.metadata.name}`;
  const sources = valueSourcesOf(secret);
  const values: Record<string, string> = {};
  const lookup = lookupIn(inputs.values);
  for (const [key, source] of sources) {
    switch (source.kind) {
      case 'reference': {
        const value = lookup(source.ref);
        if (value === undefined) {
          throw new Error(
            `Secret ${name}: no value for ${describeReference(source.ref)}`,
          );
        }
        values[key] = value;
        break;
      }
      case 'literal':
        values[key] = source.value;
        break;
      case 'plan': {
        const file = inputs.planFiles.get(source.path);
        if (!file)
          throw new Error(
            `Secret ${name}: plan file ${source.path} was not read`,
          );
        values[key] = resolveReferences(file.text, lookup);
        break;
      }
      case 'certificate': {
        const value = inputs.certificate?.[key];
        if (value === undefined) {
          throw new Error(
            `Secret ${name}: key ${key} needs the ingress certificate (${source.how})`,
          );
        }
        values[key] = value;
        break;
      }
      default:
        // Derived values need the others: computed below.
        break;
    }
  }
  for (const [key, source] of sources) {
    if (source.kind === 'derived')
      values[key] = deriveValue(source.how, values);
  }
  const { stringData: _planned, ...rest } = secret;
  return {
    ...rest,
    data: Object.fromEntries(
      sources.map(([key]) => [
        key,
        Buffer.from(values[key]).toString('base64'),
      ]),
    ),
  };
}

/** The references and plan files a planned Secret's values need. */
export function secretNeeds(secret: KubeObject): {
  refs: Reference[];
  planPaths: string[];
} {
  const refs: Reference[] = [];
  const planPaths: string[] = [];
  for (const [, source] of valueSourcesOf(secret)) {
    if (source.kind === 'reference') refs.push(source.ref);
    if (source.kind === 'plan') planPaths.push(source.path);
  }
  return { refs, planPaths };
}

/** Whether a planned Secret gets the ingress certificate. */
export const needsCertificate = (secret: KubeObject) =>
  valueSourcesOf(secret).some(([, source]) => source.kind === 'certificate');
