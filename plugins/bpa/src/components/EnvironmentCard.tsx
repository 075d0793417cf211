import { Entity } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  StructuredMetadataTable,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  BPA_AWS_ACCOUNT_ANNOTATION,
  BPA_AWS_REGION_ANNOTATION,
  BPA_ENVIRONMENT_ANNOTATION,
  BPA_STATE_ANNOTATION,
} from '@internal/backstage-plugin-bpa-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { ComponentsTable, ResourcesTable } from './tables';
import {
  EnvironmentPartsState,
  useEnvironmentParts,
} from './useEnvironmentParts';

function environmentFacts(system: Entity) {
  const annotations = system.metadata.annotations ?? {};
  return {
    Environment: annotations[BPA_ENVIRONMENT_ANNOTATION],
    'AWS region': annotations[BPA_AWS_REGION_ANNOTATION] ?? 'unknown',
    'AWS account': annotations[BPA_AWS_ACCOUNT_ANNOTATION] ?? 'unknown',
    ...(annotations[BPA_STATE_ANNOTATION] && {
      State: annotations[BPA_STATE_ANNOTATION],
    }),
  };
}

function Parts(props: { state: EnvironmentPartsState }) {
  const { state } = props;
  if (state.loading) {
    return <Progress />;
  }
  if (state.error) {
    return <ResponseErrorPanel error={state.error} />;
  }
  const { resources, components } = state.parts;
  if (resources.length === 0 && components.length === 0) {
    return (
      <Typography variant="body2">
        No resources or components of this environment are in the catalog yet.
        The BPA environment template registers them in its last step; until then
        only the environment itself is known.
      </Typography>
    );
  }
  return (
    <>
      <Box mb={2}>
        <ResourcesTable resources={resources} />
      </Box>
      <ComponentsTable components={components} />
    </>
  );
}

/** The environment System's overview card: where it runs and what it is made of. */
export function EnvironmentCard() {
  const { entity } = useEntity();
  const state = useEnvironmentParts(entity);
  return (
    <InfoCard title="BPA environment">
      <Box mb={2}>
        <StructuredMetadataTable
          dense
          metadata={environmentFacts(entity)}
          options={{ titleFormat: key => key }}
        />
      </Box>
      <Parts state={state} />
    </InfoCard>
  );
}
