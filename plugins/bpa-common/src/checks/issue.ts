import type { SpecIssue } from '../validate';

/** One problem, at the dotted path of the field it is about. */
export const issue = (path: string, message: string): SpecIssue => ({
  path,
  message,
});

/** A list of values for a message: `a, b, c`. */
export const list = (values: readonly string[]) => values.join(', ');
