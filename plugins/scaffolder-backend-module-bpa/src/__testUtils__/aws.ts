import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createAwsClientFactory } from '@internal/backstage-plugin-bpa-node';
// The simulated CloudFormation, STS and IAM of bpa-node's tests (aws-sdk-client-mock underneath).
import {
  APPLIED_REFERENCE_SPEC_INPUT,
  SimulatedAwsOptions,
  VirtualClock,
  capturingLogger,
  simulateAws,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createPlanEnvironmentAction } from '../actions/planEnvironment';
import { AwsActionOptions } from '../actions/awsCommon';

/** The reference request as the plan step records it for apply: with its bastion's AMI pinned. */
export const REFERENCE_SPEC =
  APPLIED_REFERENCE_SPEC_INPUT as unknown as JsonObject;
export const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0b5c1f7e-3c9a-4a11-9d3e-5f0c2a7b8e91';
const MINUTE = 60_000;

/** Stack latencies as in the reference deployment (minutes of virtual time). */
export const REFERENCE_TIMINGS = {
  'bpa-demo-network': { create: 3 * MINUTE, delete: 4 * MINUTE },
  'bpa-demo-cluster': { create: 12 * MINUTE, delete: 10 * MINUTE },
  'bpa-demo-data': { create: 9 * MINUTE, delete: 8 * MINUTE },
  'bpa-demo-registry': { create: 1 * MINUTE, delete: 1 * MINUTE },
  'bpa-demo-edge': { create: 3 * MINUTE, delete: 2 * MINUTE },
};

/** The portal's AWS client factory with stand-in credentials, for the simulated account. */
export const testAwsClientFactory = () =>
  createAwsClientFactory({
    credentialsManager: {
      getCredentialProvider: async () => ({
        accountId: '123456789012',
        sdkCredentialProvider: async () => ({
          accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          secretAccessKey: 'not-a-real-key',
        }),
      }),
    },
  });

/**
 * A workspace holding the reference environment's plan, a simulated AWS
 * account on a virtual clock, and the options the AWS actions are built
 * with. `run` executes an action like a task step: outputs and log lines
 * captured, checkpoints kept across runs as a resumed task keeps them.
 */
export async function awsTestEnvironment(
  options: Partial<SimulatedAwsOptions> = {},
) {
  const workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-aws-'));
  await createPlanEnvironmentAction().handler(
    createMockActionContext({
      workspacePath,
      input: { spec: REFERENCE_SPEC, outputDir: 'bpa-plan' },
    }) as any,
  );
  const clock = new VirtualClock();
  const aws = simulateAws({
    clock,
    accountId: '123456789012',
    region: 'us-east-1',
    timings: REFERENCE_TIMINGS,
    ...options,
  });
  const actionOptions: AwsActionOptions = {
    clients: testAwsClientFactory(),
    clock,
    pollIntervalMs: 20_000,
  };
  const checkpoints = new Map<string, unknown>();

  async function run(
    action: { handler(ctx: any): Promise<void> },
    input: JsonObject,
    runOptions: { isDryRun?: boolean } = {},
  ) {
    const { logger, lines } = capturingLogger({ fields: false });
    const ctx = {
      ...createMockActionContext({ input, logger, workspacePath }),
      isDryRun: runOptions.isDryRun ?? false,
      async checkpoint({
        key,
        fn,
      }: {
        key: string;
        fn: () => Promise<unknown>;
      }) {
        if (checkpoints.has(key)) return checkpoints.get(key);
        const value = await fn();
        checkpoints.set(key, value);
        return value;
      },
    };
    const outputs: Record<string, any> = {};
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
    return { outputs, lines, error };
  }

  return {
    workspacePath,
    clock,
    aws,
    actionOptions,
    checkpoints,
    run,
    async cleanup() {
      aws.restore();
      await fs.rm(workspacePath, { recursive: true, force: true });
    },
  };
}

export type AwsTestEnvironment = Awaited<ReturnType<typeof awsTestEnvironment>>;
