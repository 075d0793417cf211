import { ReactNode } from 'react';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StatusAborted,
  StatusError,
  StatusOK,
  StatusPending,
} from '@backstage/core-components';
import {
  EnvironmentStatus,
  StatusLevel,
} from '@internal/backstage-plugin-bpa-common';
import Box from '@material-ui/core/Box';
import IconButton from '@material-ui/core/IconButton';
import SvgIcon from '@material-ui/core/SvgIcon';
import Tooltip from '@material-ui/core/Tooltip';
import Typography from '@material-ui/core/Typography';
import { EnvironmentStatusState } from './useEnvironmentStatus';

const indicators: Record<
  StatusLevel,
  (props: { children: ReactNode }) => JSX.Element
> = {
  ok: StatusOK,
  pending: StatusPending,
  error: StatusError,
  absent: StatusAborted,
};

/** A status as its source words it, with the indicator of its level. */
export function Level(props: { level: StatusLevel; children: ReactNode }) {
  // A level a newer backend adds reads as neutral rather than breaking the card.
  const Indicator = indicators[props.level] ?? StatusAborted;
  return <Indicator>{props.children}</Indicator>;
}

/** A circular arrow (the plugin has no icon package to take one from). */
function RefreshIcon() {
  return (
    <SvgIcon fontSize="small">
      <path
        d="M19 12a7 7 0 1 1-2.05-4.95"
        fill="none"
        stroke="currentColor"
        strokeWidth={2}
        strokeLinecap="round"
      />
      <path d="M20 4v6h-6z" />
    </SvgIcon>
  );
}

/** A card's header action: when the status was read, and Refresh. */
export function StatusHeader(props: { state: EnvironmentStatusState }) {
  const { status, loading, refresh } = props.state;
  return (
    <Box display="flex" alignItems="center">
      {status && (
        <Typography variant="body2" color="textSecondary">
          Checked{' '}
          <time dateTime={status.checkedAt} title={status.checkedAt}>
            {new Date(status.checkedAt).toLocaleTimeString()}
          </time>
        </Typography>
      )}
      <Tooltip title="Refresh">
        <span>
          <IconButton
            aria-label="Refresh"
            size="small"
            onClick={refresh}
            disabled={loading}
          >
            <RefreshIcon />
          </IconButton>
        </span>
      </Tooltip>
    </Box>
  );
}

/** Why nothing was looked at, and what would change that. */
function notLiveMessage(state: string): string {
  switch (state) {
    case 'planned':
      return 'Not applied yet: nothing is running to watch. Request the environment again with “Plan and apply” to create it.';
    case 'unknown':
      return 'Its state is unknown: the System does not record whether the environment was applied, so nothing was checked.';
    default:
      return `Nothing was checked: the environment is “${state}”, not applied.`;
  }
}

/**
 * A card on the live status, with its header action: `unavailable` when
 * given (there is nothing to ask about), else the request's error, progress
 * until the first answer, why nothing was looked at, or `live` of the status.
 */
export function LiveStatusCard(props: {
  title: string;
  state: EnvironmentStatusState;
  unavailable?: ReactNode;
  live: (status: EnvironmentStatus) => ReactNode;
}) {
  const { status, error } = props.state;
  let content: ReactNode;
  if (props.unavailable) {
    content = props.unavailable;
  } else if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!status) {
    content = <Progress />;
  } else if (!status.live) {
    content = (
      <Typography variant="body2">{notLiveMessage(status.state)}</Typography>
    );
  } else {
    content = props.live(status);
  }
  return (
    <InfoCard title={props.title} action={<StatusHeader state={props.state} />}>
      {content}
    </InfoCard>
  );
}
