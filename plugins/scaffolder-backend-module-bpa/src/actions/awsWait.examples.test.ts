import yaml from 'yaml';
import {
  AwsTestEnvironment,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { createAwsWaitAction } from './awsWait';
import { examples } from './awsWait.examples';

/** Replaces `${{ steps.<id>.output.<name> }}` with the output of an earlier step. */
function resolve(
  input: Record<string, unknown>,
  outputs: Record<string, Record<string, unknown>>,
) {
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => {
      const ref =
        typeof value === 'string' &&
        /^\$\{\{ steps\.([\w-]+)\.output\.(\w+) \}\}$/.exec(value);
      return [key, ref ? outputs[ref[1]][ref[2]] : value];
    }),
  );
}

describe('bpa:aws:wait examples', () => {
  let env: AwsTestEnvironment;
  afterEach(() => env.cleanup());

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      env = await awsTestEnvironment();
      const deploy = createAwsDeployAction(env.actionOptions);
      const actions = {
        [deploy.id]: deploy,
        'bpa:aws:wait': createAwsWaitAction(env.actionOptions),
      };
      const steps: {
        id: string;
        action: string;
        input: Record<string, unknown>;
      }[] = yaml.parse(example).steps;
      expect(steps.at(-1)!.action).toBe('bpa:aws:wait');
      await env.run(deploy, { spec: REFERENCE_SPEC, stacks: ['network'] });
      if (steps.length === 1) {
        await env.run(deploy, {
          spec: REFERENCE_SPEC,
          stacks: steps[0].input.stacks as any,
          wait: false,
        });
      }

      const outputs: Record<string, Record<string, unknown>> = {};
      for (const step of steps) {
        const result = await env.run(
          actions[step.action],
          resolve(step.input, outputs) as any,
        );
        expect(result.error).toBeUndefined();
        outputs[step.id] = result.outputs;
      }

      const waited = outputs[steps.at(-1)!.id].stacks as { status: string }[];
      expect(waited.map(s => s.status)).toEqual(
        waited.map(() => 'CREATE_COMPLETE'),
      );
    },
  );
});
