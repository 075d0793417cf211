import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { JsonObject } from '@backstage/types';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import {
  BPA_REQUEST_ANNOTATION,
  BPA_STATE_ANNOTATION,
  DEFAULT_SUPPORTED_VERSIONS,
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { generateSelfSignedCertificate } from '@internal/backstage-plugin-bpa-node';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { createRegisterEnvironmentAction } from './registerEnvironment';

/**
 * A catalog that ingests the environments directory with a lag, as the real
 * one does: for the first `lag` reads it still shows what it had before,
 * then the System from the file, and its hasPart relations one read later.
 */
function laggingCatalog(entitiesDirectory: string, lag: number) {
  let reads = 0;
  let seen = 0;
  const getEntityByRef = jest.fn(async (ref: string) => {
    reads++;
    const text = await fs
      .readFile(path.join(entitiesDirectory, 'bpa-demo.yaml'), 'utf8')
      .catch(() => undefined);
    if (reads <= lag && seen === 0) return undefined;
    if (text === undefined) return undefined;
    seen++;
    const entities: Entity[] = parseAllDocuments(text).map(d => d.toJS());
    const system = entities.find(e => stringifyEntityRef(e) === ref)!;
    const relations =
      seen === 1
        ? []
        : entities
            .filter(e => e.spec?.system === system.metadata.name)
            .map(e => ({ type: 'hasPart', targetRef: stringifyEntityRef(e) }));
    return { ...system, relations };
  });
  return { getEntityByRef };
}

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
    expect(
      entities.filter(e => e.kind === 'Resource').map(e => e.spec.type),
    ).toEqual(
      expect.arrayContaining([
        'kubernetes-cluster',
        'database',
        'load-balancer',
      ]),
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
    const text = await fs.readFile(
      path.join(entitiesDirectory, 'bpa-demo.yaml'),
      'utf8',
    );
    expect(text).toContain(`${BPA_STATE_ANNOTATION}: applied`);
    expect(text).not.toContain(`${BPA_STATE_ANNOTATION}: planned`);
  });

  it('marks the environment applied when the same task registers it again after the apply', async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    // One task: its checkpoints persist from the first step to the last.
    const checkpoints = new Map<string, unknown>();
    const step = (state: string) => ({
      ...createMockActionContext({
        workspacePath,
        input: { spec: reference, state },
      }),
      async checkpoint({
        key,
        fn,
      }: {
        key: string;
        fn: () => Promise<unknown>;
      }) {
        if (!checkpoints.has(key)) checkpoints.set(key, await fn());
        return checkpoints.get(key);
      },
    });
    await action.handler(step('planned') as any);
    await action.handler(step('applied') as any);
    const text = await fs.readFile(
      path.join(entitiesDirectory, 'bpa-demo.yaml'),
      'utf8',
    );
    expect(text).toContain(`${BPA_STATE_ANNOTATION}: applied`);
  });

  it('records the validated request on the System, and nothing secret in it', async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    const tls = generateSelfSignedCertificate({
      commonName: 'bpa.example.com',
    });
    const request = {
      ...reference,
      ingress: { hostname: 'bpa.example.com', certificate: 'provided' },
    } as JsonObject;
    await action.handler(
      createMockActionContext({
        workspacePath,
        input: { spec: request, state: 'applied' },
        secrets: {
          tlsPrivateKey: tls.privateKey,
          tlsCertificate: tls.certificate,
        },
      }) as any,
    );

    const text = await fs.readFile(
      path.join(entitiesDirectory, 'bpa-demo.yaml'),
      'utf8',
    );
    const system = parseAllDocuments(text)
      .map(d => d.toJS())
      .find(e => e.kind === 'System');
    const recorded = JSON.parse(
      system.metadata.annotations[BPA_REQUEST_ANNOTATION],
    );
    expect(recorded).toEqual(
      JSON.parse(JSON.stringify(parseEnvironmentSpec(request))),
    );
    expect(parseEnvironmentSpec(recorded)).toEqual(
      parseEnvironmentSpec(request),
    );

    const keys = (value: unknown): string[] =>
      value && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)])
        : [];
    expect(
      keys(recorded).filter(k =>
        /password|secret|private|token|credential/i.test(k),
      ),
    ).toEqual([]);
    expect(text).not.toContain(tls.privateKey.split('\n')[1]);
  });

  it("removes the environment's entities from the catalog after a teardown, once", async () => {
    const action = createRegisterEnvironmentAction({ entitiesDirectory });
    await action.handler(
      createMockActionContext({
        workspacePath,
        input: { spec: reference, state: 'applied' },
      }) as any,
    );
    // The recorded request names a PostgreSQL version the portal no longer offers.
    const recorded = JSON.parse(
      JSON.stringify(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ) as JsonObject;
    const remover = createRegisterEnvironmentAction({
      entitiesDirectory,
      supportedVersions: { ...DEFAULT_SUPPORTED_VERSIONS, postgres: ['99.1'] },
    });

    const dryRun = {
      ...createMockActionContext({
        workspacePath,
        input: { spec: recorded, state: 'removed' },
      }),
      isDryRun: true,
    };
    await remover.handler(dryRun as any);
    expect(await fs.readdir(entitiesDirectory)).toEqual(['bpa-demo.yaml']);

    for (let run = 1; run <= 2; run++) {
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: recorded, state: 'removed' },
      });
      await remover.handler(ctx as any);
      expect(outputsOf(ctx).entityRef).toBe('system:default/bpa-demo');
    }
    expect(await fs.readdir(entitiesDirectory)).toEqual([]);
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

  describe('waiting for the catalog', () => {
    it('ends once the catalog shows the System with its state and every part', async () => {
      const catalog = laggingCatalog(entitiesDirectory, 2);
      const action = createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog,
        catalogPollMs: 5,
      });
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: reference, state: 'planned' },
      });
      const info = jest.spyOn(ctx.logger, 'info');
      const warn = jest.spyOn(ctx.logger, 'warn');
      await action.handler(ctx as any);

      // Two reads before ingestion, one without relations, one complete.
      expect(catalog.getEntityByRef).toHaveBeenCalledTimes(4);
      expect(catalog.getEntityByRef).toHaveBeenCalledWith(
        'system:default/bpa-demo',
        { credentials: await ctx.getInitiatorCredentials() },
      );
      expect(info).toHaveBeenCalledWith(
        expect.stringMatching(
          /^The catalog shows system:default\/bpa-demo as planned/,
        ),
      );
      expect(warn).not.toHaveBeenCalled();
    });

    it('waits for the new state, not the one the catalog already has', async () => {
      const action = createRegisterEnvironmentAction({ entitiesDirectory });
      await action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec: reference, state: 'planned' },
        }) as any,
      );
      const planned = await fs.readFile(
        path.join(entitiesDirectory, 'bpa-demo.yaml'),
        'utf8',
      );
      const stale = parseAllDocuments(planned)
        .map(d => d.toJS())
        .find(e => e.kind === 'System');
      const getEntityByRef = jest
        .fn()
        .mockResolvedValueOnce(stale)
        .mockResolvedValueOnce(stale)
        .mockImplementation(async () => {
          const text = await fs.readFile(
            path.join(entitiesDirectory, 'bpa-demo.yaml'),
            'utf8',
          );
          const entities = parseAllDocuments(text).map(d => d.toJS());
          return {
            ...entities.find(e => e.kind === 'System'),
            relations: entities
              .filter(e => e.kind !== 'System')
              .map(e => ({
                type: 'hasPart',
                targetRef: stringifyEntityRef(e),
              })),
          };
        });
      await createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog: { getEntityByRef },
        catalogPollMs: 5,
      }).handler(
        createMockActionContext({
          workspacePath,
          input: { spec: reference, state: 'applied' },
        }) as any,
      );
      expect(getEntityByRef).toHaveBeenCalledTimes(3);
    });

    it('waits for the request and owner just recorded, not an earlier record in the same state', async () => {
      // The catalog still holds the System of an earlier request: same
      // state, same parts, another description and owner.
      const earlier = registeredEnvironmentEntities(
        parseEnvironmentSpec({
          ...REFERENCE_SPEC_INPUT,
          description: 'an earlier request',
          owner: 'group:default/app-team',
        }),
        'planned',
      );
      const withParts = (entities: Entity[]) => ({
        ...entities.find(e => e.kind === 'System')!,
        relations: entities
          .filter(e => e.kind !== 'System')
          .map(e => ({ type: 'hasPart', targetRef: stringifyEntityRef(e) })),
      });
      const getEntityByRef = jest
        .fn()
        .mockResolvedValueOnce(withParts(earlier))
        .mockResolvedValueOnce(withParts(earlier))
        .mockImplementation(async () =>
          withParts(
            parseAllDocuments(
              await fs.readFile(path.join(entitiesDirectory, 'bpa-demo.yaml'), 'utf8'),
            ).map(d => d.toJS()),
          ),
        );
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: reference, state: 'planned' },
      });
      const info = jest.spyOn(ctx.logger, 'info');
      await createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog: { getEntityByRef },
        catalogPollMs: 5,
      }).handler(ctx as any);
      expect(getEntityByRef).toHaveBeenCalledTimes(3);
      expect(info).toHaveBeenCalledWith(
        expect.stringMatching(/^The catalog shows system:default\/bpa-demo as planned/),
      );
    });

    it('warns, and does not fail, when the catalog is slower than the wait', async () => {
      const getEntityByRef = jest.fn().mockResolvedValue(undefined);
      const action = createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog: { getEntityByRef },
        catalogWaitMs: 50,
        catalogPollMs: 10,
      });
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: reference, state: 'planned' },
      });
      const warn = jest.spyOn(ctx.logger, 'warn');
      await action.handler(ctx as any);
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining(
          'The catalog does not show system:default/bpa-demo as planned yet',
        ),
      );
      expect(await fs.readdir(entitiesDirectory)).toEqual(['bpa-demo.yaml']);
    });

    it('after a teardown, ends once the System has left the catalog', async () => {
      const action = createRegisterEnvironmentAction({ entitiesDirectory });
      await action.handler(
        createMockActionContext({
          workspacePath,
          input: { spec: reference, state: 'applied' },
        }) as any,
      );
      const catalog = laggingCatalog(entitiesDirectory, 0);
      const ctx = createMockActionContext({
        workspacePath,
        input: { spec: reference, state: 'removed' },
      });
      const warn = jest.spyOn(ctx.logger, 'warn');
      await createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog,
        catalogPollMs: 5,
      }).handler(ctx as any);
      expect(catalog.getEntityByRef).toHaveBeenCalledTimes(1);
      expect(warn).not.toHaveBeenCalled();
    });

    it('does not look at the catalog in a dry run', async () => {
      const getEntityByRef = jest.fn();
      const ctx = {
        ...createMockActionContext({
          workspacePath,
          input: { spec: reference },
        }),
        isDryRun: true,
      };
      await createRegisterEnvironmentAction({
        entitiesDirectory,
        catalog: { getEntityByRef },
      }).handler(ctx as any);
      expect(getEntityByRef).not.toHaveBeenCalled();
    });
  });
});
