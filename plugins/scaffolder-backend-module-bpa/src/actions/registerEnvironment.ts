import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AuthService,
  resolveSafeChildPath,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_LOCATION,
  Entity,
  RELATION_HAS_PART,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { ConflictError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  BPA_AWS_ACCOUNT_ANNOTATION,
  BPA_REQUEST_ANNOTATION,
  BPA_STATE_ANNOTATION,
  EnvironmentSpec,
  SupportedVersions,
  ownerEntityRef,
  registeredEnvironmentEntities,
} from '@internal/backstage-plugin-bpa-common';
import { parseAllDocuments, stringify } from 'yaml';
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
  /**
   * The module's own credentials: with them the action reads which
   * environment already holds the name, whatever the initiator may see.
   */
  auth?: Pick<AuthService, 'getOwnServiceCredentials'>;
  /** How long to wait for the catalog; 0 does not wait. Default 60 s. */
  catalogWaitMs?: number;
  /** Between two looks at the catalog. Default 1 s. */
  catalogPollMs?: number;
}

/**
 * True once the catalog shows the System as written: with its state, owner
 * and recorded request, and a hasPart relation to each of its parts (the
 * catalog adds those when it has processed the parts themselves); for
 * `removed`, once it is gone.
 */
function catalogShows(
  system: Entity | undefined,
  written: Entity,
  partRefs: string[],
): boolean {
  const state = written.metadata.annotations?.[BPA_STATE_ANNOTATION];
  if (state === 'removed') return system === undefined;
  if (!system) return false;
  const annotations = system.metadata.annotations;
  if (
    annotations?.[BPA_STATE_ANNOTATION] !== state ||
    annotations?.[BPA_REQUEST_ANNOTATION] !==
      written.metadata.annotations?.[BPA_REQUEST_ANNOTATION] ||
    system.spec?.owner !== written.spec?.owner
  ) {
    return false;
  }
  const parts = new Set(
    (system.relations ?? [])
      .filter(r => r.type === RELATION_HAS_PART)
      .map(r => r.targetRef),
  );
  return partRefs.every(ref => parts.has(ref));
}

/** The environment that holds a name: who owns it, in which account, in which state. */
interface Holder {
  source: string;
  owner: string;
  accountId?: string;
  state?: string;
  /** Whether the portal registered it (it records its request); others cannot be replaced. */
  registeredByPortal: boolean;
}

function holderOf(system: Entity, source: string): Holder {
  const annotations = system.metadata.annotations ?? {};
  return {
    source,
    owner: ownerEntityRef(String(system.spec?.owner ?? '')),
    accountId: annotations[BPA_AWS_ACCOUNT_ANNOTATION],
    state: annotations[BPA_STATE_ANNOTATION],
    registeredByPortal: annotations[BPA_REQUEST_ANNOTATION] !== undefined,
  };
}

/** The System in the environment's file, written by an earlier registration (maybe not in the catalog yet). */
async function systemInFile(file: string): Promise<Entity | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  return (
    parseAllDocuments(text)
      .map(doc => doc.toJS() as Entity | null)
      .find(entity => entity?.kind === 'System') ?? undefined
  );
}

/**
 * Refuses, before anything is written, a name held by another environment:
 * one with another owner or AWS account, or one the portal did not
 * register. The same environment registering again is fine.
 */
function checkNameHeld(
  spec: EnvironmentSpec,
  systemRef: string,
  holder: Holder | undefined,
): void {
  if (!holder) return;
  const requested = `owner ${ownerEntityRef(spec.owner)}, AWS account ${
    spec.aws.accountId
  }`;
  const held = `${systemRef} (${holder.source}: owner ${holder.owner}${
    holder.accountId ? `, AWS account ${holder.accountId}` : ''
  })`;
  if (!holder.registeredByPortal) {
    throw new ConflictError(
      `The name ${spec.name} is held by ${held}, which the portal did not register; choose another name. Nothing was written.`,
    );
  }
  if (
    holder.owner !== ownerEntityRef(spec.owner) ||
    holder.accountId !== spec.aws.accountId
  ) {
    throw new ConflictError(
      `The name ${spec.name} is held by ${held}; this request has ${requested}. An environment keeps its owner and account: choose another name, or have its owner tear it down first. Nothing was written.`,
    );
  }
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

      const inFile = await systemInFile(target);
      const inCatalog =
        !inFile && options.catalog && options.auth
          ? await options.catalog.getEntityByRef(systemRef, {
              credentials: await options.auth.getOwnServiceCredentials(),
            })
          : undefined;
      const holder =
        (inFile && holderOf(inFile, `registered in ${target}`)) ||
        (inCatalog &&
          holderOf(
            inCatalog,
            `in the catalog from ${
              inCatalog.metadata.annotations?.[ANNOTATION_LOCATION] ??
              'an unknown location'
            }`,
          ));
      if (state !== 'removed') checkNameHeld(spec, systemRef, holder);

      const written = entities.find(e => e.kind === 'System')!;
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
          if (catalogShows(system, written, partRefs)) {
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
      if (state === 'planned' && holder?.state === 'applied') {
        // The record of an applied environment is what its teardown and
        // status read: it changes when an apply of the new request completes.
        ctx.logger.info(
          `${spec.name} is applied: the catalog keeps its applied request until an apply of this one completes (${filePath} holds the planned entities)`,
        );
        return;
      }
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
