import {
  EnvironmentSpec,
  PlanArtifact,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { Document } from 'yaml';
import { bpaChartValues } from './bpaChartValues';
import { ENVIRONMENT_SECRET } from './environmentTxt';
import { INGRESS_CERTIFICATE_SECRET } from './kubernetesManifests';

export const HELM_VALUES_PATH = 'helm/values.yaml';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Merges values the way Helm merges a values file over the chart's: maps
 * merge key by key, anything else (lists included) is replaced, and `null`
 * removes the key. Builds new objects with own properties only, so a key
 * like `__proto__` in user values stays data.
 */
export function mergeHelmValues(
  base: Record<string, unknown>,
  override: Record<string, unknown>,
): Record<string, unknown> {
  const entries = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(override)) {
    const current = entries.get(key);
    if (value === null) {
      entries.delete(key);
    } else if (isPlainObject(current) && isPlainObject(value)) {
      entries.set(key, mergeHelmValues(current, value));
    } else {
      entries.set(key, value);
    }
  }
  return Object.fromEntries(entries);
}

/** Values of the BPA Helm release: what the environment provides, then the request's own values on top. */
export function renderHelmValues(spec: EnvironmentSpec): PlanArtifact {
  const names = resourceNames(spec);
  const derived = bpaChartValues({
    imageRegistry: `${names.ecrRegistry}/${spec.ecr.repositoryPrefix}`,
    images: Object.fromEntries(
      spec.ecr.images.map(image => [
        image.name,
        {
          repository: `${names.ecrRegistry}/${names.ecrRepository(image.name)}`,
          tag: image.tag,
        },
      ]),
    ),
    defaultCertificate: `${spec.bpa.namespace}/${INGRESS_CERTIFICATE_SECRET}`,
    environmentSecret: ENVIRONMENT_SECRET,
    nodeSelectors: Object.fromEntries(
      spec.cluster.nodes.map(role => [role.name, role.labels]),
    ),
    hostname: spec.ingress.hostname,
  });
  const doc = new Document(mergeHelmValues(derived, spec.bpa.values), {
    aliasDuplicateObjects: false,
  });
  doc.commentBefore = [
    ` Helm values of release ${spec.bpa.releaseName} (BPA ${spec.bpa.version}) in namespace ${spec.bpa.namespace}, environment ${spec.name}.`,
    " Value names: plugins/bpa-node/src/plan/incluster/bpaChartValues.ts; the request's bpa.values are merged last and win.",
  ].join('\n');
  return {
    path: HELM_VALUES_PATH,
    kind: 'helm-values',
    description: `Helm values of release ${spec.bpa.releaseName}`,
    content: doc.toString({ lineWidth: 0 }),
  };
}
