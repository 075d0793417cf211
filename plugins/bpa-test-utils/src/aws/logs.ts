import type { ParsedTemplate } from '@internal/backstage-plugin-bpa-node';
import { SimulatedCloudFormation } from './cloudFormation';

/**
 * CloudWatch Logs' log groups, as far as the environments make them: the
 * `AWS::Logs::LogGroup` resources of the live stacks (gone with their
 * stack), and the one EKS creates itself for a cluster's control plane log
 * (`/aws/eks/<cluster>/cluster`, no retention) when its stack does not
 * define that group, which no stack deletion removes.
 */
export class SimulatedLogs {
  private readonly createdByEks = new Set<string>();

  constructor(private readonly cloudFormation: SimulatedCloudFormation) {
    cloudFormation.onResourceCreated((template, logicalId) =>
      this.clusterCreated(template, logicalId),
    );
  }

  private clusterCreated(template: ParsedTemplate, logicalId: string) {
    const cluster = template.resources[logicalId];
    if (cluster.Type !== 'AWS::EKS::Cluster') return;
    const logging = cluster.Properties?.Logging as
      | { ClusterLogging?: { EnabledTypes?: unknown[] } }
      | undefined;
    if (!logging?.ClusterLogging?.EnabledTypes?.length) return;
    const name = `/aws/eks/${cluster.Properties?.Name}/cluster`;
    const inStack = Object.values(template.resources).some(
      r =>
        r.Type === 'AWS::Logs::LogGroup' && r.Properties?.LogGroupName === name,
    );
    if (!inStack) this.createdByEks.add(name);
  }

  /** Every log group there is, by name, with its retention (undefined: kept forever). */
  logGroups(): Array<{ name: string; retentionInDays?: number }> {
    const fromStacks = this.cloudFormation
      .liveResources('AWS::Logs::LogGroup')
      .map(r => ({
        name: String(r.Properties?.LogGroupName),
        retentionInDays: r.Properties?.RetentionInDays as number | undefined,
      }));
    return [
      ...fromStacks,
      ...[...this.createdByEks].map(name => ({ name })),
    ].sort((a, b) => a.name.localeCompare(b.name));
  }
}
