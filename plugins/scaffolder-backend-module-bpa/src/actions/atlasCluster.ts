import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { resourceNames } from '@internal/backstage-plugin-bpa-common';
import {
  atlasConnectionHost,
  checkAtlasDatabaseUser,
  checkAtlasOffering,
  ensureAtlasCluster,
  ensureAtlasDatabaseUser,
  mongodbSecretName,
  waitForAtlasCluster,
} from '@internal/backstage-plugin-bpa-node';
import {
  AtlasActionOptions,
  atlasStepContext,
  parseAtlasSpec,
  refuse,
  requireAtlas,
  waitOptions,
} from './atlasCommon';
import { examples } from './atlasCluster.examples';
import { specInput } from './util';

/** A dedicated M30 takes 7 to 15 minutes; larger tiers and busy regions longer. */
const DEFAULT_WAIT = { pollIntervalSeconds: 30, timeoutMinutes: 60 };

/**
 * `bpa:atlas:cluster` — creates (or reuses) the environment's dedicated
 * Atlas cluster with termination protection, and BPA's database user with a
 * generated password kept in AWS Secrets Manager. With `wait: false` it
 * returns once creation has started, so the slow AWS stacks run meanwhile;
 * run it again with `wait: true` to wait for `IDLE`.
 */
export function createAtlasClusterAction(options: AtlasActionOptions) {
  return createTemplateAction({
    id: 'bpa:atlas:cluster',
    description:
      "Creates or reuses the BPA environment's MongoDB Atlas dedicated cluster (termination protection on) and its database user, whose generated password is stored in AWS Secrets Manager; optionally waits until the cluster is IDLE.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        wait: z =>
          z
            .boolean()
            .default(true)
            .describe(
              'Wait until the cluster is IDLE; false returns once creation has started (run the action again with true to wait)',
            ),
        pollIntervalSeconds: z =>
          z
            .number()
            .min(0)
            .default(DEFAULT_WAIT.pollIntervalSeconds)
            .describe(
              `Seconds between two looks at the cluster while waiting; default bpa.atlas.pollIntervalSeconds, else ${DEFAULT_WAIT.pollIntervalSeconds}`,
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_WAIT.timeoutMinutes)
            .describe(
              'Minutes to wait for IDLE before failing (the cluster keeps being built)',
            ),
      },
      output: {
        clusterName: z => z.string().describe('Atlas cluster name'),
        stateName: z =>
          z
            .string()
            .optional()
            .describe(
              'Atlas state when the action finished: IDLE, CREATING, UPDATING…',
            ),
        mongoDBVersion: z =>
          z
            .string()
            .optional()
            .describe('MongoDB version the cluster runs, e.g. 8.0.4'),
        connectionHost: z =>
          z
            .string()
            .optional()
            .describe(
              'Public SRV host of the cluster (no credentials), once Atlas has assigned it',
            ),
        databaseUser: z => z.string().describe('Database user BPA connects as'),
        secretName: z =>
          z
            .string()
            .describe("Secrets Manager secret holding the user's password"),
        secretArn: z =>
          z
            .string()
            .optional()
            .describe('ARN of that secret (not in a dry run)'),
      },
    },
    async handler(ctx) {
      const spec = parseAtlasSpec(ctx.input.spec, options.supportedVersions);
      const clusterName = resourceNames(spec).atlasCluster;
      const secretName = mongodbSecretName(spec);
      const step = atlasStepContext(ctx, options.clock);

      if (options.atlas) {
        const issues = [
          ...(await checkAtlasOffering(options.atlas, spec)),
          ...(await checkAtlasDatabaseUser(options.atlas, spec)),
        ];
        if (issues.length) refuse(issues);
      }
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would create or reuse Atlas cluster ${clusterName} in project ${
            spec.atlas.projectId
          } (${spec.atlas.tier}, MongoDB ${spec.atlas.mongoDBVersion}, ${
            spec.atlas.diskSizeGB
          } GB, ${spec.aws.region}) and database user ${
            spec.atlas.databaseUser
          } with its password in ${secretName}${
            options.atlas
              ? ''
              : '; Atlas credentials are not configured, so tier and version were checked against the built-in lists only'
          }`,
        );
        ctx.output('clusterName', clusterName);
        ctx.output('databaseUser', spec.atlas.databaseUser);
        ctx.output('secretName', secretName);
        return;
      }

      const atlas = requireAtlas(options.atlas);
      const aws = await options.awsClients({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      let cluster = await ensureAtlasCluster(atlas, spec, step);
      const user = await ensureAtlasDatabaseUser(
        atlas,
        aws.secretsManager,
        spec,
        step,
      );
      // Defaults are not applied to inputs everywhere (dry runs, tests): absent means wait.
      if (ctx.input.wait !== false) {
        cluster = await waitForAtlasCluster(
          atlas,
          spec,
          step,
          waitOptions(ctx.input, DEFAULT_WAIT, options),
        );
      } else {
        ctx.logger.info(
          `Not waiting: Atlas cluster ${clusterName} is ${
            cluster.stateName ?? 'being created'
          }; run bpa:atlas:cluster with wait: true to wait for IDLE`,
        );
      }

      const host = atlasConnectionHost(cluster);
      ctx.output('clusterName', clusterName);
      if (cluster.stateName) ctx.output('stateName', cluster.stateName);
      if (cluster.mongoDBVersion)
        ctx.output('mongoDBVersion', cluster.mongoDBVersion);
      if (host) ctx.output('connectionHost', host);
      ctx.output('databaseUser', user.username);
      ctx.output('secretName', user.secretName);
      ctx.output('secretArn', user.secretArn);
    },
  });
}
