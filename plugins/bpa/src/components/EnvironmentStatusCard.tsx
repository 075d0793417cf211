import { ReactNode } from 'react';
import {
  StructuredMetadataTable,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  EnvironmentStatus,
  StackStatus,
  StatusSection,
  WorkloadStatus,
} from '@internal/backstage-plugin-bpa-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { Level, LiveStatusCard } from './statusParts';
import { useEnvironmentStatus } from './useEnvironmentStatus';

/** A source that could not be read: its message, in place of its data. */
function SourceError(props: { message: string }) {
  return (
    <Typography variant="body2" color="error">
      Could not be checked: {props.message}
    </Typography>
  );
}

/** A section's content: its data, why it is missing, or that it was not asked. */
function sectionContent<T>(
  section: StatusSection<T> | undefined,
  render: (data: T) => ReactNode,
): ReactNode {
  if (section?.error) {
    return <SourceError message={section.error} />;
  }
  if (section?.data === undefined) {
    return <Typography variant="body2">not checked</Typography>;
  }
  return render(section.data);
}

const compactOptions = {
  paging: false,
  search: false,
  padding: 'dense' as const,
};

const stackColumns: TableColumn<StackStatus>[] = [
  { title: 'Stack', field: 'stackName', highlight: true },
  {
    title: 'Status',
    render: stack => <Level level={stack.level}>{stack.status}</Level>,
  },
  { title: 'Reason', render: stack => stack.reason ?? '' },
];

const workloadColumns: TableColumn<WorkloadStatus>[] = [
  { title: 'Kind', field: 'kind' },
  { title: 'Name', field: 'name', highlight: true },
  {
    title: 'Ready',
    render: workload => (
      <Level level={workload.level}>
        {workload.ready}/{workload.desired}
      </Level>
    ),
  },
  { title: 'Component', render: workload => workload.component ?? '' },
];

/** A titled table, or the title and why its source could not be read. */
function TableSection<T extends object>(props: {
  title: string;
  section: StatusSection<T[]> | undefined;
  columns: TableColumn<T>[];
  empty: string;
}) {
  const { title, section, columns, empty } = props;
  if (section?.data === undefined || section.error) {
    return (
      <>
        <Typography variant="h6">{title}</Typography>
        {sectionContent(section, () => null)}
      </>
    );
  }
  return (
    <Table<T>
      title={title}
      options={compactOptions}
      columns={columns}
      data={section.data}
      emptyContent={
        <Typography variant="body2" style={{ padding: 16 }}>
          {empty}
        </Typography>
      }
    />
  );
}

function LiveStatus(props: { status: EnvironmentStatus }) {
  const { stacks, cluster, atlas, release, workloads } = props.status;
  return (
    <>
      <Box mb={2}>
        <TableSection
          title="AWS stacks"
          section={stacks}
          columns={stackColumns}
          empty="None of the environment's CloudFormation stacks exist."
        />
      </Box>
      <Box mb={2}>
        <StructuredMetadataTable
          dense
          metadata={{
            'EKS cluster': sectionContent(cluster, c => (
              <Level level={c.level}>
                {c.status}
                {c.kubernetesVersion && `, Kubernetes ${c.kubernetesVersion}`}
              </Level>
            )),
            'MongoDB Atlas': sectionContent(atlas, a => (
              <Level level={a.level}>
                {a.status}
                {a.mongoDBVersion && `, MongoDB ${a.mongoDBVersion}`}
              </Level>
            )),
            'Helm release': sectionContent(release, r => (
              <Level level={r.level}>
                {r.status}
                {r.revision !== undefined && `, revision ${r.revision}`}
              </Level>
            )),
          }}
          options={{ titleFormat: key => key }}
        />
      </Box>
      <TableSection
        title="Workloads"
        section={workloads}
        columns={workloadColumns}
        empty="No BPA workloads run in the release's namespace."
      />
    </>
  );
}

/** The environment System's live status: AWS stacks, EKS, Atlas, the Helm release and its workloads. */
export function EnvironmentStatusCard() {
  const { entity } = useEntity();
  return (
    <LiveStatusCard
      title="Live status"
      state={useEnvironmentStatus(entity.metadata)}
      live={status => <LiveStatus status={status} />}
    />
  );
}
