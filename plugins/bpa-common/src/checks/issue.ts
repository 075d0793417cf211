import type { SpecIssue } from '../validate';

/**
 * How much of a value a message repeats: enough to recognise it, never the
 * whole of a value that may be megabytes long (the message lands in task
 * logs and HTTP answers).
 */
export const ECHO_MAX_CHARACTERS = 64;

/** The first `max` UTF-16 units of a value, not ending in half a surrogate pair. */
function prefixOf(value: string, max: number): string {
  const prefix = value.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(prefix) ? prefix.slice(0, -1) : prefix;
}

/** A value as a message repeats it: whole, or its first characters and its length. */
export function excerpt(value: string): string {
  if (value.length <= ECHO_MAX_CHARACTERS) return value;
  return `${prefixOf(value, ECHO_MAX_CHARACTERS)}… (${
    value.length
  } characters)`;
}

/** A value as a message quotes it: `"value"`, or `"its first characters…" (its length)`. */
export function quoted(value: string): string {
  if (value.length <= ECHO_MAX_CHARACTERS) return `"${value}"`;
  return `"${prefixOf(value, ECHO_MAX_CHARACTERS)}…" (${
    value.length
  } characters)`;
}

/** A field path whose segments (object keys from the request) are cut to a readable length. */
export function boundedPath(path: string): string {
  return path
    .split('.')
    .map(segment =>
      segment.length <= ECHO_MAX_CHARACTERS
        ? segment
        : `${prefixOf(segment, ECHO_MAX_CHARACTERS)}…`,
    )
    .join('.');
}

/** One problem, at the dotted path of the field it is about. */
export const issue = (path: string, message: string): SpecIssue => ({
  path: boundedPath(path),
  message,
});

/** A list of values for a message: `a, b, c`. */
export const list = (values: readonly string[]) => values.join(', ');
