import yaml from 'yaml';
import {
  FakeAtlas,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasTeardownAction } from './atlasTeardown';
import { examples } from './atlasTeardown.examples';

describe('bpa:atlas:teardown examples', () => {
  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_d, example) => {
      const step = yaml.parse(example).steps[0];
      const atlas = new FakeAtlas();
      const clusterName = `${step.input.spec.name}-mongo`;
      atlas.clusters.set(clusterName, {
        name: clusterName,
        stateName: 'IDLE',
        terminationProtectionEnabled: true,
      });
      const action = createAtlasTeardownAction({
        atlas,
        awsClients: fakeAws().factory,
        clock: fakeClock(),
      });
      expect(step.action).toBe(action.id);

      const { outputs, error } = await runAction(action, step.input);

      expect(error).toBeUndefined();
      expect(outputs.clusterTerminated).toBe(
        step.input.terminateCluster === true,
      );
      expect(atlas.clusters.has(clusterName)).toBe(
        step.input.terminateCluster !== true,
      );
    },
  );
});
