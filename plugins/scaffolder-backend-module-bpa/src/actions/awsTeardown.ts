import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  STACK_KINDS,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  TEARDOWN_WAVES,
  databaseSnapshots,
  environmentResourceTypes,
  executeTeardown,
  planTeardown,
  requiredActions,
  verifyAwsAccess,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './awsTeardown.examples';
import {
  AwsActionOptions,
  detachEdgeTargets,
  stackDeployer,
} from './awsCommon';
import { parseSpecForTeardown } from './atlasCommon';
import { teardownSpecInput } from './util';

/**
 * `bpa:aws:teardown` — deletes the environment's stacks in reverse order
 * (edge; registry, data and cluster side by side; network). RDS leaves a
 * final snapshot; repositories holding images are kept unless
 * `deleteImages` says otherwise. Stacks already gone are skipped, so a
 * failed teardown continues where it stopped when run again. `checkOnly`
 * runs every check and deletes nothing, so a teardown template can stop
 * before other steps remove anything.
 */
export function createAwsTeardownAction(options: AwsActionOptions) {
  return createTemplateAction({
    id: 'bpa:aws:teardown',
    description:
      "Deletes a BPA environment's CloudFormation stacks in reverse order (edge, then registry, data and cluster, then network); RDS keeps a final snapshot, which is listed, ECR repositories with images are kept unless deleteImages is set.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: teardownSpecInput,
        deleteImages: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'Also delete ECR repositories that still hold images, with their images',
            ),
        liftDeletionProtection: z =>
          z
            .boolean()
            .default(false)
            .describe(
              "Lift the RDS instance's deletion protection so its stack can go (RDS still takes a final snapshot); without it the teardown is refused before anything is deleted",
            ),
        checkOnly: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'Check the credentials, the permissions and that the teardown would not be refused (deletion protection, deletion policies), and delete nothing',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .optional()
            .describe(
              'Minutes to wait for each stack to be deleted; default per stack',
            ),
      },
      output: {
        deleted: z =>
          z
            .array(z.enum(STACK_KINDS))
            .describe(
              'Stacks this run deleted, in order (none with checkOnly)',
            ),
        absent: z =>
          z
            .array(z.enum(STACK_KINDS))
            .describe('Stacks that did not exist (deleted before)'),
        databaseSnapshots: z =>
          z
            .array(
              z.object({
                identifier: z.string(),
                instance: z.string(),
                createdAt: z.string(),
                status: z.string(),
              }),
            )
            .optional()
            .describe(
              "The RDS snapshots of the environment's database that are kept (its final snapshot among them): where its data is now",
            ),
        wouldDelete: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              'In a dry run: the stacks it would delete, those of them that exist, in order (as its log says)',
            ),
      },
    },
    async handler(ctx) {
      const spec = parseSpecForTeardown(
        ctx.input.spec,
        options.supportedVersions,
      );
      const names = resourceNames(spec);
      const teardown = {
        environment: spec.name,
        stackName: names.stack,
        deleteImages: ctx.input.deleteImages === true,
        liftDeletionProtection: ctx.input.liftDeletionProtection === true,
      };

      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would ${
            ctx.input.checkOnly === true
              ? 'check that it may, without deleting anything, '
              : ''
          }delete ${TEARDOWN_WAVES.map(w =>
            w.map(k => names.stack(k)).join(' + '),
          ).join(', then ')}; ${
            teardown.deleteImages
              ? 'repositories go with their images'
              : 'repositories holding images are kept'
          }; RDS takes a final snapshot`,
        );
        ctx.output('deleted', []);
        ctx.output('absent', []);
        ctx.output(
          'wouldDelete',
          TEARDOWN_WAVES.flat().map(k => names.stack(k)),
        );
        return;
      }

      const clients = await options.clients.forTarget({
        accountId: spec.aws.accountId,
        region: spec.aws.region,
      });
      await verifyAwsAccess({
        clients,
        environment: spec.name,
        actions: requiredActions({
          operation: 'teardown',
          resourceTypes: environmentResourceTypes(spec),
        }),
        operation: 'teardown',
        logger: ctx.logger,
      });
      const deployer = stackDeployer(
        ctx,
        clients,
        options,
        ctx.input.timeoutMinutes,
      );
      const plan = await planTeardown(
        clients.cloudFormation,
        deployer,
        teardown,
      );
      if (ctx.input.checkOnly === true) {
        ctx.logger.info(
          `The teardown of ${spec.name} can go ahead: it would delete ${
            plan.stacks.map(s => s.stack.StackName).join(', ') || 'no stack'
          }${
            plan.absent.length
              ? ` (${plan.absent
                  .map(k => names.stack(k))
                  .join(', ')} already gone)`
              : ''
          }. Nothing was deleted.`,
        );
        ctx.output('deleted', []);
        ctx.output('absent', plan.absent);
        return;
      }
      const result = await executeTeardown(plan, deployer, {
        ...teardown,
        region: spec.aws.region,
        logger: ctx.logger,
        beforeDelete: async (kind, outputs) => {
          if (kind === 'edge') {
            await detachEdgeTargets(ctx, clients, spec, outputs);
          }
        },
        timeoutMs: ctx.input.timeoutMinutes
          ? ctx.input.timeoutMinutes * 60_000
          : undefined,
      });
      // What the teardown leaves on purpose: the database's data, in its snapshots.
      const snapshots = await databaseSnapshots(clients.rds, names.rdsInstance);
      for (const s of snapshots) {
        ctx.logger.info(
          `Kept: RDS snapshot ${s.identifier} of ${s.instance} (taken ${s.createdAt}); restore it with aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier ${s.identifier} --region ${spec.aws.region} --db-instance-identifier <new instance>`,
        );
      }
      ctx.output('deleted', result.deleted);
      ctx.output('absent', result.absent);
      ctx.output('databaseSnapshots', snapshots);
    },
  });
}
