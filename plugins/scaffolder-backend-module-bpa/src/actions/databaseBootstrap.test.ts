import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { connectWithKubeconfig } from '@internal/backstage-plugin-bpa-node';
import {
  startKubeApiServer,
  TestKubeApiServer,
  writePlan,
} from '@internal/backstage-plugin-bpa-test-utils';
import { createDatabaseBootstrapAction } from './databaseBootstrap';

jest.setTimeout(120_000);

const spec = REFERENCE_SPEC_INPUT as unknown as JsonObject;

describe('bpa:database:bootstrap', () => {
  let api: TestKubeApiServer;
  let workspacePath: string;
  const connect = jest.fn(async () => connectWithKubeconfig(api.kubeconfig));
  const resolve = jest.fn(async () => {
    throw new Error(
      'Cannot resolve stack-secret:bpa-demo-data/MasterUserSecretArn:password: stack bpa-demo-data does not exist',
    );
  });
  const action = createDatabaseBootstrapAction({
    connector: { connect },
    referenceValues: { forEnvironment: async () => ({ resolve }) },
    pollIntervalMs: 100,
  });

  beforeAll(async () => {
    api = await startKubeApiServer();
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-db-action-'));
    await writePlan(
      parseEnvironmentSpec(REFERENCE_SPEC_INPUT),
      path.join(workspacePath, 'bpa-plan'),
    );
  });
  afterAll(async () => {
    await api?.stop();
    if (workspacePath)
      await fs.rm(workspacePath, { recursive: true, force: true });
  });
  beforeEach(() => {
    connect.mockClear();
    resolve.mockClear();
  });

  it('fails naming the credential it cannot read, and creates nothing', async () => {
    await expect(
      action.handler(
        createMockActionContext({ workspacePath, input: { spec } }) as any,
      ),
    ).rejects.toThrow(
      'Cannot resolve stack-secret:bpa-demo-data/MasterUserSecretArn:password',
    );
    expect((await api.request('GET', '/apis/batch/v1/jobs')).items).toEqual([]);
    expect(
      (await api.request('GET', '/api/v1/namespaces/bpa-system/secrets')).items
        .map((s: any) => s.metadata.name)
        .filter((n: string) => n.startsWith('bpa-')),
    ).toEqual([]);
  });

  it('refuses a plan directory without the plan', async () => {
    await expect(
      action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec, planDirectory: 'elsewhere' },
        }) as any,
      ),
    ).rejects.toThrow('The plan has no kubernetes/40-database-bootstrap.yaml');
  });

  it('refuses a kubeconfig task secret that was not given, before connecting', async () => {
    await expect(
      action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec, kubeconfigSecret: 'lab' },
        }) as any,
      ),
    ).rejects.toThrow('No task secret named lab holds the kubeconfig');
    expect(connect).not.toHaveBeenCalled();
  });

  it('only reads the plan in a dry run', async () => {
    // The mock context leaves isDryRun out.
    await action.handler({
      ...createMockActionContext({ workspacePath, input: { spec } }),
      isDryRun: true,
    } as any);
    expect(connect).not.toHaveBeenCalled();
    expect(resolve).not.toHaveBeenCalled();
  });
});
