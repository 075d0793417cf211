import { useMemo } from 'react';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  BPA_REQUEST_ANNOTATION,
  BPA_ROLE_ANNOTATION,
} from '@internal/backstage-plugin-bpa-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { ArchitectureDiagram } from '../architecture/ArchitectureDiagram';
import { layoutArchitecture } from '../architecture/layout';
import { StatusHeader } from './statusParts';
import { useEnvironmentParts } from './useEnvironmentParts';
import { useEnvironmentStatus } from './useEnvironmentStatus';

/** The environment's entities by their role: resources by `bpa.cisco.com/role`, components by id. */
function entityRefsByRole(parts: Entity[]): Record<string, string> {
  return Object.fromEntries(
    parts
      .filter(part => part.metadata.annotations?.[BPA_ROLE_ANNOTATION])
      .map(part => [
        part.metadata.annotations![BPA_ROLE_ANNOTATION],
        stringifyEntityRef(part),
      ]),
  );
}

/**
 * The "Architecture" tab of an environment: the picture of its network,
 * nodes, components and services, from its plan and, once applied, its
 * live status (read again every 30 seconds).
 */
export function EnvironmentArchitectureContent() {
  const { entity } = useEntity();
  const parts = useEnvironmentParts(entity);
  const state = useEnvironmentStatus(entity.metadata);
  const { status, error } = state;
  const entityRefs = useMemo(
    () =>
      parts.loading || parts.error
        ? {}
        : entityRefsByRole([
            ...parts.parts.resources,
            ...parts.parts.components,
          ]),
    [parts],
  );
  const layout = useMemo(
    () =>
      status?.topology
        ? layoutArchitecture({
            topology: status.topology,
            status,
            entityRefs,
          })
        : undefined,
    [status, entityRefs],
  );

  let content;
  if (error) {
    content = <ResponseErrorPanel error={error} />;
  } else if (!status || parts.loading) {
    content = <Progress />;
  } else if (!layout) {
    content = (
      <Typography variant="body2">
        There is no plan to draw: the System does not carry a readable{' '}
        {BPA_REQUEST_ANNOTATION}. Environments the BPA template registers carry
        their request.
      </Typography>
    );
  } else {
    const what = status.live
      ? `Live architecture of ${status.environment}`
      : `Planned architecture of ${status.environment} (not applied)`;
    content = (
      <>
        <Typography variant="body2" color="textSecondary" paragraph>
          {status.live
            ? 'Each part is coloured by its live state; open one for its page.'
            : 'Drawn from the plan: nothing runs yet, so every part is grey. Open one for its page.'}
        </Typography>
        <Box style={{ overflowX: 'auto' }}>
          <ArchitectureDiagram layout={layout} description={what} />
        </Box>
      </>
    );
  }

  return (
    <InfoCard
      title={status?.live === false ? 'Architecture (planned)' : 'Architecture'}
      action={<StatusHeader state={state} />}
    >
      {content}
    </InfoCard>
  );
}
