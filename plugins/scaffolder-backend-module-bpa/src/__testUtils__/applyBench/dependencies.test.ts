import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { renderPlan } from '@internal/backstage-plugin-bpa-node';
import {
  ResourceNode,
  applyGraph,
  criticalPath,
  stackDurations,
} from './dependencies';
import { OTHER_LATENCIES, RESOURCE_LATENCIES } from './latencies';

const graphOf = (input: object) => {
  const spec = parseEnvironmentSpec(input);
  return applyGraph(spec, renderPlan(spec).artifacts);
};
const needsOf = (graph: ResourceNode[], id: string) =>
  graph.find(n => n.id === id)!.needs;

describe("the apply's resource graph", () => {
  const graph = graphOf(REFERENCE_SPEC_INPUT);

  it('is derived from the plan: the EKS cluster waits for the network stack it imports from, node groups for the add-on they depend on', () => {
    expect(needsOf(graph, 'cluster/Cluster')).toEqual(
      expect.arrayContaining(['stack:network', 'cluster/ClusterRole']),
    );
    expect(needsOf(graph, 'cluster/Node1NodeGroup')).toEqual(
      expect.arrayContaining(['cluster/Cluster', 'cluster/VpcCniAddon']),
    );
    expect(needsOf(graph, 'registry/RepositoryBpaSaseService')).toEqual([
      'registry/change set',
    ]);
  });

  it("takes the in-cluster parts' needs from the sources their Secrets name", () => {
    expect(needsOf(graph, 'in-cluster:bootstrap')).toEqual(
      expect.arrayContaining([
        'stack:cluster',
        'stack:data',
        'atlas:cluster',
        'atlas:endpoint registration',
      ]),
    );
    expect(needsOf(graph, 'in-cluster:database')).toEqual(
      expect.arrayContaining(['in-cluster:bootstrap', 'stack:data']),
    );
  });

  it('has the EKS cluster, not the database, on the critical path; a Multi-AZ database makes its stack longer', () => {
    const { path, ms } = criticalPath(graph);
    expect(path).toEqual(
      expect.arrayContaining([
        'stack:network',
        'cluster/Cluster',
        'in-cluster:bootstrap',
        'helm:release',
      ]),
    );
    expect(path.some(id => id.startsWith('data/'))).toBe(false);
    expect(ms).toBeGreaterThan(
      RESOURCE_LATENCIES['AWS::EKS::Cluster'].ms +
        OTHER_LATENCIES.helmRelease.ms,
    );

    const multiAz = stackDurations(
      graphOf({ ...REFERENCE_SPEC_INPUT, rds: { multiAz: true } }),
    );
    expect(multiAz.data - stackDurations(graph).data).toBe(
      RESOURCE_LATENCIES['AWS::RDS::DBInstance MultiAZ'].ms -
        RESOURCE_LATENCIES['AWS::RDS::DBInstance'].ms,
    );
  });

  it('finds the longest path, and refuses a cycle or a missing node', () => {
    const node = (id: string, ms: number, needs: string[] = []) => ({
      id,
      needs,
      latency: { ms, source: 'test' },
      derivedFrom: 'test',
    });
    expect(
      criticalPath([
        node('a', 1),
        node('b', 5, ['a']),
        node('c', 2, ['a']),
        node('d', 1, ['b', 'c']),
      ]),
    ).toMatchObject({ ms: 7, path: ['a', 'b', 'd'] });
    expect(() =>
      criticalPath([node('a', 1, ['b']), node('b', 1, ['a'])]),
    ).toThrow('cycle');
    expect(() => criticalPath([node('a', 1, ['x'])])).toThrow('no such node');
  });
});
