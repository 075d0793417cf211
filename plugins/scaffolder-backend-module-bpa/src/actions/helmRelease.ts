import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { resourceNames } from '@internal/backstage-plugin-bpa-common';
import {
  deployHelmRelease,
  ecrRegistryOf,
  findHelmBinary,
  PLAN_FILES,
  readPlanFile,
  RegistryLogin,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './helmRelease.examples';
import {
  InClusterActionOptions,
  inClusterStep,
  masked,
} from './inClusterCommon';
import { planDigestInput, planDirectoryInput, specInput } from './util';

export interface HelmReleaseActionOptions extends InClusterActionOptions {
  /** Config `bpa.helm.binary`; else `helm` on the PATH. */
  helmBinary?: string;
  /** Login to an ECR registry holding the chart, from the portal's AWS credentials. */
  ecrLogin?: (registry: {
    host: string;
    accountId: string;
    region: string;
  }) => Promise<RegistryLogin>;
}

const DEFAULT_TIMEOUT_MINUTES = 30;

/** `oci://` and `https://` references as they are; anything else is a chart in the workspace. */
function resolveChart(workspacePath: string, chart: string): string {
  if (chart.startsWith('oci://') || chart.startsWith('https://')) return chart;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart)) {
    throw new InputError(
      `Chart ${chart}: use an oci:// or https:// reference, or a path in the workspace`,
    );
  }
  const local = resolveSafeChildPath(workspacePath, chart);
  if (!fs.existsSync(local)) {
    throw new InputError(
      `Chart ${chart} is not in the workspace (looked for ${local})`,
    );
  }
  return local;
}

/**
 * `bpa:helm:release` — `helm upgrade --install` of the BPA release with the
 * plan's values, `--atomic --wait`: either the release runs, or it is
 * rolled back. Running it again with the same chart and values changes
 * nothing.
 */
export function createHelmReleaseAction(options: HelmReleaseActionOptions) {
  return createTemplateAction({
    id: 'bpa:helm:release',
    description:
      "Installs or upgrades the BPA Helm release (bpa-rel in bpa-ns) from a chart reference (oci://, e.g. ECR; an https:// archive; or a path in the workspace) with the plan's helm/values.yaml, --atomic --wait.",
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
        chart: z =>
          z
            .string()
            .optional()
            .describe(
              "Chart reference: oci://..., https://...tgz, or a workspace path; default: the chart in the environment's ECR, where bpa:ecr:mirror puts it",
            ),
        chartVersion: z =>
          z
            .string()
            .optional()
            .describe(
              'Chart version of an oci:// chart; default: the BPA version of the request',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .default(DEFAULT_TIMEOUT_MINUTES)
            .describe(
              "Minutes helm waits for the release's resources before rolling back",
            ),
      },
      output: {
        release: z => z.string().describe('Release name'),
        namespace: z => z.string().describe('Release namespace'),
        outcome: z =>
          z
            .enum(['installed', 'upgraded', 'unchanged'])
            .optional()
            .describe(
              'What the run did; unchanged: the same chart and values were already deployed',
            ),
        revision: z => z.number().optional().describe('Release revision'),
        status: z =>
          z.string().optional().describe('Helm status, e.g. deployed'),
        chart: z =>
          z.string().optional().describe('Deployed chart, <name>-<version>'),
        appVersion: z =>
          z.string().optional().describe("The chart's app version"),
      },
    },
    async handler(ctx) {
      const step = await inClusterStep(ctx, options);
      const { spec } = step;
      const reference = ctx.input.chart ?? resourceNames(spec).chart;
      const chart = resolveChart(ctx.workspacePath, reference);
      const valuesFile = resolveSafeChildPath(
        step.planDirectory,
        PLAN_FILES.helmValues,
      );
      await readPlanFile(step.planDirectory, PLAN_FILES.helmValues);

      if (ctx.isDryRun) {
        const helm = await findHelmBinary(options.helmBinary).then(
          h => `helm ${h.version}`,
          e => `no usable helm (${e.message}): the real run will fail`,
        );
        ctx.logger.info(
          `Dry run: would run helm upgrade --install ${spec.bpa.releaseName} ${reference} in ${spec.bpa.namespace} with ${PLAN_FILES.helmValues}, --atomic --wait; ${helm}`,
        );
        ctx.output('release', spec.bpa.releaseName);
        ctx.output('namespace', spec.bpa.namespace);
        return;
      }

      // A missing helm fails here, before anything changes.
      const helm = await findHelmBinary(options.helmBinary);
      step.logger.info(`Using helm ${helm.version} (${helm.path})`);
      const result = await masked(step.masker, async () => {
        const ecr = ecrRegistryOf(chart);
        const registryLogin =
          ecr && options.ecrLogin ? await options.ecrLogin(ecr) : undefined;
        // ECR's registry is where its token's proxyEndpoint says, as for docker login and the mirror's push.
        const installFrom =
          ecr && registryLogin
            ? `oci://${registryLogin.host}${chart.slice(
                `oci://${ecr.host}`.length,
              )}`
            : chart;
        const client = await step.connect();
        const key = `bpa-helm-release-${spec.name}-${
          spec.bpa.releaseName
        }-${reference}-${ctx.input.chartVersion ?? spec.bpa.version}`;
        // Which run of this step first started helm: another one means helm was interrupted with it.
        const thisRun = randomUUID();
        const startedBy = await step.checkpoint(
          `${key}-started`,
          async () => thisRun,
        );
        return step.checkpoint(key, () =>
          deployHelmRelease({
            resumingInterruptedRun: startedBy !== thisRun,
            helm: helm.path,
            connection: client.connection,
            release: spec.bpa.releaseName,
            namespace: spec.bpa.namespace,
            chart: installFrom,
            version: ctx.input.chartVersion ?? spec.bpa.version,
            valuesFile,
            timeoutMs:
              (ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000,
            logger: step.logger,
            masker: step.masker,
            registryLogin,
          }),
        );
      });
      ctx.output('release', result.release);
      ctx.output('namespace', result.namespace);
      ctx.output('outcome', result.outcome);
      ctx.output('revision', result.revision);
      ctx.output('status', result.status);
      ctx.output('chart', result.chart);
      ctx.output('appVersion', result.appVersion);
    },
  });
}
