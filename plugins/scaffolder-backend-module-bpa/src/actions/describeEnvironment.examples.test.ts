import yaml from 'yaml';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { registeredSystem } from '../__testUtils__/catalog';
import { createDescribeEnvironmentAction } from './describeEnvironment';
import { examples } from './describeEnvironment.examples';

describe('bpa:environment:describe examples', () => {
  let action: ReturnType<typeof createDescribeEnvironmentAction>;
  beforeAll(async () => {
    const system = await registeredSystem(
      parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
    );
    action = createDescribeEnvironmentAction({
      catalog: catalogServiceMock({ entities: [system] }),
    });
  });
  // What the scaffolder renders the form's values to.
  const parameters: Record<string, string> = {
    '${{ parameters.environment }}': 'system:default/bpa-demo',
    '${{ parameters.confirmation }}': 'bpa-demo',
  };

  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_description, example) => {
      const step = yaml.parse(example).steps[0];
      expect(step.action).toBe(action.id);
      const input = Object.fromEntries(
        Object.entries(step.input as Record<string, string>).map(([k, v]) => [
          k,
          parameters[v] ?? v,
        ]),
      );
      const ctx = createMockActionContext({ input });
      await action.handler(ctx as any);
      expect(ctx.output).toHaveBeenCalledWith('environment', 'bpa-demo');
    },
  );
});
