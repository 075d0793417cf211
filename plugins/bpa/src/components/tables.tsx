import { Entity, RELATION_DEPENDS_ON } from '@backstage/catalog-model';
import { Table, TableColumn } from '@backstage/core-components';
import {
  EntityRefLink,
  EntityRefLinks,
  getEntityRelations,
} from '@backstage/plugin-catalog-react';
import {
  BPA_ROLE_ANNOTATION,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@internal/backstage-plugin-bpa-common';
import Typography from '@material-ui/core/Typography';

const annotation = (entity: Entity, key: string) =>
  entity.metadata.annotations?.[key] ?? '';

/** What an entity depends on, as the catalog resolved it. */
export function DependsOn(props: { entity: Entity }) {
  const refs = getEntityRelations(props.entity, RELATION_DEPENDS_ON);
  if (refs.length === 0) {
    return <Typography variant="body2">nothing</Typography>;
  }
  return <EntityRefLinks entityRefs={refs} hideIcons />;
}

const nameColumn: TableColumn<Entity> = {
  title: 'Name',
  field: 'metadata.name',
  highlight: true,
  render: entity => <EntityRefLink entityRef={entity} hideIcon />,
};
const roleColumn: TableColumn<Entity> = {
  title: 'Role',
  render: entity => annotation(entity, BPA_ROLE_ANNOTATION),
};
const dependsOnColumn: TableColumn<Entity> = {
  title: 'Depends on',
  render: entity => <DependsOn entity={entity} />,
};

const compactOptions = {
  paging: false,
  search: false,
  padding: 'dense' as const,
};

/** The AWS and Atlas resources of an environment. */
export function ResourcesTable(props: { resources: Entity[] }) {
  return (
    <Table<Entity>
      title="Resources"
      options={compactOptions}
      columns={[nameColumn, { title: 'Type', field: 'spec.type' }, roleColumn]}
      data={props.resources}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          No AWS or Atlas resources of this environment are in the catalog.
        </Typography>
      }
    />
  );
}

/** The BPA services of an environment; with their Kubernetes workloads when asked. */
export function ComponentsTable(props: {
  components: Entity[];
  title?: string;
  withKubernetes?: boolean;
}) {
  const kubernetesColumns: TableColumn<Entity>[] = props.withKubernetes
    ? [
        {
          title: 'Kubernetes id',
          render: entity => annotation(entity, KUBERNETES_ID_ANNOTATION),
        },
        {
          title: 'Namespace',
          render: entity => annotation(entity, KUBERNETES_NAMESPACE_ANNOTATION),
        },
      ]
    : [];
  return (
    <Table<Entity>
      title={props.title ?? 'BPA components'}
      options={{ ...compactOptions, search: props.withKubernetes ?? false }}
      columns={[nameColumn, dependsOnColumn, ...kubernetesColumns]}
      data={props.components}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          No BPA components of this environment are in the catalog.
        </Typography>
      }
    />
  );
}
