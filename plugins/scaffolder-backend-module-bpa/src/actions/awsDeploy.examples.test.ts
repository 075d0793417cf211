import yaml from 'yaml';
import {
  AwsTestEnvironment,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { examples } from './awsDeploy.examples';

describe('bpa:aws:deploy examples', () => {
  let env: AwsTestEnvironment;
  afterEach(() => env.cleanup());

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      env = await awsTestEnvironment();
      const action = createAwsDeployAction(env.actionOptions);
      const step = yaml.parse(example).steps[0];
      expect(step.action).toBe(action.id);
      // Every stack but the network imports the network's exports.
      if (!step.input.stacks.includes('network')) {
        await env.run(action, { spec: REFERENCE_SPEC, stacks: ['network'] });
      }
      // The edge's targets are the cluster's node groups.
      if (
        step.input.stacks.includes('edge') &&
        !step.input.stacks.includes('cluster')
      ) {
        await env.run(action, { spec: REFERENCE_SPEC, stacks: ['cluster'] });
      }

      const { outputs, error } = await env.run(action, step.input);

      expect(error).toBeUndefined();
      expect(outputs.stacks.map((s: { kind: string }) => s.kind)).toEqual(
        step.input.stacks,
      );
      for (const kind of step.input.stacks) {
        expect(env.aws.cloudFormation.status(`bpa-demo-${kind}`)).toBe(
          step.input.wait === false ? 'CREATE_IN_PROGRESS' : 'CREATE_COMPLETE',
        );
      }
    },
  );
});
