import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  PLAN_FILES,
  readPlanFile,
  ReferenceValuesFactory,
  runDatabaseBootstrap,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './databaseBootstrap.examples';
import {
  InClusterActionOptions,
  inClusterStep,
  masked,
} from './inClusterCommon';
import { planDigestInput, planDirectoryInput, specInput } from './util';

const DEFAULT_TIMEOUT_MINUTES = 15;

export interface DatabaseBootstrapActionOptions extends InClusterActionOptions {
  /** Reads the Job's credentials when it runs: RDS's master secret, the PostgreSQL passwords, the database endpoint. */
  referenceValues: ReferenceValuesFactory;
}

/**
 * `bpa:database:bootstrap` — RDS only answers inside the VPC, so the
 * plan's bootstrap SQL runs in the cluster: a Job running psql with
 * credentials this step writes into a Secret right before, so the RDS
 * master password is the current one even after a rotation. Idempotent:
 * the SQL is, and a Job that finished for this plan is not run again.
 */
export function createDatabaseBootstrapAction(
  options: DatabaseBootstrapActionOptions,
) {
  return createTemplateAction({
    id: 'bpa:database:bootstrap',
    description:
      "Runs the plan's database bootstrap (roles and databases admin, kong, camunda/process-engine with md5 passwords) as a Job in the environment's cluster and waits for it, its credentials (the RDS master password among them) read from Secrets Manager right before; a failure shows the Job's log with secrets masked.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        planDirectory: planDirectoryInput,
        planDigest: planDigestInput,
        kubeconfigSecret: z =>
          z
            .string()
            .optional()
            .describe(
              "Name of a task secret holding a kubeconfig to use instead of the environment's EKS cluster",
            ),
        forceConflicts: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'Apply the plan over fields someone changed outside the portal (reported as conflicts otherwise)',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_TIMEOUT_MINUTES)
            .describe('Minutes the Job may take'),
      },
      output: {
        job: z =>
          z
            .string()
            .optional()
            .describe('The Job, as `Job <namespace>/<name>`'),
        outcome: z =>
          z
            .enum(['completed', 'already-completed'])
            .optional()
            .describe(
              'completed: the Job ran now; already-completed: it had run for this plan before',
            ),
      },
    },
    async handler(ctx) {
      const step = await inClusterStep(ctx, options);
      if (ctx.isDryRun) {
        await readPlanFile(step.planDirectory, PLAN_FILES.databaseBootstrap);
        ctx.logger.info(
          `Dry run: would run ${PLAN_FILES.databaseBootstrap} (database/bootstrap.sql) in ${step.spec.name}'s cluster and wait for it`,
        );
        return;
      }
      const result = await masked(step.masker, async () =>
        runDatabaseBootstrap({
          spec: step.spec,
          planDirectory: step.planDirectory,
          values: await options.referenceValues.forEnvironment({
            accountId: step.spec.aws.accountId,
            region: step.spec.aws.region,
          }),
          client: await step.connect(),
          logger: step.logger,
          masker: step.masker,
          checkpoint: step.checkpoint,
          forceConflicts: ctx.input.forceConflicts ?? false,
          timeoutMs:
            (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
          pollIntervalMs: options.pollIntervalMs,
        }),
      );
      ctx.output('job', result.job);
      ctx.output('outcome', result.outcome);
    },
  });
}
