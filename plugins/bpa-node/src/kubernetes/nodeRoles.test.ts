import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { KubeObject } from './client';
import { assignNodeRoles, labelOwners } from './nodeRoles';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const node = (name: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
});

describe('assignNodeRoles', () => {
  it('gives nodes their role by node group, or by the role labels they carry, and lists what they lack', () => {
    const { assignments, rolesWithoutNodes } = assignNodeRoles(spec, [
      node('c', {
        'eks.amazonaws.com/nodegroup': 'bpa-demo-node-3',
        name: 'node-9',
      }),
      node('a', { 'eks.amazonaws.com/nodegroup': 'node-1' }),
      node('b', { 'eks.amazonaws.com/nodegroup': 'node-2', name: 'node-2' }),
      node('d', { name: 'node-4' }),
      node('e', { 'eks.amazonaws.com/nodegroup': 'system' }),
    ]);
    expect(assignments).toEqual([
      {
        node: 'a',
        role: 'node-1',
        by: 'node group',
        missingLabels: { name: 'node-1' },
      },
      { node: 'b', role: 'node-2', by: 'node group', missingLabels: {} },
      {
        node: 'c',
        role: 'node-3',
        by: 'node group',
        missingLabels: { name: 'node-3' },
      },
      { node: 'd', role: 'node-4', by: 'labels', missingLabels: {} },
    ]);
    expect(rolesWithoutNodes).toEqual([]);
  });

  it('names the roles no node was found for', () => {
    const { rolesWithoutNodes } = assignNodeRoles(spec, [
      node('a', { 'eks.amazonaws.com/nodegroup': 'node-1' }),
    ]);
    expect(rolesWithoutNodes).toEqual(['node-2', 'node-3', 'node-4']);
  });
});

describe('labelOwners', () => {
  it('reads who set a label from the managed fields', () => {
    const n = node('a', { name: 'node-9' });
    n.metadata.managedFields = [
      {
        manager: 'kubelet',
        operation: 'Update',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:kubernetes.io/os': {} } },
        },
      } as any,
      {
        manager: 'ops-relabel',
        operation: 'Apply',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:name': {} } } },
      } as any,
    ];
    expect(labelOwners(n, 'name')).toEqual(['ops-relabel']);
  });
});
