import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import { KubeObject } from './client';

/** The label EKS managed node groups put on their nodes. */
export const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';

type NodeRole = EnvironmentSpec['cluster']['nodes'][number];

/** A node given a role, and the role labels it still lacks. */
export interface NodeAssignment {
  node: string;
  role: string;
  /** How the node was recognised. */
  by: 'node group' | 'labels';
  /** Role labels the node does not carry yet (or carries with another value). */
  missingLabels: Record<string, string>;
}

/** The node group names that mean a role: the cluster stack's, and `<environment>-<role>`. */
const nodeGroupNames = (spec: EnvironmentSpec, role: NodeRole) => [
  role.name,
  `${spec.name}-${role.name}`,
];

const carries = (node: KubeObject, labels: Record<string, string>) =>
  Object.entries(labels).every(([k, v]) => node.metadata.labels?.[k] === v);

/**
 * Gives each node its role: by its EKS node group (the cluster stack makes
 * one group per role), else by the role labels it already carries (nodes
 * labelled by hand, clusters without managed node groups). Nodes of
 * neither kind are not BPA's and are left alone.
 */
export function assignNodeRoles(
  spec: EnvironmentSpec,
  nodes: KubeObject[],
): { assignments: NodeAssignment[]; rolesWithoutNodes: string[] } {
  const assignments: NodeAssignment[] = [];
  const sorted = [...nodes].sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  );
  for (const node of sorted) {
    const group = node.metadata.labels?.[NODEGROUP_LABEL];
    const byGroup = group
      ? spec.cluster.nodes.find(role =>
          nodeGroupNames(spec, role).includes(group),
        )
      : undefined;
    const byLabels = byGroup
      ? undefined
      : spec.cluster.nodes.find(
          role =>
            Object.keys(role.labels).length > 0 && carries(node, role.labels),
        );
    const role = byGroup ?? byLabels;
    if (!role) continue;
    assignments.push({
      node: node.metadata.name,
      role: role.name,
      by: byGroup ? 'node group' : 'labels',
      missingLabels: Object.fromEntries(
        Object.entries(role.labels).filter(
          ([k, v]) => node.metadata.labels?.[k] !== v,
        ),
      ),
    });
  }
  const rolesWithoutNodes = spec.cluster.nodes
    .map(role => role.name)
    .filter(role => !assignments.some(a => a.role === role));
  return { assignments, rolesWithoutNodes };
}

/** Who last set a label, from the node's managed fields. */
export function labelOwners(node: KubeObject, key: string): string[] {
  return (node.metadata.managedFields ?? [])
    .filter(entry => {
      const fields = (entry as { fieldsV1?: any }).fieldsV1;
      return fields?.['f:metadata']?.['f:labels']?.[`f:${key}`] !== undefined;
    })
    .map(entry => entry.manager ?? '?');
}
