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
