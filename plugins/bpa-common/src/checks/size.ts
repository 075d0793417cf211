/** The request as a whole: small enough for the catalog to record it. */
import { BPA_REQUEST_ANNOTATION } from '../annotations';
import type { EnvironmentSpec } from '../spec';
import type { SpecIssue } from '../validate';
import { issue } from './issue';

/**
 * The System records the validated request as JSON in one annotation; every
 * catalog query over Systems carries it. 64 KiB is roomy for any real
 * request (the reference one is about 2 KiB).
 */
export const REQUEST_ANNOTATION_MAX_BYTES = 64 * 1024;

const utf8Length = (value: unknown) =>
  new TextEncoder().encode(JSON.stringify(value)).length;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function checkRequestSize(spec: EnvironmentSpec): SpecIssue[] {
  const size = utf8Length(spec);
  if (size <= REQUEST_ANNOTATION_MAX_BYTES) return [];
  const [largest, largestSize] = Object.entries(spec)
    .map(([field, value]) => [field, utf8Length(value)] as const)
    .sort((a, b) => b[1] - a[1])[0];
  return [
    issue(
      '(request)',
      `is ${kib(size)} as JSON, ${kib(
        largestSize,
      )} of it in ${largest}; the environment's System records the request in its ${BPA_REQUEST_ANNOTATION} annotation, which holds at most ${kib(
        REQUEST_ANNOTATION_MAX_BYTES,
      )}`,
    ),
  ];
}
