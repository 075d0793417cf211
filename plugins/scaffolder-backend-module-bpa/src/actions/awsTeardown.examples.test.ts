import yaml from 'yaml';
import {
  AwsTestEnvironment,
  CERTIFICATE_ARN,
  REFERENCE_SPEC,
  awsTestEnvironment,
} from '../__testUtils__/aws';
import { createAwsDeployAction } from './awsDeploy';
import { createAwsTeardownAction } from './awsTeardown';
import { examples } from './awsTeardown.examples';

describe('bpa:aws:teardown examples', () => {
  let env: AwsTestEnvironment;
  afterEach(() => env.cleanup());

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      env = await awsTestEnvironment();
      const deploy = createAwsDeployAction(env.actionOptions);
      await env.run(deploy, { spec: REFERENCE_SPEC, stacks: ['network'] });
      await env.run(deploy, {
        spec: REFERENCE_SPEC,
        stacks: ['cluster', 'data', 'registry'],
      });
      await env.run(deploy, {
        spec: REFERENCE_SPEC,
        stacks: ['edge'],
        certificateArn: CERTIFICATE_ARN,
      });
      const action = createAwsTeardownAction(env.actionOptions);
      const step = yaml.parse(example).steps[0];
      expect(step.action).toBe(action.id);

      const { outputs, error } = await env.run(action, step.input);

      expect(error).toBeUndefined();
      // A check deletes nothing; a teardown deletes every stack, the database leaving its snapshot.
      const checkOnly = step.input.checkOnly === true;
      expect(outputs.deleted).toEqual(
        checkOnly ? [] : ['edge', 'registry', 'data', 'cluster', 'network'],
      );
      expect(env.aws.cloudFormation.snapshots).toHaveLength(checkOnly ? 0 : 1);
    },
  );
});
