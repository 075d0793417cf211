import { RELATION_PART_OF } from '@backstage/catalog-model';
import { InfoCard, StructuredMetadataTable } from '@backstage/core-components';
import {
  EntityRefLinks,
  getEntityRelations,
  useEntity,
} from '@backstage/plugin-catalog-react';
import {
  BPA_ROLE_ANNOTATION,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@internal/backstage-plugin-bpa-common';
import { DependsOn } from './tables';

/** On a BPA component's page: which environment it belongs to and what it needs there. */
export function ComponentEnvironmentCard() {
  const { entity } = useEntity();
  const annotations = entity.metadata.annotations ?? {};
  const systems = getEntityRelations(entity, RELATION_PART_OF, {
    kind: 'system',
  });
  const kubernetesId = annotations[KUBERNETES_ID_ANNOTATION];
  const namespace = annotations[KUBERNETES_NAMESPACE_ANNOTATION];
  return (
    <InfoCard title="BPA component">
      <StructuredMetadataTable
        dense
        metadata={{
          Environment:
            systems.length > 0 ? (
              <EntityRefLinks entityRefs={systems} hideIcons />
            ) : (
              'not part of an environment System'
            ),
          Role: annotations[BPA_ROLE_ANNOTATION] ?? 'unknown',
          'Depends on': <DependsOn entity={entity} />,
          Workloads: kubernetesId
            ? `backstage.io/kubernetes-id=${kubernetesId}${
                namespace ? ` in namespace ${namespace}` : ''
              }`
            : 'no Kubernetes id',
        }}
        options={{ titleFormat: key => key }}
      />
    </InfoCard>
  );
}
