import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { resourceNames } from '@internal/backstage-plugin-bpa-common';
import {
  removeAtlasDatabaseUser,
  removeAtlasPrivateEndpoint,
  terminateAtlasCluster,
} from '@internal/backstage-plugin-bpa-node';
import {
  AtlasActionOptions,
  atlasStepContext,
  parseSpecForTeardown,
  requireAtlas,
  waitOptions,
} from './atlasCommon';
import { examples } from './atlasTeardown.examples';
import { teardownSpecInput } from './util';

const DEFAULT_WAIT = { pollIntervalSeconds: 15, timeoutMinutes: 45 };

/**
 * `bpa:atlas:teardown` — removes the environment's PrivateLink endpoint
 * (Atlas side and VPC endpoint). The cluster, and with it the data, is only
 * terminated when asked explicitly (`terminateCluster` or the request's
 * `atlas.terminateOnTeardown`).
 */
export function createAtlasTeardownAction(options: AtlasActionOptions) {
  return createTemplateAction({
    id: 'bpa:atlas:teardown',
    description:
      "Removes a BPA environment's Atlas private endpoint and its VPC endpoint; terminates the Atlas cluster (termination protection off, backups retained) only when explicitly requested.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: teardownSpecInput,
        terminateCluster: z =>
          z
            .boolean()
            .default(false)
            .describe(
              "Also delete the Atlas cluster (its data; backup snapshots are retained). Also done when the request's atlas.terminateOnTeardown is true",
            ),
        pollIntervalSeconds: z =>
          z
            .number()
            .min(0)
            .default(DEFAULT_WAIT.pollIntervalSeconds)
            .describe(
              `Seconds between two looks while waiting for deletions; default bpa.atlas.pollIntervalSeconds, else ${DEFAULT_WAIT.pollIntervalSeconds}`,
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_WAIT.timeoutMinutes)
            .describe('Minutes each deletion may take'),
      },
      output: {
        removedVpcEndpointIds: z =>
          z
            .array(z.string())
            .describe('VPC endpoints removed (Atlas side and AWS)'),
        endpointServiceDeleted: z =>
          z
            .boolean()
            .describe(
              "Whether the project's endpoint service in the region was deleted (kept while other environments use it)",
            ),
        clusterTerminated: z =>
          z.boolean().describe('Whether the Atlas cluster was deleted'),
        clusterOutcome: z =>
          z
            .enum(['terminated', 'kept', 'would-terminate', 'would-keep'])
            .describe(
              'What became of the Atlas cluster; in a dry run, what would (as its log says)',
            ),
      },
    },
    async handler(ctx) {
      const spec = parseSpecForTeardown(
        ctx.input.spec,
        options.supportedVersions,
      );
      const clusterName = resourceNames(spec).atlasCluster;
      const terminate =
        ctx.input.terminateCluster === true || spec.atlas.terminateOnTeardown;
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would remove the Atlas private endpoint of ${
            spec.name
          } and ${
            terminate
              ? `TERMINATE Atlas cluster ${clusterName} (backups retained)`
              : `keep Atlas cluster ${clusterName} and its data`
          }`,
        );
        ctx.output('clusterTerminated', false);
        ctx.output(
          'clusterOutcome',
          terminate ? 'would-terminate' : 'would-keep',
        );
        return;
      }
      const atlas = requireAtlas(options.atlas);
      const aws = await options.awsClients({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      const step = atlasStepContext(ctx, options.clock);
      const wait = waitOptions(ctx.input, DEFAULT_WAIT, options);

      const removal = await removeAtlasPrivateEndpoint(
        atlas,
        aws.ec2,
        spec,
        step,
        wait,
      );
      let clusterTerminated = false;
      if (terminate) {
        clusterTerminated = await terminateAtlasCluster(
          atlas,
          spec,
          step,
          wait,
        );
        await removeAtlasDatabaseUser(atlas, aws.secretsManager, spec, step);
      } else {
        ctx.logger.info(
          `Keeping Atlas cluster ${clusterName}, its data and database user: terminating it needs terminateCluster: true or atlas.terminateOnTeardown in the request`,
        );
      }
      ctx.output('removedVpcEndpointIds', removal.vpcEndpointIds);
      ctx.output('endpointServiceDeleted', removal.endpointServiceDeleted);
      ctx.output('clusterTerminated', clusterTerminated);
      ctx.output('clusterOutcome', clusterTerminated ? 'terminated' : 'kept');
    },
  });
}
