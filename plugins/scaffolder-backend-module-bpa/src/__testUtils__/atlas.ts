import os from 'node:os';
import {
  CloudFormationClient,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateVpcEndpointCommand,
  DeleteVpcEndpointsCommand,
  DescribeVpcEndpointsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { JsonObject } from '@backstage/types';
import {
  FakeAtlas,
  SimulatedSecretsManager,
  SimulatedVpcEndpoints,
  answer,
  capturingLogger,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  AtlasAwsClients,
  AtlasClock,
} from '@internal/backstage-plugin-bpa-node';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Test doubles for the Atlas actions: the simulated Atlas (one state per
 * look), AWS clients mocked with aws-sdk-client-mock over the simulated
 * Secrets Manager and VPC endpoints, a clock that never waits, and a logger
 * that keeps every line.
 */

export { FakeAtlas };

export const NETWORK_OUTPUTS = {
  VpcId: 'vpc-0123456789abcdef0',
  PrivateSubnetIds:
    'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2,subnet-0ccccccccccccccc3',
  AtlasEndpointSecurityGroupId: 'sg-0123456789abcdef0',
};

/** AWS clients mocked with aws-sdk-client-mock, over the simulated state: secrets, VPC endpoints, the network stack. */
export function fakeAws(
  options: { networkOutputs?: Record<string, string> } = {},
) {
  const clients: AtlasAwsClients = {
    secretsManager: new SecretsManagerClient({ region: 'us-east-1' }),
    ec2: new EC2Client({ region: 'us-east-1' }),
    cloudFormation: new CloudFormationClient({ region: 'us-east-1' }),
  };
  const secretsState = new SimulatedSecretsManager();
  const endpointsState = new SimulatedVpcEndpoints();

  const secretsManager = mockClient(clients.secretsManager);
  secretsManager
    .on(GetSecretValueCommand)
    .callsFake(answer(i => secretsState.getSecretValue(i)));
  secretsManager
    .on(CreateSecretCommand)
    .callsFake(answer(i => secretsState.createSecret(i)));
  secretsManager
    .on(PutSecretValueCommand)
    .callsFake(answer(i => secretsState.putSecretValue(i)));
  secretsManager
    .on(DeleteSecretCommand)
    .callsFake(answer(i => secretsState.deleteSecret(i)));

  const ec2 = mockClient(clients.ec2);
  ec2
    .on(DescribeVpcEndpointsCommand)
    .callsFake(answer(i => endpointsState.describeVpcEndpoints(i)));
  ec2
    .on(CreateVpcEndpointCommand)
    .callsFake(answer(i => endpointsState.createVpcEndpoint(i)));
  ec2
    .on(DeleteVpcEndpointsCommand)
    .callsFake(answer(i => endpointsState.deleteVpcEndpoints(i)));

  const cloudFormation = mockClient(clients.cloudFormation);
  cloudFormation.on(DescribeStacksCommand).callsFake(({ StackName }) => ({
    Stacks: [
      {
        StackName,
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: Object.entries(options.networkOutputs ?? NETWORK_OUTPUTS).map(
          ([OutputKey, OutputValue]) => ({ OutputKey, OutputValue }),
        ),
      },
    ],
  }));

  return {
    clients,
    factory: async () => clients,
    secrets: secretsState.secrets,
    /** Secrets scheduled for deletion, in the order asked. */
    get deletedSecrets() {
      return [...secretsState.scheduledForDeletion];
    },
    vpcEndpoints: endpointsState.endpoints,
    mocks: { secretsManager, ec2, cloudFormation },
  };
}

/** A clock whose sleeps pass at once. */
export function fakeClock(): AtlasClock & { elapsedMs(): number } {
  let now = 0;
  return {
    now: () => now,
    sleep: async ms => {
      now += ms;
    },
    elapsedMs: () => now,
  };
}

export { capturingLogger };

/**
 * Runs an action handler in a mock context and returns its outputs and log.
 * `checkpoints` persists between runs like a task's, to test resuming.
 */
export async function runAction(
  action: { handler(ctx: any): Promise<void> },
  input: JsonObject,
  options: { isDryRun?: boolean; checkpoints?: Map<string, unknown> } = {},
) {
  const { logger, lines } = capturingLogger();
  const checkpoints = options.checkpoints ?? new Map<string, unknown>();
  const ctx = {
    // A fixed workspace: these actions write no files, and a mock directory per run adds exit hooks.
    ...createMockActionContext({ input, logger, workspacePath: os.tmpdir() }),
    isDryRun: options.isDryRun ?? false,
    async checkpoint({ key, fn }: { key: string; fn: () => Promise<unknown> }) {
      if (checkpoints.has(key)) return checkpoints.get(key);
      const value = await fn();
      checkpoints.set(key, value);
      return value;
    },
  };
  const outputs: Record<string, unknown> = {};
  (ctx.output as jest.Mock).mockImplementation(
    (name: string, value: unknown) => {
      outputs[name] = value;
    },
  );
  let error: Error | undefined;
  try {
    await action.handler(ctx);
  } catch (e) {
    error = e as Error;
  }
  return { outputs, lines, error, checkpoints };
}
