import fs from 'node:fs/promises';
import path from 'node:path';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_HAS_PART,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  BPA_STATE_ANNOTATION,
  SupportedVersions,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { stringify } from 'yaml';
import { examples } from './registerEnvironment.examples';
import { parseSpecForTeardown } from './atlasCommon';
import { parseSpecInput, specInput } from './util';

export interface RegisterEnvironmentActionOptions {
  /**
   * Absolute directory where the portal keeps the environments' entity
   * files; the catalog's BPA environments provider reads it.
   */
  entitiesDirectory: string;
  supportedVersions?: SupportedVersions;
  /**
   * The catalog, read with the task initiator's credentials: when given, the
   * action waits until the catalog shows what it wrote (the System with its
   * state and every part), so the task page's links open at once.
   */
  catalog?: Pick<CatalogService, 'getEntityByRef'>;
  /** How long to wait for the catalog; 0 does not wait. Default 60 s. */
  catalogWaitMs?: number;
  /** Between two looks at the catalog. Default 1 s. */
  catalogPollMs?: number;
}

/**
 * True once the catalog shows the System as written: with the given state
 * and a hasPart relation to each of its parts (the catalog adds those when
 * it has processed the parts themselves); for `removed`, once it is gone.
 */
function catalogShows(
  system: Entity | undefined,
  state: string,
  partRefs: string[],
): boolean {
  if (state === 'removed') return system === undefined;
  if (system?.metadata.annotations?.[BPA_STATE_ANNOTATION] !== state) {
    return false;
  }
  const parts = new Set(
    (system.relations ?? [])
      .filter(r => r.type === RELATION_HAS_PART)
      .map(r => r.targetRef),
  );
  return partRefs.every(ref => parts.has(ref));
}

/**
 * `bpa:catalog:register` — writes the environment's catalog entities (System,
 * Resources, BPA Components) where the catalog's BPA environments provider
 * picks them up. One file per environment: re-running replaces it, nothing is
 * duplicated. With `state: removed` (after a teardown) the file goes, and
 * the catalog drops the environment's entities with it.
 */
export function createRegisterEnvironmentAction(
  options: RegisterEnvironmentActionOptions,
) {
  const waitMs = options.catalogWaitMs ?? 60_000;
  const pollMs = options.catalogPollMs ?? 1_000;

  return createTemplateAction({
    id: 'bpa:catalog:register',
    description:
      "Writes a BPA environment's catalog entities (System, Resources for EKS, RDS, Atlas, ECR, load balancer and network, Components for BPA's services) and adds them to the catalog; with state removed, takes them out of it.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        state: z =>
          z
            .enum(['planned', 'applied', 'removed'])
            .default('planned')
            .describe(
              'What the System says about the environment; removed (after a teardown) takes its entities out of the catalog',
            ),
        filePath: z =>
          z
            .string()
            .default('catalog-info.yaml')
            .describe('Workspace file the entities are also written to'),
      },
      output: {
        entityRef: z =>
          z.string().describe("Reference of the environment's System"),
        entityRefs: z =>
          z
            .array(z.string())
            .describe('References of every entity written (or removed)'),
        catalogInfoPath: z =>
          z
            .string()
            .optional()
            .describe('Workspace path of the entities file (not when removed)'),
      },
    },
    async handler(ctx) {
      const state = ctx.input.state ?? 'planned';
      const spec =
        state === 'removed'
          ? parseSpecForTeardown(ctx.input.spec, options.supportedVersions)
          : parseSpecInput(ctx.input.spec, options.supportedVersions);
      const entities = registeredEnvironmentEntities(spec, state);
      const refs = entities.map(e => stringifyEntityRef(e));
      const systemRef = refs[entities.findIndex(e => e.kind === 'System')];
      const target = path.join(options.entitiesDirectory, `${spec.name}.yaml`);
      ctx.output('entityRef', systemRef);
      ctx.output('entityRefs', refs);

      const partRefs = refs.filter(
        (_, i) =>
          entities[i].kind !== 'System' &&
          entities[i].spec?.system === spec.name,
      );
      /** Waits until the catalog shows the change; a slow catalog is a warning, not a failure. */
      const waitForCatalog = async () => {
        const catalog = options.catalog;
        if (!catalog || waitMs <= 0) return;
        const credentials = await ctx.getInitiatorCredentials();
        const started = Date.now();
        for (;;) {
          const system = await catalog.getEntityByRef(systemRef, {
            credentials,
          });
          if (catalogShows(system, state, partRefs)) {
            ctx.logger.info(
              `The catalog shows ${systemRef} as ${state} (after ${(
                (Date.now() - started) /
                1000
              ).toFixed(1)} s)`,
            );
            return;
          }
          if (Date.now() - started >= waitMs) {
            ctx.logger.warn(
              `The catalog does not show ${systemRef} as ${state} yet after ${Math.round(
                waitMs / 1000,
              )} s; the entities are written and will appear when the catalog processes them`,
            );
            return;
          }
          await new Promise(resolve => setTimeout(resolve, pollMs));
        }
      };

      if (state === 'removed') {
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would remove ${entities.length} entities of ${spec.name} (${systemRef}) from the catalog`,
          );
          return;
        }
        await ctx.checkpoint({
          key: `bpa.catalog.remove.${spec.name}`,
          fn: async () => {
            await fs.rm(target, { force: true });
          },
        });
        ctx.logger.info(
          `Removed the ${entities.length} entities of ${spec.name} (${systemRef}) from the catalog`,
        );
        await waitForCatalog();
        return;
      }

      const yaml = entities.map(e => stringify(e)).join('---\n');
      const filePath = ctx.input.filePath ?? 'catalog-info.yaml';
      const workspaceFile = resolveSafeChildPath(ctx.workspacePath, filePath);
      await fs.mkdir(path.dirname(workspaceFile), { recursive: true });
      await fs.writeFile(workspaceFile, yaml, 'utf8');
      ctx.output('catalogInfoPath', filePath);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: ${entities.length} entities written to ${filePath}, not registered`,
        );
        return;
      }

      await ctx.checkpoint({
        key: `bpa.catalog.register.${spec.name}.${state}`,
        fn: async () => {
          await fs.mkdir(options.entitiesDirectory, { recursive: true });
          // Written whole, then renamed: the provider never reads half a file.
          await fs.writeFile(`${target}.tmp`, yaml, 'utf8');
          await fs.rename(`${target}.tmp`, target);
        },
      });
      ctx.logger.info(
        `Added ${entities.length} entities of ${spec.name} (${systemRef}) to the catalog`,
      );
      await waitForCatalog();
    },
  });
}
