import { ReactNode } from 'react';
import {
  InfoCard,
  Link,
  Progress,
  ResponseErrorPanel,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
  StatusRunning,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { EntityRefLink, useEntity } from '@backstage/plugin-catalog-react';
import { EnvironmentTask } from '@internal/backstage-plugin-bpa-common';
import Button from '@material-ui/core/Button';
import Typography from '@material-ui/core/Typography';
import { useEnvironmentHistory } from './useEnvironmentHistory';

/** The scaffolder's task page (its default mount point, /create). */
const taskPath = (taskId: string) =>
  `/create/tasks/${encodeURIComponent(taskId)}`;

const results: Record<string, (props: { children: ReactNode }) => JSX.Element> =
  {
    completed: StatusOK,
    failed: StatusError,
    cancelled: StatusAborted,
    skipped: StatusAborted,
    processing: StatusRunning,
    open: StatusPending,
  };

function Result(props: { status: string }) {
  const Indicator = results[props.status] ?? StatusAborted;
  return <Indicator>{props.status}</Indicator>;
}

const columns: TableColumn<EnvironmentTask>[] = [
  {
    title: 'When',
    render: task => (
      <time dateTime={task.createdAt} title={task.createdAt}>
        {new Date(task.createdAt).toLocaleString()}
      </time>
    ),
  },
  {
    title: 'Who',
    render: task =>
      task.createdBy ? (
        <EntityRefLink entityRef={task.createdBy} defaultKind="user" />
      ) : (
        'unknown'
      ),
  },
  {
    title: 'What',
    render: task => (
      <>
        <Typography variant="body2">{task.what}</Typography>
        <Typography variant="caption" display="block" color="textSecondary">
          {task.template}
        </Typography>
      </>
    ),
  },
  { title: 'Result', render: task => <Result status={task.status} /> },
  {
    title: 'Task',
    render: task =>
      !task.canOpen ? (
        <Typography variant="caption" color="textSecondary">
          Its creator and the admins may open it
        </Typography>
      ) : (
        <Link to={taskPath(task.taskId)}>Open the task</Link>
      ),
  },
];

/**
 * The environment System's history: the scaffolder tasks that ran BPA
 * actions on it, newest first, with who started each, when, what it was
 * asked to do, its result and a link to its page.
 */
export function EnvironmentHistoryCard() {
  const { entity } = useEntity();
  const { history, error, loading, refresh } = useEnvironmentHistory(entity);

  let content: ReactNode;
  if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!history) {
    content = <Progress />;
  } else {
    content = (
      <Table<EnvironmentTask>
        options={{
          paging: history.tasks.length > 10,
          search: false,
          padding: 'dense',
          toolbar: false,
        }}
        columns={columns}
        data={history.tasks}
        emptyContent={
          <Typography variant="body2" style={{ padding: 16 }}>
            No task has touched this environment in the last {history.scanned}{' '}
            tasks of the portal.
          </Typography>
        }
      />
    );
  }
  return (
    <InfoCard
      title="History"
      action={
        <Button size="small" onClick={refresh} disabled={loading}>
          Refresh
        </Button>
      }
    >
      {content}
    </InfoCard>
  );
}
