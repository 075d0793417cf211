/** Annotation on every entity of an environment: the environment's name. */
export const BPA_ENVIRONMENT_ANNOTATION = 'bpa.cisco.com/environment';
/** Annotation on resources and components: which part of BPA or AWS they are. */
export const BPA_ROLE_ANNOTATION = 'bpa.cisco.com/role';
/** Annotation on the environment System: AWS region and account. */
export const BPA_AWS_REGION_ANNOTATION = 'bpa.cisco.com/aws-region';
export const BPA_AWS_ACCOUNT_ANNOTATION = 'bpa.cisco.com/aws-account';
/** Annotation on the environment System: `planned` until the apply has run, then `applied`. */
export const BPA_STATE_ANNOTATION = 'bpa.cisco.com/state';
/**
 * Annotation on the environment System: the environment's request as
 * validated, with every default filled in (JSON). It holds no secrets; the
 * teardown reads it so nothing has to be typed again.
 */
export const BPA_REQUEST_ANNOTATION = 'bpa.cisco.com/request';

/** The request recorded on an environment System, or why there is none to use. */
export type RecordedRequest =
  | { request: Record<string, unknown> }
  | { problem: 'missing' | 'not-json' | 'not-an-object' };

/** Reads {@link BPA_REQUEST_ANNOTATION} from a System's annotations (not yet validated). */
export function readRecordedRequest(
  annotations: Record<string, string> | undefined,
): RecordedRequest {
  const recorded = annotations?.[BPA_REQUEST_ANNOTATION];
  if (!recorded) return { problem: 'missing' };
  let request: unknown;
  try {
    request = JSON.parse(recorded);
  } catch {
    return { problem: 'not-json' };
  }
  if (!request || typeof request !== 'object' || Array.isArray(request)) {
    return { problem: 'not-an-object' };
  }
  return { request: request as Record<string, unknown> };
}
