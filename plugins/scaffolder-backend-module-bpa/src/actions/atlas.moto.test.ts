import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeVpcEndpointsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConfigReader } from '@backstage/config';
import { JsonObject } from '@backstage/types';
import { parseEnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { atlasAwsClientFactoryFromConfig } from '@internal/backstage-plugin-bpa-node';
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  MOTO_CREDENTIALS,
  MOTO_TEST_TIMEOUT_MS,
  MotoServer,
  motoAppConfig,
  motoCompatibleTemplate,
  stackRequests,
  startMoto,
} from '@internal/backstage-plugin-bpa-test-utils';
import { FakeAtlas, fakeClock, runAction } from '../__testUtils__/atlas';
import { createAtlasClusterAction } from './atlasCluster';
import { createAtlasPrivateEndpointAction } from './atlasPrivateEndpoint';
import { createAtlasTeardownAction } from './atlasTeardown';

/**
 * The AWS side of the Atlas actions against moto: the MongoDB secret in
 * Secrets Manager and the interface VPC endpoint in EC2, with the clients
 * the module builds from app-config (AWS_ENDPOINT_URL points them at moto).
 * Atlas itself is the in-memory FakeAtlas (its contract is checked against
 * the official spec with Prism elsewhere). The network stack is created in
 * moto with CreateStack from the rendered template, without the pod CIDR
 * moto cannot model.
 */
/** As planned for apply: the bastion's AMI pinned, so the network stack has no parameter left to give. */
const spec = APPLIED_REFERENCE_SPEC_INPUT as unknown as JsonObject;
const parsed = parseEnvironmentSpec(APPLIED_REFERENCE_SPEC_INPUT);
const SECRET = 'bpa/bpa-demo/mongodb';
const region = parsed.aws.region;

let moto: MotoServer;
let ec2: EC2Client;
let secretsManager: SecretsManagerClient;
let outputs: Record<string, string>;

beforeAll(async () => {
  moto = await startMoto({ asDefaultEndpoint: true });
  const sdk = {
    region,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  };
  ec2 = new EC2Client(sdk);
  secretsManager = new SecretsManagerClient(sdk);
}, MOTO_TEST_TIMEOUT_MS);
afterAll(() => moto?.stop());

beforeEach(async () => {
  await moto.reset();
  const cloudFormation = new CloudFormationClient({
    region,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  });
  const network = stackRequests(parsed).network;
  await cloudFormation.send(
    new CreateStackCommand({
      StackName: network.stackName,
      TemplateBody: motoCompatibleTemplate(network.templateBody).body,
    }),
  );
  const { Stacks } = await cloudFormation.send(
    new DescribeStacksCommand({ StackName: network.stackName }),
  );
  outputs = Object.fromEntries(
    (Stacks?.[0].Outputs ?? []).map(o => [o.OutputKey!, o.OutputValue!]),
  );
});

function actions() {
  // bpa:atlas:cluster creates the cluster in it.
  const atlas = new FakeAtlas();
  const options = {
    atlas,
    awsClients: atlasAwsClientFactoryFromConfig(
      new ConfigReader(motoAppConfig()),
    ),
    clock: fakeClock(),
  };
  return {
    atlas,
    cluster: createAtlasClusterAction(options),
    privateEndpoint: createAtlasPrivateEndpointAction(options),
    teardown: createAtlasTeardownAction(options),
  };
}

async function secretValue() {
  const { SecretString } = await secretsManager.send(
    new GetSecretValueCommand({ SecretId: SECRET }),
  );
  return JSON.parse(SecretString!);
}

async function liveEndpoints() {
  const { VpcEndpoints = [] } = await ec2.send(
    new DescribeVpcEndpointsCommand({
      Filters: [{ Name: 'tag:bpa:environment', Values: ['bpa-demo'] }],
    }),
  );
  return VpcEndpoints.filter(e => e.State?.toLowerCase() !== 'deleted');
}

async function run(action: { handler(ctx: any): Promise<void> }, input = {}) {
  const result = await runAction(action, { spec, ...input });
  if (result.error) throw result.error;
  return result;
}

describe('the Atlas actions on moto', () => {
  jest.setTimeout(MOTO_TEST_TIMEOUT_MS);

  it('puts the interface VPC endpoint in the private subnets, and the connection string beside the user in the secret', async () => {
    const { cluster, privateEndpoint } = actions();
    await run(cluster);
    const user = await secretValue();

    const { outputs: out } = await run(privateEndpoint);

    const [endpoint, ...others] = await liveEndpoints();
    expect(others).toEqual([]);
    expect(endpoint).toMatchObject({
      VpcEndpointId: out.vpcEndpointId,
      VpcEndpointType: 'Interface',
      VpcId: outputs.VpcId,
      ServiceName: 'com.amazonaws.vpce.us-east-1.vpce-svc-0a1b2c3d4e5f60718',
    });
    expect([...endpoint.SubnetIds!].sort()).toEqual(
      outputs.PrivateSubnetIds.split(',').sort(),
    );
    expect(endpoint.Groups?.map(g => g.GroupId)).toEqual([
      outputs.AtlasEndpointSecurityGroupId,
    ]);
    expect(endpoint.Tags).toEqual(
      expect.arrayContaining([
        { Key: 'bpa:environment', Value: 'bpa-demo' },
        { Key: 'Name', Value: 'bpa-demo-atlas' },
      ]),
    );
    expect(await secretValue()).toEqual({
      ...user,
      connectionString: out.privateConnectionString,
    });

    await run(privateEndpoint);
    expect((await liveEndpoints()).map(e => e.VpcEndpointId)).toEqual([
      out.vpcEndpointId,
    ]);
  });

  it('tears down: the VPC endpoint is deleted, the secret scheduled for deletion; restored, it gives the same password back', async () => {
    const { cluster, privateEndpoint, teardown } = actions();
    await run(cluster);
    await run(privateEndpoint);
    const stored = await secretValue();

    await run(teardown, { terminateCluster: true });

    expect(await liveEndpoints()).toEqual([]);
    const described = await secretsManager.send(
      new DescribeSecretCommand({ SecretId: SECRET }),
    );
    expect(described.DeletedDate).toBeInstanceOf(Date);

    const again = actions();
    const refused = await runAction(again.cluster, { spec });
    expect(refused.error?.message).toContain(
      `Secrets Manager secret ${SECRET} is scheduled for deletion; restore it`,
    );

    await secretsManager.send(new RestoreSecretCommand({ SecretId: SECRET }));
    await run(again.cluster);
    expect(await secretValue()).toMatchObject({
      username: stored.username,
      password: stored.password,
    });
  });
});
