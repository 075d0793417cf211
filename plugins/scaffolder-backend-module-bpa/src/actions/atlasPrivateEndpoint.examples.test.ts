import yaml from 'yaml';
import {
  FakeAtlas,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasPrivateEndpointAction } from './atlasPrivateEndpoint';
import { examples } from './atlasPrivateEndpoint.examples';

describe('bpa:atlas:private-endpoint examples', () => {
  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_d, example) => {
      const step = yaml.parse(example).steps[0];
      const atlas = new FakeAtlas();
      const clusterName = `${step.input.spec.name}-mongo`;
      atlas.clusters.set(clusterName, { name: clusterName, stateName: 'IDLE' });
      const action = createAtlasPrivateEndpointAction({
        atlas,
        awsClients: fakeAws().factory,
        clock: fakeClock(),
      });
      expect(step.action).toBe(action.id);

      const { outputs, error } = await runAction(action, step.input);

      expect(error).toBeUndefined();
      expect(outputs.vpcEndpointId).toMatch(/^vpce-/);
      expect(outputs.privateConnectionString).toMatch(
        /^mongodb\+srv:\/\/[^@]+$/,
      );
    },
  );
});
