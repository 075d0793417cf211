/**
 * A simulator's method as an aws-sdk-client-mock behaviour: its result
 * resolves, what it throws rejects, as the SDK reports errors.
 */
export const answer =
  <I, O>(fn: (input: I) => O) =>
  async (input: I) =>
    fn(input);
