import { JsonObject } from '@backstage/types';

/**
 * What an action does to an environment, which decides the BPA permission it
 * needs (`bpa.environment.<operation>`). `apply` becomes `change` when the
 * environment's System is already `applied`: creating an environment and
 * changing a running one are separate permissions.
 */
export type EnvironmentOperation =
  | 'read'
  | 'plan'
  /**
   * Writing a planned request as the environment's record: `plan` for a new
   * environment or the request already recorded, `apply` when it replaces
   * another request recorded for an environment that is not applied (the
   * record is what its apply, status and teardown read).
   */
  | 'record'
  | 'apply'
  | 'teardown';

/** An operation, or how to tell it from the action's input. */
export type ActionOperation =
  | EnvironmentOperation
  | ((input: JsonObject) => EnvironmentOperation);

/**
 * The operation of every BPA action. An action that is not listed here is
 * refused when the module starts: a new action gets its one line here.
 */
export const ACTION_OPERATIONS: Record<string, ActionOperation> = {
  // A plan for "plan and apply" is the apply's first step: refused at once
  // to whoever may not apply, before anything is written.
  'bpa:environment:plan': input => (input.mode === 'apply' ? 'apply' : 'plan'),
  'bpa:environment:describe': 'read',
  'bpa:catalog:register': input => {
    if (input.state === 'removed') return 'teardown';
    return input.state === 'applied' ? 'apply' : 'record';
  },
  'bpa:atlas:cluster': 'apply',
  'bpa:atlas:private-endpoint': 'apply',
  'bpa:atlas:teardown': 'teardown',
  'bpa:aws:deploy': 'apply',
  'bpa:aws:wait': 'apply',
  'bpa:aws:teardown': 'teardown',
  'bpa:kubernetes:bootstrap': 'apply',
  'bpa:database:bootstrap': 'apply',
  'bpa:ecr:mirror': 'apply',
  'bpa:helm:release': 'apply',
};
