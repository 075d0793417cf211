import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  BPA_STATE_ANNOTATION,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { createRegisterEnvironmentAction } from './registerEnvironment';


const reference = REFERENCE_SPEC_INPUT as unknown as JsonObject;

describe('bpa:catalog:register', () => {
  let workspacePath: string;
  let entitiesDirectory: string;
  beforeEach(async () => {
    workspacePath = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-ws-'));
    entitiesDirectory = await fs.mkdtemp(path.join(os.tmpdir(), 'bpa-envs-'));
  });
  afterEach(async () => {
    await fs.rm(workspacePath, { recursive: true, force: true });
    await fs.rm(entitiesDirectory, { recursive: true, force: true });
  });

  const outputsOf = (ctx: { output: unknown }) =>
    Object.fromEntries((ctx.output as jest.Mock).mock.calls);

  it("writes the entities into the workspace and the catalog's environments directory", async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    const ctx = createMockActionContext({
      workspacePath,
      input: { spec: reference, state: 'planned' },
    });
    await action.handler(ctx as any);

    // One file per environment, nothing half-written left behind.
    expect(await fs.readdir(entitiesDirectory)).toEqual(['bpa-demo.yaml']);
    const target = path.join(entitiesDirectory, 'bpa-demo.yaml');
    const registered = await fs.readFile(target, 'utf8');
    expect(
      await fs.readFile(path.join(workspacePath, 'catalog-info.yaml'), 'utf8'),
    ).toBe(registered);

    const entities = parseAllDocuments(registered).map(d => d.toJS());
    const system = entities.find(e => e.kind === 'System');
    expect(system.metadata.name).toBe('bpa-demo');
    expect(system.metadata.annotations[BPA_STATE_ANNOTATION]).toBe('planned');
    expect(entities.filter(e => e.kind === 'Resource').map(e => e.spec.type)).toEqual(
      expect.arrayContaining(['kubernetes-cluster', 'database', 'load-balancer']),
    );
    expect(entities.some(e => e.kind === 'Component')).toBe(true);

    const outputs = outputsOf(ctx);
    expect(outputs.entityRef).toBe('system:default/bpa-demo');
    expect(outputs.entityRefs).toHaveLength(entities.length);
  });

  it('replaces the same file when run again, with the new state', async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    for (const state of ['planned', 'applied']) {
      await action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec: reference, state },
        }) as any,
      );
    }
    expect(await fs.readdir(entitiesDirectory)).toEqual(['bpa-demo.yaml']);
    const text = await fs.readFile(path.join(entitiesDirectory, 'bpa-demo.yaml'), 'utf8');
    expect(text).toContain(`${BPA_STATE_ANNOTATION}: applied`);
    expect(text).not.toContain(`${BPA_STATE_ANNOTATION}: planned`);
  });

  it('in a dry run writes the workspace file only', async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    // The mock context drops isDryRun, so it is set afterwards.
    const ctx = {
      ...createMockActionContext({ workspacePath, input: { spec: reference } }),
      isDryRun: true,
    };
    await action.handler(ctx as any);
    expect(await fs.readdir(entitiesDirectory)).toEqual([]);
    expect(await fs.readdir(workspacePath)).toEqual(['catalog-info.yaml']);
  });

  it('refuses a bad request before writing anything', async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    const ctx = createMockActionContext({
      workspacePath,
      input: { spec: { ...reference, aws: { accountId: '42' } } },
    });
    await expect(action.handler(ctx as any)).rejects.toThrow('aws.accountId');
    expect(await fs.readdir(workspacePath)).toEqual([]);
    expect(await fs.readdir(entitiesDirectory)).toEqual([]);
  });
});
