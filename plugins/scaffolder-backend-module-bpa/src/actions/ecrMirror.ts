import fs from 'node:fs';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  resourceNames,
  SupportedVersions,
} from '@internal/backstage-plugin-bpa-common';
import {
  findSkopeoBinary,
  MIRROR_PLAN_PATH,
  MirrorServices,
  mirrorIntoEcr,
  parseMirrorPlan,
  readPlanFile,
  RegistryAccess,
  SecretMasker,
} from '@internal/backstage-plugin-bpa-node';
import { examples } from './ecrMirror.examples';
import { masked } from './inClusterCommon';
import {
  parseSpecInput,
  planDigestInput,
  planDirectoryInput,
  reviewedPlanDirectory,
  specInput,
} from './util';

export interface EcrMirrorActionOptions
  extends Pick<MirrorServices, 'skopeoBinary' | 'registries' | 'ecr' | 's3'> {
  supportedVersions?: SupportedVersions;
  /** Where skopeo's private working directory goes; defaults to the OS temp dir. */
  tempRoot?: string;
}

const DEFAULT_USERNAME_SECRET = 'sourceRegistryUsername';
const DEFAULT_PASSWORD_SECRET = 'sourceRegistryPassword';

const isRegistrySource = (source: string) =>
  source.startsWith('docker://') || source.startsWith('oci://');
const isWorkspaceSource = (source: string) =>
  !/^[a-z][a-z0-9+.-]*:\/\//i.test(source);

/**
 * `bpa:ecr:mirror` — copies the plan's images and BPA chart
 * (`ecr/mirror.yaml`) into the environment's ECR with skopeo, by digest
 * and only what ECR does not hold yet, so the Helm release finds them.
 */
export function createEcrMirrorAction(options: EcrMirrorActionOptions) {
  return createTemplateAction({
    id: 'bpa:ecr:mirror',
    description:
      "Copies the BPA images and chart into the environment's ECR (the plan's ecr/mirror.yaml), from the source registry or the BPA package's archives, with skopeo: by digest, every platform of a multi-arch image, skipping what ECR already holds, each copy verified and checkpointed.",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        spec: specInput,
        planDirectory: planDirectoryInput,
        planDigest: planDigestInput,
        usernameSecret: z =>
          z
            .string()
            .default(DEFAULT_USERNAME_SECRET)
            .describe(
              "Task secret holding the source registry's user name (the template's Secret field); without it, bpa.mirror.registries in app-config, else anonymous",
            ),
        passwordSecret: z =>
          z
            .string()
            .default(DEFAULT_PASSWORD_SECRET)
            .describe(
              "Task secret holding the source registry's password or token (the template's Secret field)",
            ),
      },
      output: {
        chart: z =>
          z
            .string()
            .describe(
              'The chart in ECR, oci://<registry>/<prefix>/bpa-chart: what bpa:helm:release installs',
            ),
        chartVersion: z =>
          z.string().describe('The chart version (its tag in ECR)'),
        images: z =>
          z
            .array(
              z.object({
                kind: z.enum(['image', 'chart']),
                name: z.string(),
                tag: z.string(),
                source: z.string(),
                target: z.string(),
                digest: z.string(),
                outcome: z.enum(['copied', 'present']),
                platforms: z.number(),
                layers: z.number(),
                bytes: z.number(),
                seconds: z.number(),
              }),
            )
            .optional()
            .describe(
              'Each copy: source, target in ECR, the digest ECR holds, and whether this run copied it or ECR already had it',
            ),
        copied: z => z.number().optional().describe('Copies this run made'),
        present: z =>
          z
            .number()
            .optional()
            .describe('Copies ECR already held (nothing copied)'),
      },
    },
    async handler(ctx) {
      const spec = parseSpecInput(ctx.input.spec, options.supportedVersions);
      const planDirectory = await reviewedPlanDirectory(ctx, spec);
      const plan = parseMirrorPlan(
        (await readPlanFile(planDirectory, MIRROR_PLAN_PATH)).text,
      );
      const names = resourceNames(spec);
      if (plan.registry !== names.ecrRegistry) {
        throw new InputError(
          `${MIRROR_PLAN_PATH} is for ECR ${plan.registry}, not this environment's ${names.ecrRegistry}: run bpa:environment:plan with the same request`,
        );
      }

      // Archives in the workspace must be there before anything is read or copied.
      const workspaceFiles = new Map<string, string>();
      for (const copy of plan.copies.filter(c => isWorkspaceSource(c.source))) {
        const file = resolveSafeChildPath(ctx.workspacePath, copy.source);
        if (!fs.existsSync(file)) {
          throw new InputError(
            `The ${copy.kind} archive ${copy.source} is not in the workspace (looked for ${file}); fetch the BPA package into the workspace first, or give ecr.archives as s3://…`,
          );
        }
        workspaceFiles.set(copy.source, file);
      }

      // Source registry credentials: the task's secrets, else app-config; never parameters.
      const usernameSecret =
        ctx.input.usernameSecret ?? DEFAULT_USERNAME_SECRET;
      const passwordSecret =
        ctx.input.passwordSecret ?? DEFAULT_PASSWORD_SECRET;
      const username = ctx.secrets?.[usernameSecret];
      const password = ctx.secrets?.[passwordSecret];
      if (Boolean(username) !== Boolean(password)) {
        throw new InputError(
          `Give both task secrets ${usernameSecret} and ${passwordSecret} (the source registry's user and password), or neither`,
        );
      }
      const masker = new SecretMasker();
      masker.add(password);
      const logger = masker.wrap(ctx.logger);
      const configured = new Map(options.registries.map(r => [r.host, r]));
      const accessOf = (
        host: string,
      ): { access: RegistryAccess; origin: string } => {
        const entry = configured.get(host);
        const tlsVerify = entry?.tlsVerify ?? true;
        if (username && password) {
          return {
            access: { host, username, password, tlsVerify },
            origin: `the task's secrets ${usernameSecret} and ${passwordSecret}`,
          };
        }
        if (entry?.username) {
          return { access: entry, origin: 'app-config bpa.mirror.registries' };
        }
        return { access: { host, tlsVerify }, origin: 'none (anonymous pull)' };
      };
      const sourceHosts = [
        ...new Set(
          plan.copies
            .filter(c => isRegistrySource(c.source))
            .map(c => c.source.replace(/^[a-z]+:\/\//, '').split('/')[0]),
        ),
      ];
      for (const host of sourceHosts) {
        logger.info(
          `Source registry ${host}: credentials from ${accessOf(host).origin}`,
        );
      }

      if (ctx.isDryRun) {
        const skopeo = await findSkopeoBinary(options.skopeoBinary).then(
          s => `skopeo ${s.version}`,
          e => `no usable skopeo (${e.message}): the real run will fail`,
        );
        for (const copy of plan.copies) {
          logger.info(
            `Dry run: would copy ${copy.kind} ${copy.source} → ${plan.registry}/${copy.target} (all platforms, by digest), unless ECR already holds its digest`,
          );
        }
        logger.info(`Dry run: ${skopeo}`);
        ctx.output('chart', names.chart);
        ctx.output('chartVersion', spec.bpa.version);
        return;
      }

      // A missing skopeo fails here, before any cloud call.
      const skopeo = await findSkopeoBinary(options.skopeoBinary);
      logger.info(`Using skopeo ${skopeo.version} (${skopeo.path})`);
      const target = { accountId: spec.aws.accountId, region: spec.aws.region };
      const results = await masked(masker, async () =>
        mirrorIntoEcr({
          plan,
          skopeo: skopeo.path,
          ecr: await options.ecr(target),
          sourceAccess: host => accessOf(host).access,
          archives: {
            s3: () => options.s3(target),
            workspaceFile: relative => workspaceFiles.get(relative)!,
          },
          logger,
          masker,
          checkpoint: (key, fn) =>
            ctx.checkpoint({ key, fn: fn as () => Promise<any> }),
          signal: ctx.signal,
          tempRoot: options.tempRoot,
        }),
      );
      const copied = results.filter(r => r.outcome === 'copied').length;
      logger.info(
        `ECR mirror done: ${copied} copied, ${
          results.length - copied
        } already there`,
      );
      ctx.output('chart', names.chart);
      ctx.output('chartVersion', spec.bpa.version);
      ctx.output('images', results);
      ctx.output('copied', copied);
      ctx.output('present', results.length - copied);
    },
  });
}
