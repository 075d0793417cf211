import yaml from 'yaml';
import {
  FakeAtlas,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasClusterAction } from './atlasCluster';
import { examples } from './atlasCluster.examples';

describe('bpa:atlas:cluster examples', () => {
  it.each(examples.map(e => [e.description, e.example]))(
    '%s',
    async (_d, example) => {
      const step = yaml.parse(example).steps[0];
      const atlas = new FakeAtlas();
      const action = createAtlasClusterAction({
        atlas,
        awsClients: fakeAws().factory,
        clock: fakeClock(),
      });
      expect(step.action).toBe(action.id);

      const { outputs, error } = await runAction(action, step.input);

      expect(error).toBeUndefined();
      expect(outputs.clusterName).toBe(`${step.input.spec.name}-mongo`);
      expect(outputs.stateName).toBe(step.input.wait ? 'IDLE' : 'CREATING');
      expect(atlas.clusters.get(outputs.clusterName as string)).toMatchObject({
        terminationProtectionEnabled: true,
        mongoDBMajorVersion: step.input.spec.atlas.mongoDBVersion ?? '8.0',
      });
    },
  );
});
