import {
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import { renderTextTemplate } from './textTemplates';

/**
 * The environment's own operations: node preparation (privileged) and the
 * database bootstrap (with the RDS master user's password). A namespace of
 * their own keeps both out of BPA's namespace and its pod security.
 */
export const BPA_SYSTEM_NAMESPACE = 'bpa-system';

type NodeRole = EnvironmentSpec['cluster']['nodes'][number];

export const nodePreparationDaemonSetName = (role: string) =>
  `bpa-node-prep-${role}`;

export const nodePreparationScriptPath = (role: string) =>
  `nodes/${role}/prepare.sh`;

/**
 * The directories to create under the data root, parents of nested ones
 * included (`metrices/grafana` needs `metrices`), so every level gets the
 * mode the guide asks for, in the configured order.
 */
export function dataDirectoriesOf(role: NodeRole): string[] {
  const result: string[] = [];
  for (const configured of role.dataDirectories) {
    const parts = configured.split('/').filter(p => p !== '' && p !== '.');
    if (parts.length === 0 || parts.includes('..')) {
      throw new Error(
        `Node role ${role.name}: data directory "${configured}" must be a relative path inside the data root`,
      );
    }
    parts.forEach((_, i) => {
      const dir = parts.slice(0, i + 1).join('/');
      if (!result.includes(dir)) result.push(dir);
    });
  }
  return result;
}

function renderScript(spec: EnvironmentSpec, role: NodeRole): string {
  return renderTextTemplate('prepare-node.sh.hbs', {
    environment: spec.name,
    role: role.name,
    daemonSet: nodePreparationDaemonSetName(role.name),
    namespace: BPA_SYSTEM_NAMESPACE,
    dataRoot: spec.cluster.dataRoot,
    directories: dataDirectoriesOf(role),
    maxMapCount: spec.cluster.maxMapCount,
  });
}

/**
 * One preparation script per node role: what the runbook did by hand on
 * each node, and exactly what that role's DaemonSet runs.
 */
export function renderNodePreparationScript(
  spec: EnvironmentSpec,
): PlanArtifact[] {
  return spec.cluster.nodes.map(role => ({
    path: nodePreparationScriptPath(role.name),
    kind: 'shell',
    description: `Preparation of node role ${role.name}: data directories under ${spec.cluster.dataRoot}, vm.max_map_count`,
    content: renderScript(spec, role),
  }));
}
