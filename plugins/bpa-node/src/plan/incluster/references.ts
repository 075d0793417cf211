/**
 * References: how an artifact names a value only known, or only allowed to
 * exist, at apply time (a password, a stack output).
 *
 * Syntax, in any plan artifact: `${<source>:<name>:<key>}`, optionally
 * followed by `[<n>]` inside the braces to take the n-th (0-based) item of a
 * comma-separated value, CloudFormation's convention for list outputs.
 * Sources:
 *
 * - `${secretsmanager:bpa/demo/postgres-auth:password}`: key `password` of
 *   the JSON Secrets Manager secret named `bpa/demo/postgres-auth`;
 * - `${cloudformation:demo-network:PodSubnetIds[0]}`: the first item of
 *   output `PodSubnetIds` of the stack `demo-network`;
 * - `${stack-secret:demo-data/MasterUserSecretArn:password}`: key `password`
 *   of the JSON secret whose ARN is output `MasterUserSecretArn` of the stack
 *   `demo-data` (a secret AWS names, such as RDS's master user secret).
 *
 * The characters allowed in each part are restricted, so the notation
 * `${<source>:<name>:<key>}` used in documentation is not itself a
 * reference, and Handlebars output (`{{...}}`) never is.
 */

/** A value to look up at apply time. */
export interface Reference {
  /** Where the value lives: `secretsmanager`, `cloudformation` or `stack-secret`. */
  source: string;
  /** Secret name, stack name, or `<stack>/<output>` for `stack-secret`. */
  name: string;
  /** JSON key of the secret, or output key of the stack. */
  key: string;
}

const SOURCE = '[a-z][a-z0-9-]*';
const NAME = '[A-Za-z0-9/_+=.@-]+';
const KEY = '[A-Za-z0-9_.-]+';
const REFERENCE_PATTERN = new RegExp(
  `\\$\\{(${SOURCE}):(${NAME}):(${KEY})(?:\\[(\\d+)\\])?\\}`,
  'g',
);
const BARE_REFERENCE_PATTERN = new RegExp(`^(${SOURCE}):(${NAME}):(${KEY})$`);

/** Thrown when a reference cannot be resolved; names the reference, never a value. */
export class UnresolvedReferenceError extends Error {
  readonly reference: string;
  constructor(reference: string, reason: string) {
    super(`Cannot resolve ${reference}: ${reason}`);
    this.name = 'UnresolvedReferenceError';
    this.reference = reference;
  }
}

function checkedBare(ref: Reference): string {
  const bare = `${ref.source}:${ref.name}:${ref.key}`;
  if (!BARE_REFERENCE_PATTERN.test(bare)) {
    throw new Error(
      `Not a valid reference: source "${ref.source}", name "${ref.name}", key "${ref.key}"`,
    );
  }
  return bare;
}

/** The reference as written in an artifact, e.g. `${secretsmanager:bpa/demo/postgres-root:password}`. */
export function formatReference(ref: Reference, index?: number): string {
  const item = index === undefined ? '' : `[${index}]`;
  return `\${${checkedBare(ref)}${item}}`;
}

/**
 * The reference without the `${...}` wrapper, as Secret annotations name
 * their sources: such text is never replaced by {@link resolveReferences}.
 */
export function describeReference(ref: Reference): string {
  return checkedBare(ref);
}

/** Reads `<source>:<name>:<key>` (the form of {@link describeReference}). */
export function parseReference(text: string): Reference {
  const match = BARE_REFERENCE_PATTERN.exec(text);
  if (!match) {
    throw new Error(
      `Not a reference (expected <source>:<name>:<key>): ${text}`,
    );
  }
  return { source: match[1], name: match[2], key: match[3] };
}

/** Every distinct reference in a text, in order of first appearance. */
export function listReferences(text: string): Reference[] {
  const seen = new Map<string, Reference>();
  for (const match of text.matchAll(REFERENCE_PATTERN)) {
    const ref = { source: match[1], name: match[2], key: match[3] };
    const id = checkedBare(ref);
    if (!seen.has(id)) seen.set(id, ref);
  }
  return [...seen.values()];
}

/**
 * Replaces every reference in a text by its value. `lookup` returns the
 * value, or undefined (or throws) when it does not know the reference; the
 * text is scanned once, so a value that looks like a reference stays as is.
 */
export function resolveReferences(
  text: string,
  lookup: (ref: Reference) => string | undefined,
): string {
  return text.replace(
    REFERENCE_PATTERN,
    (
      written: string,
      source: string,
      name: string,
      key: string,
      index?: string,
    ) => {
      let value: string | undefined;
      try {
        value = lookup({ source, name, key });
      } catch (error) {
        throw new UnresolvedReferenceError(
          written,
          error instanceof Error ? error.message : String(error),
        );
      }
      if (typeof value !== 'string') {
        throw new UnresolvedReferenceError(written, `unknown ${source} value`);
      }
      if (index === undefined) return value;
      const items = value.split(',');
      const n = Number(index);
      if (n >= items.length) {
        throw new UnresolvedReferenceError(
          written,
          `the value has ${items.length} item(s), no item ${n}`,
        );
      }
      return items[n].trim();
    },
  );
}
