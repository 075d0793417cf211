import {
  DEFAULT_SOURCE_REGISTRY,
  EnvironmentSpec,
  PlanArtifact,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { Document, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CHART_REPOSITORY } from './cloudformation/registry';

export const MIRROR_PLAN_PATH = 'ecr/mirror.yaml';

/**
 * How multi-architecture images are copied: every platform of an image
 * index (`skopeo copy --all`). The index's digest then stays the source's,
 * so the copy is verified digest for digest, and the same repository
 * serves any instance type a node role is given (x86 or Graviton).
 */
export const MULTI_ARCH_POLICY = 'all' as const;

const copySchema = z.object({
  kind: z.enum(['image', 'chart']),
  /** Image name, or `bpa-chart`. */
  name: z.string(),
  /** Tag in the source and in ECR. */
  tag: z.string(),
  /**
   * Where it comes from: `docker://<registry>/<repository>:<tag>` (an
   * image), `oci://<registry>/<repository>:<tag>` (a chart in a
   * registry), `s3://<bucket>/<key>` or `https://…` (an archive), or a
   * path in the workspace (an archive).
   */
  source: z.string(),
  /** `<repository>:<tag>` in the environment's ECR. */
  target: z.string(),
});

const mirrorPlanSchema = z.object({
  /** The environment's ECR registry host. */
  registry: z.string(),
  multiArch: z.literal(MULTI_ARCH_POLICY),
  copies: z.array(copySchema),
});

export type MirrorCopy = z.infer<typeof copySchema>;
export type MirrorPlan = z.infer<typeof mirrorPlanSchema>;

/** Helm stores chart version `1.2.3+build` under the OCI tag `1.2.3_build`. */
export const chartTag = (version: string) => version.replace(/\+/g, '_');

/** Where the chart comes from: the request's `bpa.chart` (an `oci://` one gets the chart's tag), else the archives' or the source registry's `bpa-chart`. */
function chartSource(spec: EnvironmentSpec, tag: string): string {
  const chart = spec.bpa.chart;
  if (chart === undefined) {
    return spec.ecr.archives !== undefined
      ? `${spec.ecr.archives.replace(/\/$/, '')}/bpa-chart-${
          spec.bpa.version
        }.tgz`
      : `oci://${
          spec.ecr.sourceRegistry ?? DEFAULT_SOURCE_REGISTRY
        }/${CHART_REPOSITORY}:${tag}`;
  }
  return chart.startsWith('oci://') ? `${chart}:${tag}` : chart;
}

/**
 * What `bpa:ecr:mirror` copies into the environment's ECR: each image of
 * `ecr.images` and the BPA chart, from the source registry (default
 * Cisco's, as the guide does by hand) or from the BPA package's archives.
 */
export function mirrorPlan(spec: EnvironmentSpec): MirrorPlan {
  const names = resourceNames(spec);
  const archives = spec.ecr.archives?.replace(/\/$/, '');
  const registry = spec.ecr.sourceRegistry ?? DEFAULT_SOURCE_REGISTRY;
  const tag = chartTag(spec.bpa.version);
  return {
    registry: names.ecrRegistry,
    multiArch: MULTI_ARCH_POLICY,
    copies: [
      ...spec.ecr.images.map(image => ({
        kind: 'image' as const,
        name: image.name,
        tag: image.tag,
        source:
          archives !== undefined
            ? `${archives}/${image.name}_${image.tag}.tar`
            : `docker://${registry}/${image.name}:${image.tag}`,
        target: `${names.ecrRepository(image.name)}:${image.tag}`,
      })),
      {
        kind: 'chart' as const,
        name: CHART_REPOSITORY,
        tag,
        source: chartSource(spec, tag),
        target: `${names.ecrRepository(CHART_REPOSITORY)}:${tag}`,
      },
    ],
  };
}

/** The mirror's list as a plan file: what the reviewer sees is what bpa:ecr:mirror copies. */
export function renderMirrorPlan(spec: EnvironmentSpec): PlanArtifact {
  const plan = mirrorPlan(spec);
  const doc = new Document(plan);
  doc.commentBefore = [
    ` Images and chart bpa:ecr:mirror copies into ECR ${plan.registry}, by digest, with skopeo.`,
    ' multiArch: all — every platform of a multi-arch image is copied, and its index digest kept.',
    ' Copies ECR already holds (same digest) are skipped; a tag holding another digest stops the mirror.',
  ].join('\n');
  return {
    path: MIRROR_PLAN_PATH,
    kind: 'image-mirror',
    description: `The ${
      plan.copies.length - 1
    } image(s) and the chart copied into ECR`,
    content: doc.toString({ lineWidth: 0 }),
  };
}

/** Reads the plan's mirror list back, failing with the file's name on anything else. */
export function parseMirrorPlan(text: string): MirrorPlan {
  const parsed = mirrorPlanSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new Error(
      `${MIRROR_PLAN_PATH} is not a mirror list: ${parsed.error.issues
        .map(i => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  }
  return parsed.data;
}
