import {
  EnvironmentPlan,
  EnvironmentSpec,
  PlanArtifact,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { renderIamPolicies, renderStackTemplates } from './cloudformation';
import {
  renderDatabaseBootstrapSql,
  renderEnvironmentTxt,
  renderHelmValues,
  renderKubernetesManifests,
  renderNodePreparationScript,
} from './incluster';
import { renderMirrorPlan } from './mirror';
import { estimateResourceCount, renderSummary } from './summary';

/**
 * The whole plan of an environment: every artifact the apply uses, plus the
 * reviewer's summary. Pure: the same spec gives the same bytes.
 */
export function renderPlan(spec: EnvironmentSpec): EnvironmentPlan {
  const artifacts: PlanArtifact[] = [
    ...renderStackTemplates(spec),
    ...renderIamPolicies(spec),
    ...renderKubernetesManifests(spec),
    renderDatabaseBootstrapSql(spec),
    renderEnvironmentTxt(spec),
    renderHelmValues(spec),
    renderMirrorPlan(spec),
    ...renderNodePreparationScript(spec),
  ];
  const resourceCount = estimateResourceCount(artifacts);
  const summary = renderSummary(
    spec,
    artifacts,
    resourceNames(spec).chart,
    resourceCount,
  );
  return {
    environment: spec.name,
    artifacts: [
      ...artifacts,
      {
        path: 'SUMMARY.md',
        kind: 'summary',
        description: 'This summary',
        content: summary,
      },
    ],
    summary,
    resourceCount,
  };
}
