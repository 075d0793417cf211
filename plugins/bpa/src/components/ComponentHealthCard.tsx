import { RELATION_PART_OF } from '@backstage/catalog-model';
import { Table, TableColumn } from '@backstage/core-components';
import { getEntityRelations, useEntity } from '@backstage/plugin-catalog-react';
import {
  EnvironmentStatus,
  KUBERNETES_ID_ANNOTATION,
  NodeStatus,
  PodStatus,
  StatusSection,
  WarningEvent,
  WorkloadStatus,
} from '@internal/backstage-plugin-bpa-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { Level, LiveStatusCard } from './statusParts';
import { useEnvironmentStatus } from './useEnvironmentStatus';

/** How many of the component's newest warning events the card lists. */
const EVENTS_SHOWN = 5;

const compactOptions = {
  paging: false,
  search: false,
  padding: 'dense' as const,
  toolbar: true,
};

const workloadColumns: TableColumn<WorkloadStatus>[] = [
  {
    title: 'Workload',
    highlight: true,
    render: w => `${w.kind}/${w.name}`,
  },
  {
    title: 'Ready',
    render: w => (
      <Level level={w.level}>
        {w.ready}/{w.desired}
      </Level>
    ),
  },
  { title: 'Restarts', field: 'restarts' },
];

function podColumns(nodes: NodeStatus[]): TableColumn<PodStatus>[] {
  return [
    { title: 'Pod', field: 'name', highlight: true },
    {
      title: 'Node',
      render: pod => {
        if (!pod.node) return 'not scheduled';
        const role = nodes.find(n => n.name === pod.node)?.role;
        return role ? `${pod.node} (${role})` : pod.node;
      },
    },
    {
      title: 'Status',
      render: pod => (
        <Level level={pod.level}>
          {pod.reason ?? pod.phase}
          {pod.ready ? ', ready' : ', not ready'}
        </Level>
      ),
    },
    { title: 'Restarts', field: 'restarts' },
  ];
}

const eventColumns: TableColumn<WarningEvent>[] = [
  {
    title: 'Last seen',
    render: e => (
      <time dateTime={e.lastSeen} title={e.lastSeen}>
        {e.lastSeen ? new Date(e.lastSeen).toLocaleString() : 'unknown'}
      </time>
    ),
  },
  { title: 'Object', field: 'object' },
  { title: 'Reason', field: 'reason' },
  {
    title: 'Message',
    render: e => (e.count > 1 ? `${e.message} (×${e.count})` : e.message),
  },
];

/** The rows of a section that belong to the component, or why there are none. */
function Section<T extends { component?: string }>(props: {
  title: string;
  section: StatusSection<T[]> | undefined;
  component: string;
  columns: TableColumn<T>[];
  empty: string;
  limit?: number;
}) {
  const { title, section, component, columns, empty, limit } = props;
  if (section?.error || section?.data === undefined) {
    return (
      <>
        <Typography variant="h6">{title}</Typography>
        <Typography
          variant="body2"
          color={section?.error ? 'error' : undefined}
        >
          {section?.error
            ? `Could not be checked: ${section.error}`
            : 'not checked'}
        </Typography>
      </>
    );
  }
  const rows = section.data
    .filter(row => row.component === component)
    .slice(0, limit);
  return (
    <Table<T>
      title={title}
      options={compactOptions}
      columns={columns}
      data={rows}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          {empty}
        </Typography>
      }
    />
  );
}

function Health(props: { status: EnvironmentStatus; component: string }) {
  const { status, component } = props;
  return (
    <>
      <Box mb={2}>
        <Section
          title="Workloads"
          section={status.workloads}
          component={component}
          columns={workloadColumns}
          empty={`No workload in ${
            status.topology?.release.namespace ?? 'the release namespace'
          } is labelled ${KUBERNETES_ID_ANNOTATION}=${component}.`}
        />
      </Box>
      <Box mb={2}>
        <Section
          title="Pods"
          section={status.pods}
          component={component}
          columns={podColumns(status.nodes?.data ?? [])}
          empty="No pod of this component runs."
        />
      </Box>
      <Section
        title="Last warning events"
        section={status.events}
        component={component}
        columns={eventColumns}
        empty="No warning events."
        limit={EVENTS_SHOWN}
      />
    </>
  );
}

/**
 * On a BPA component's page: its workloads (ready, desired, restarts), its
 * pods and the nodes they run on, and its last warning events, from the
 * live status of its environment.
 */
export function ComponentHealthCard() {
  const { entity } = useEntity();
  const component = entity.metadata.annotations?.[KUBERNETES_ID_ANNOTATION];
  const [system] = getEntityRelations(entity, RELATION_PART_OF, {
    kind: 'system',
  });
  const state = useEnvironmentStatus(component ? system : undefined);
  return (
    <LiveStatusCard
      title="Health"
      state={state}
      unavailable={
        (!system || !component) && (
          <Typography variant="body2">
            This component belongs to no environment System, or carries no{' '}
            {KUBERNETES_ID_ANNOTATION}: there is no health to show.
          </Typography>
        )
      }
      live={status => <Health status={status} component={component!} />}
    />
  );
}
