import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  BPA_REQUEST_ANNOTATION,
  BPA_STATE_ANNOTATION,
  SupportedVersions,
  quoted,
  readRecordedRequest,
} from '@internal/backstage-plugin-bpa-common';
import { parseSpecForTeardown } from './atlasCommon';
import { examples } from './describeEnvironment.examples';

export interface DescribeEnvironmentActionOptions {
  /** Reads the environment's System, with the task initiator's rights. */
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  supportedVersions?: SupportedVersions;
}

/**
 * `bpa:environment:describe` — reads an environment's request back from its
 * System in the catalog (annotation `bpa.cisco.com/request`, written by
 * `bpa:catalog:register`), so a teardown needs nothing typed again. With
 * `confirmation`, refuses unless it is the environment's name.
 */
export function createDescribeEnvironmentAction(
  options: DescribeEnvironmentActionOptions,
) {
  return createTemplateAction({
    id: 'bpa:environment:describe',
    description:
      "Reads a BPA environment's request from its System in the catalog (as bpa:catalog:register recorded it) and outputs it as spec, for the teardown actions; optionally checks a typed confirmation against the environment's name.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        entityRef: z =>
          z
            .string()
            .describe(
              "The environment's System, e.g. system:default/bpa-demo (the EntityPicker's value)",
            ),
        confirmation: z =>
          z
            .string()
            .optional()
            .describe(
              "What the user typed to confirm; when given, it must be the environment's name",
            ),
      },
      output: {
        spec: z =>
          z
            .record(z.string(), z.unknown())
            .describe(
              'The environment request, every default filled in, as the environment was last registered',
            ),
        environment: z => z.string().describe('Environment name'),
        state: z =>
          z
            .string()
            .optional()
            .describe('What the System says: planned or applied'),
      },
    },
    async handler(ctx) {
      const ref = ctx.input.entityRef;
      const entity = await options.catalog.getEntityByRef(ref, {
        credentials: await ctx.getInitiatorCredentials(),
      });
      if (!entity) {
        throw new NotFoundError(
          `${ref} is not in the catalog (or you may not read it)`,
        );
      }
      if (entity.kind.toLowerCase() !== 'system') {
        throw new InputError(
          `${ref} is a ${entity.kind}; pick the environment's System`,
        );
      }
      const recorded = readRecordedRequest(entity.metadata.annotations);
      if ('problem' in recorded) {
        throw new InputError(
          {
            missing: `${ref} has no ${BPA_REQUEST_ANNOTATION} annotation: the portal did not register this environment's request (bpa:catalog:register records it), so it cannot tear it down`,
            'not-json': `The ${BPA_REQUEST_ANNOTATION} annotation of ${ref} is not JSON`,
            'not-an-object': `The ${BPA_REQUEST_ANNOTATION} annotation of ${ref} holds no request`,
          }[recorded.problem],
        );
      }
      const spec = parseSpecForTeardown(
        recorded.request,
        options.supportedVersions,
      );
      if (spec.name !== entity.metadata.name) {
        throw new InputError(
          `The request recorded on ${ref} is for environment ${spec.name}, not ${entity.metadata.name}`,
        );
      }
      const confirmation = ctx.input.confirmation;
      if (confirmation !== undefined && confirmation.trim() !== spec.name) {
        throw new InputError(
          `The confirmation ${quoted(
            confirmation,
          )} is not the environment's name ${spec.name}; nothing was changed`,
        );
      }
      const state = entity.metadata.annotations?.[BPA_STATE_ANNOTATION];
      ctx.logger.info(
        `Environment ${spec.name} (${ref}${
          state ? `, ${state}` : ''
        }): account ${spec.aws.accountId}, ${spec.aws.region}, Atlas project ${
          spec.atlas.projectId
        }`,
      );
      ctx.output('spec', JSON.parse(JSON.stringify(spec)));
      ctx.output('environment', spec.name);
      if (state) ctx.output('state', state);
    },
  });
}
