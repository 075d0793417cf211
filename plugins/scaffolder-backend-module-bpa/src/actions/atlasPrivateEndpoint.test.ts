import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CreateVpcEndpointCommand } from '@aws-sdk/client-ec2';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { JsonObject } from '@backstage/types';
import { REFERENCE_SPEC_INPUT } from '@internal/backstage-plugin-bpa-common';
import {
  FakeAtlas,
  NETWORK_OUTPUTS,
  fakeAws,
  fakeClock,
  runAction,
} from '../__testUtils__/atlas';
import { createAtlasPrivateEndpointAction } from './atlasPrivateEndpoint';

const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;
const SECRET_NAME = 'bpa/bpa-demo/mongodb';
const PRIVATE_CONNECTION_STRING =
  'mongodb+srv://bpa-demo-mongo-pl-0.ab1cd.mongodb.net';
/** What bpa:atlas:cluster stored for the database user. */
const USER_SECRET = {
  username: 'bpa',
  password: 'Gq7vX2kLm9PzR4tW8yB1nC5dF3hJ6sA0',
  authDatabase: 'admin',
};

function setup(options: { networkOutputs?: Record<string, string> } = {}) {
  const atlas = new FakeAtlas();
  atlas.clusters.set('bpa-demo-mongo', {
    name: 'bpa-demo-mongo',
    stateName: 'IDLE',
    terminationProtectionEnabled: true,
    connectionStrings: {
      standardSrv: 'mongodb+srv://bpa-demo-mongo.ab1cd.mongodb.net',
    },
  });
  const aws = fakeAws(options);
  aws.secrets.set(SECRET_NAME, JSON.stringify(USER_SECRET));
  const action = createAtlasPrivateEndpointAction({
    atlas,
    awsClients: aws.factory,
    clock: fakeClock(),
  });
  return { atlas, aws, action };
}

describe('bpa:atlas:private-endpoint', () => {
  it('connects the private subnets to Atlas over PrivateLink and outputs the private connection string', async () => {
    const { atlas, aws, action } = setup();

    const { outputs, lines, error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(
      aws.mocks.cloudFormation.commandCalls(DescribeStacksCommand)[0].args[0]
        .input,
    ).toEqual({
      StackName: 'bpa-demo-network',
    });
    const [service] = atlas.services.values();
    expect(service).toMatchObject({
      regionName: 'US_EAST_1',
      status: 'AVAILABLE',
    });

    const create = aws.mocks.ec2.commandCalls(CreateVpcEndpointCommand);
    expect(create).toHaveLength(1);
    expect(create[0].args[0].input).toMatchObject({
      VpcEndpointType: 'Interface',
      VpcId: NETWORK_OUTPUTS.VpcId,
      ServiceName: service.endpointServiceName,
      SubnetIds: NETWORK_OUTPUTS.PrivateSubnetIds.split(','),
      SecurityGroupIds: [NETWORK_OUTPUTS.AtlasEndpointSecurityGroupId],
      PrivateDnsEnabled: false,
      ClientToken: `bpa-demo-atlas-${service.id}`,
      TagSpecifications: [
        {
          ResourceType: 'vpc-endpoint',
          Tags: expect.arrayContaining([
            { Key: 'bpa:environment', Value: 'bpa-demo' },
            { Key: 'Name', Value: 'bpa-demo-atlas' },
          ]),
        },
      ],
    });
    const vpcEndpointId = aws.vpcEndpoints[0].VpcEndpointId!;
    expect(
      atlas.endpoints.get(`${service.id}/${vpcEndpointId}`)?.connectionStatus,
    ).toBe('AVAILABLE');
    expect(lines).toEqual(
      expect.arrayContaining([
        `info Atlas private endpoint ${vpcEndpointId} is PENDING_ACCEPTANCE, waiting for AVAILABLE (0s elapsed)`,
        `info Atlas private endpoint ${vpcEndpointId} is AVAILABLE after 15s`,
      ]),
    );
    expect(outputs).toEqual({
      endpointServiceId: service.id,
      endpointServiceName:
        'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718',
      vpcEndpointId,
      privateConnectionString: PRIVATE_CONNECTION_STRING,
      secretName: SECRET_NAME,
    });
  });

  it("adds the private connection string to the environment's MongoDB secret, keeping the user's keys", async () => {
    const { aws, action } = setup();

    const { lines, error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(JSON.parse(aws.secrets.get(SECRET_NAME)!)).toEqual({
      ...USER_SECRET,
      connectionString: PRIVATE_CONNECTION_STRING,
    });
    expect(lines).toContain(
      `info Stored the private connection string in Secrets Manager secret ${SECRET_NAME}`,
    );
    expect(lines.join('\n')).not.toContain(USER_SECRET.password);
  });

  it('run again, reuses the endpoint service, the VPC endpoint and the registration', async () => {
    const { atlas, aws, action } = setup();
    await runAction(action, { spec });
    const { outputs, error } = await runAction(action, { spec });

    expect(error).toBeUndefined();
    expect(atlas.count('createEndpointService')).toBe(1);
    expect(aws.mocks.ec2.commandCalls(CreateVpcEndpointCommand)).toHaveLength(
      1,
    );
    expect(atlas.count('createInterfaceEndpoint')).toBe(1);
    expect(outputs.vpcEndpointId).toBe(aws.vpcEndpoints[0].VpcEndpointId);
    expect(
      aws.mocks.secretsManager.commandCalls(PutSecretValueCommand),
    ).toHaveLength(1);
  });

  it("reuses the project's endpoint service in the region that another environment created", async () => {
    const { atlas, action } = setup();
    atlas.services.set('65aaaaaaaaaaaaaaaaaaaaaa', {
      cloudProvider: 'AWS',
      id: '65aaaaaaaaaaaaaaaaaaaaaa',
      regionName: 'US_EAST_1',
      status: 'AVAILABLE',
      endpointServiceName:
        'com.amazonaws.vpce.us-east-1.vpce-svc-0fffffffffffffff0',
      interfaceEndpoints: ['vpce-0eeeeeeeeeeeeeee0'],
    });
    const { outputs, error } = await runAction(action, { spec });
    expect(error).toBeUndefined();
    expect(atlas.count('createEndpointService')).toBe(0);
    expect(outputs.endpointServiceId).toBe('65aaaaaaaaaaaaaaaaaaaaaa');
  });

  it('stops before touching Atlas when the network stack lacks the endpoint security group', async () => {
    const { VpcId, PrivateSubnetIds } = NETWORK_OUTPUTS;
    const { atlas, aws, action } = setup({
      networkOutputs: { VpcId, PrivateSubnetIds },
    });
    const { error } = await runAction(action, { spec });
    expect(error?.message).toBe(
      'Network stack bpa-demo-network has no output AtlasEndpointSecurityGroupId; is it fully deployed?',
    );
    expect(atlas.calls).toEqual(['getCluster']);
    expect(aws.mocks.ec2.calls()).toHaveLength(0);
  });

  it('fails clearly when Atlas rejects the endpoint', async () => {
    const { atlas, action } = setup();
    atlas.rejectEndpoints = true;
    const { error } = await runAction(action, { spec });
    expect(error?.message).toMatch(
      /^Atlas private endpoint vpce-\w+ cannot become AVAILABLE: it is REJECTED: The endpoint is in another AWS account$/,
    );
  });

  it('asks for the cluster first, before creating anything, when there is none to connect to', async () => {
    const { atlas, aws, action } = setup();
    atlas.clusters.clear();
    const { error } = await runAction(action, { spec });
    expect(error?.message).toBe(
      'Atlas cluster bpa-demo-mongo does not exist in project 5f1a2b3c4d5e6f7a8b9c0d1e; run bpa:atlas:cluster first',
    );
    expect(atlas.calls).toEqual(['getCluster']);
    expect(aws.mocks.ec2.calls()).toHaveLength(0);
  });

  it('times out on the endpoint service with what to do next', async () => {
    const { atlas, action } = setup();
    atlas.looksUntilReady = 1000;
    const { error } = await runAction(action, {
      spec,
      pollIntervalSeconds: 30,
      timeoutMinutes: 2,
    });
    expect(error?.message).toMatch(
      /^Timed out after 2m 00s waiting for Atlas private endpoint service \w+ to become AVAILABLE; it is still INITIATING\. Atlas keeps creating it; run the step again to keep waiting\.$/,
    );
  });

  it('dry run creates nothing', async () => {
    const { atlas, aws, action } = setup();
    const { lines, error } = await runAction(
      action,
      { spec },
      { isDryRun: true },
    );
    expect(error).toBeUndefined();
    expect(atlas.calls).toEqual([]);
    expect(aws.mocks.ec2.calls()).toHaveLength(0);
    expect(lines.join('\n')).toContain(
      'Dry run: would connect the VPC of network stack bpa-demo-network',
    );
  });
});
