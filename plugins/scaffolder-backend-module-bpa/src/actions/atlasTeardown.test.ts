import { DeleteVpcEndpointsCommand } from '@aws-sdk/client-ec2';
import { JsonObject } from '@backstage/types';
import {
  DEFAULT_SUPPORTED_VERSIONS,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import {
  FakeAtlas,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasClusterAction } from './atlasCluster';
import { createAtlasPrivateEndpointAction } from './atlasPrivateEndpoint';
import { createAtlasTeardownAction } from './atlasTeardown';

const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;

/** An environment whose cluster and private endpoint the other Atlas actions created. */
async function provisioned(requestSpec: JsonObject = spec) {
  const atlas = new FakeAtlas();
  const aws = fakeAws();
  const options = { atlas, awsClients: aws.factory, clock: fakeClock() };
  for (const action of [
    createAtlasClusterAction(options),
    createAtlasPrivateEndpointAction(options),
  ]) {
    const { error } = await runAction(action, { spec: requestSpec });
    if (error) throw error;
  }
  atlas.calls.length = 0;
  return {
    atlas,
    aws,
    options,
    vpcEndpointId: aws.vpcEndpoints[0].VpcEndpointId!,
  };
}

describe('bpa:atlas:teardown', () => {
  it('removes the private endpoint on both sides and keeps the cluster and its data', async () => {
    const { atlas, aws, options, vpcEndpointId } = await provisioned();

    const { outputs, lines, error } = await runAction(
      createAtlasTeardownAction(options),
      {
        spec,
      },
    );

    expect(error).toBeUndefined();
    expect(atlas.count('deleteInterfaceEndpoint')).toBe(1);
    expect(
      aws.mocks.ec2.commandCalls(DeleteVpcEndpointsCommand)[0].args[0].input,
    ).toEqual({
      VpcEndpointIds: [vpcEndpointId],
    });
    expect(atlas.services.size).toBe(0);
    expect(atlas.count('updateCluster')).toBe(0);
    expect(atlas.count('deleteCluster')).toBe(0);
    expect(
      atlas.clusters.get('bpa-demo-mongo')!.terminationProtectionEnabled,
    ).toBe(true);
    expect(atlas.users.has('bpa')).toBe(true);
    expect(lines.join('\n')).toContain(
      'Keeping Atlas cluster bpa-demo-mongo, its data and database user',
    );
    expect(outputs).toEqual({
      removedVpcEndpointIds: [vpcEndpointId],
      endpointServiceDeleted: true,
      clusterTerminated: false,
      clusterOutcome: 'kept',
    });
  });

  it('terminates the cluster when asked: protection off first, then delete, then user and secret', async () => {
    const { atlas, aws, options } = await provisioned();

    const { outputs, error } = await runAction(
      createAtlasTeardownAction(options),
      {
        spec,
        terminateCluster: true,
      },
    );

    expect(error).toBeUndefined();
    const order = atlas.calls.filter(
      c => c === 'updateCluster' || c === 'deleteCluster',
    );
    expect(order).toEqual(['updateCluster', 'deleteCluster']);
    expect(atlas.clusters.has('bpa-demo-mongo')).toBe(false);
    expect(atlas.users.has('bpa')).toBe(false);
    expect(aws.deletedSecrets).toEqual(['bpa/bpa-demo/mongodb']);
    expect(outputs.clusterTerminated).toBe(true);
    expect(outputs.clusterOutcome).toBe('terminated');
  });

  it('still says it terminated the cluster when resumed after a restart that came once the cluster was gone', async () => {
    const { options } = await provisioned();
    const action = createAtlasTeardownAction(options);
    const first = await runAction(action, { spec, terminateCluster: true });
    expect(first.outputs.clusterTerminated).toBe(true);

    // The step run again with the checkpoints its first run recorded (a backend killed before the step completed).
    const resumed = await runAction(
      action,
      { spec, terminateCluster: true },
      { checkpoints: first.checkpoints },
    );
    expect(resumed.error).toBeUndefined();
    expect(resumed.outputs.clusterTerminated).toBe(true);
  });

  it('still says it terminated the cluster when killed after Atlas took the DELETE but before the step recorded it', async () => {
    const { atlas, options } = await provisioned();
    const action = createAtlasTeardownAction(options);
    const first = await runAction(action, { spec, terminateCluster: true });
    expect(atlas.count('deleteCluster')).toBe(1);
    // The backend died between Atlas's answer and the deletion's
    // checkpoint: only the checkpoints recorded before it were kept (a
    // task's are in the order they were recorded).
    const keys = [...first.checkpoints.keys()];
    const deletion = keys.findIndex(k =>
      /^atlas-cluster-delete-(?!intent-)/.test(k),
    );
    expect(deletion).toBeGreaterThan(0);
    const recorded = new Map([...first.checkpoints].slice(0, deletion));
    const resumed = await runAction(
      action,
      { spec, terminateCluster: true },
      { checkpoints: recorded },
    );
    expect(resumed.error).toBeUndefined();
    expect(atlas.count('deleteCluster')).toBe(1);
    expect(resumed.outputs.clusterTerminated).toBe(true);
    expect(resumed.outputs.clusterOutcome).toBe('terminated');
    expect(resumed.lines.join('\n')).not.toContain('nothing to terminate');
  });

  it('terminates the cluster when the request says atlas.terminateOnTeardown', async () => {
    const request = {
      ...spec,
      atlas: {
        projectId: '5f1a2b3c4d5e6f7a8b9c0d1e',
        terminateOnTeardown: true,
      },
    };
    const { atlas, options } = await provisioned(request);
    const { outputs, error } = await runAction(
      createAtlasTeardownAction(options),
      {
        spec: request,
      },
    );
    expect(error).toBeUndefined();
    expect(atlas.count('deleteCluster')).toBe(1);
    expect(outputs.clusterTerminated).toBe(true);
  });

  it("keeps the project's endpoint service while another environment's endpoint uses it", async () => {
    const { atlas, options } = await provisioned();
    const [service] = atlas.services.values();
    service.interfaceEndpoints!.push('vpce-0ddddddddddddddd0');

    const { outputs, lines } = await runAction(
      createAtlasTeardownAction(options),
      { spec },
    );

    expect(atlas.services.size).toBe(1);
    expect(outputs.endpointServiceDeleted).toBe(false);
    expect(lines.join('\n')).toContain(
      'other endpoints still use it (vpce-0ddddddddddddddd0)',
    );
  });

  it('tears down an environment whose MongoDB version is no longer offered for new clusters', async () => {
    const request = {
      ...spec,
      atlas: { projectId: '5f1a2b3c4d5e6f7a8b9c0d1e', mongoDBVersion: '7.0' },
    };
    const { options } = await provisioned(request);
    const teardown = createAtlasTeardownAction({
      ...options,
      supportedVersions: { ...DEFAULT_SUPPORTED_VERSIONS, mongodb: ['8.0'] },
    });
    const { error } = await runAction(teardown, { spec: request });
    expect(error).toBeUndefined();
  });

  it('has nothing to do when the environment never got a private endpoint', async () => {
    const atlas = new FakeAtlas();
    const aws = fakeAws();
    const action = createAtlasTeardownAction({
      atlas,
      awsClients: aws.factory,
      clock: fakeClock(),
    });
    const { outputs, error } = await runAction(action, { spec });
    expect(error).toBeUndefined();
    expect(outputs).toEqual({
      removedVpcEndpointIds: [],
      endpointServiceDeleted: false,
      clusterTerminated: false,
      clusterOutcome: 'kept',
    });
  });

  it('dry run says whether the cluster would be terminated and changes nothing', async () => {
    const { atlas, options } = await provisioned();
    const { lines, outputs, error } = await runAction(
      createAtlasTeardownAction(options),
      { spec, terminateCluster: true },
      { isDryRun: true },
    );
    expect(error).toBeUndefined();
    expect(atlas.calls).toEqual([]);
    expect(lines.join('\n')).toContain(
      'TERMINATE Atlas cluster bpa-demo-mongo',
    );
    // The output the teardown template words its summary from says the same.
    expect(outputs).toEqual({
      clusterTerminated: false,
      clusterOutcome: 'would-terminate',
    });
  });
});
