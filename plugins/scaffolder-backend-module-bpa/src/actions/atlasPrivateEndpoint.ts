import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { resourceNames } from '@internal/backstage-plugin-bpa-common';
import {
  mongodbSecretName,
  provisionAtlasPrivateEndpoint,
  storeMongoDbConnectionString,
} from '@internal/backstage-plugin-bpa-node';
import {
  AtlasActionOptions,
  atlasStepContext,
  parseAtlasSpec,
  requireAtlas,
  waitOptions,
} from './atlasCommon';
import { examples } from './atlasPrivateEndpoint.examples';
import { specInput } from './util';

/** Endpoint services and endpoints take minutes; the private string follows the cluster. */
const DEFAULT_WAIT = { pollIntervalSeconds: 15, timeoutMinutes: 45 };

/**
 * `bpa:atlas:private-endpoint` — connects the environment's VPC to its Atlas
 * cluster over AWS PrivateLink and adds the private connection string (no
 * password in it) to the environment's MongoDB secret, where BPA's binding
 * Secret reads it.
 */
export function createAtlasPrivateEndpointAction(options: AtlasActionOptions) {
  return createTemplateAction({
    id: 'bpa:atlas:private-endpoint',
    description:
      "Creates or reuses the Atlas project's AWS endpoint service in the environment's region, an interface VPC endpoint in the environment's private subnets (security group from the network stack), registers it with Atlas and waits until it is AVAILABLE; stores the cluster's private connection string in the environment's MongoDB secret (bpa/<name>/mongodb) and outputs it.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        pollIntervalSeconds: z =>
          z
            .number()
            .min(0)
            .default(DEFAULT_WAIT.pollIntervalSeconds)
            .describe(
              `Seconds between two looks at Atlas while waiting; default bpa.atlas.pollIntervalSeconds, else ${DEFAULT_WAIT.pollIntervalSeconds}`,
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_WAIT.timeoutMinutes)
            .describe(
              'Minutes each wait (endpoint service, endpoint, connection string) may take',
            ),
      },
      output: {
        endpointServiceId: z =>
          z.string().optional().describe('Atlas private endpoint service id'),
        endpointServiceName: z =>
          z
            .string()
            .optional()
            .describe(
              'AWS endpoint service name, com.amazonaws.vpce.<region>.vpce-svc-…',
            ),
        vpcEndpointId: z =>
          z.string().optional().describe('Interface VPC endpoint id, vpce-…'),
        privateConnectionString: z =>
          z
            .string()
            .optional()
            .describe(
              "mongodb+srv:// string through the private endpoint; it holds no credentials (they are in the user's Secrets Manager secret)",
            ),
        secretName: z =>
          z
            .string()
            .describe(
              'Secrets Manager secret the connection string was added to (key connectionString)',
            ),
      },
    },
    async handler(ctx) {
      const spec = parseAtlasSpec(ctx.input.spec, options.supportedVersions);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would connect the VPC of network stack ${resourceNames(
            spec,
          ).stack('network')} to Atlas project ${spec.atlas.projectId} in ${
            spec.aws.region
          } over PrivateLink, for cluster ${
            resourceNames(spec).atlasCluster
          }, and add its private connection string to ${mongodbSecretName(
            spec,
          )}`,
        );
        ctx.output('secretName', mongodbSecretName(spec));
        return;
      }
      const atlas = requireAtlas(options.atlas);
      const aws = await options.awsClients({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      const step = atlasStepContext(ctx, options.clock);
      const endpoint = await provisionAtlasPrivateEndpoint(
        atlas,
        aws,
        spec,
        step,
        waitOptions(ctx.input, DEFAULT_WAIT, options),
      );
      await storeMongoDbConnectionString(
        aws.secretsManager,
        spec,
        endpoint.privateConnectionString,
        step,
      );
      ctx.output('endpointServiceId', endpoint.endpointServiceId);
      ctx.output('endpointServiceName', endpoint.endpointServiceName);
      ctx.output('vpcEndpointId', endpoint.vpcEndpointId);
      ctx.output('privateConnectionString', endpoint.privateConnectionString);
      ctx.output('secretName', mongodbSecretName(spec));
    },
  });
}
