import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ComponentsTable } from './tables';
import { useEnvironmentParts } from './useEnvironmentParts';

/** The "BPA components" tab of an environment: each service, its dependencies and its workloads. */
export function EnvironmentComponentsContent() {
  const { entity } = useEntity();
  const state = useEnvironmentParts(entity);
  if (state.loading) {
    return <Progress />;
  }
  if (state.error) {
    return <ResponseErrorPanel error={state.error} />;
  }
  return (
    <ComponentsTable
      title={`BPA components of ${entity.metadata.name}`}
      components={state.parts.components}
      withKubernetes
    />
  );
}
