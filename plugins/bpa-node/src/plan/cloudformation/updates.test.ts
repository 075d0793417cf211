import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import {
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { CfnResource } from './common';
import { stackTemplate } from './index';

/*
 * Day 2: a change to an applied environment is a CloudFormation update of
 * its stacks. Which properties force a resource to be replaced comes from
 * AWS's resource specification (`causesReplacement`). CloudFormation refuses
 * to replace a resource whose name is fixed in the template and unchanged
 * ("cannot update a stack when a custom-named resource requires
 * replacing"), and replacing a data volume or the database loses its data.
 */

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;

/** The property that names each custom-named resource type the stacks hold. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::EKS::Cluster': 'Name',
  'AWS::EKS::Nodegroup': 'NodegroupName',
  'AWS::EC2::LaunchTemplate': 'LaunchTemplateName',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::DBParameterGroup': 'DBParameterGroupName',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/** Types whose replacement loses data. */
const DATA_BEARING = new Set(['AWS::EC2::Volume', 'AWS::RDS::DBInstance']);

interface Replacement {
  stack: string;
  id: string;
  type: string;
  because: string[];
}

/** The resources an update from one request to another replaces, and which changed properties force it. */
function replacements(
  db: SpecDatabase,
  before: EnvironmentSpec,
  after: EnvironmentSpec,
): Replacement[] {
  return STACK_KINDS.flatMap(kind => {
    const old = stackTemplate(before, kind).Resources;
    const next = stackTemplate(after, kind).Resources;
    return Object.entries(next).flatMap(
      ([id, resource]: [string, CfnResource]) => {
        const previous = old[id];
        if (!previous) return [];
        const spec = db.lookup(
          'resource',
          'cloudFormationType',
          'equals',
          resource.Type,
        )[0];
        const props = resource.Properties ?? {};
        const oldProps = previous.Properties ?? {};
        const because = [
          ...new Set([...Object.keys(props), ...Object.keys(oldProps)]),
        ].filter(
          p =>
            (spec.properties as Record<string, { causesReplacement?: string }>)[
              p
            ]?.causesReplacement === 'yes' &&
            JSON.stringify(props[p]) !== JSON.stringify(oldProps[p]),
        );
        return because.length
          ? [{ stack: kind, id, type: resource.Type, because }]
          : [];
      },
    );
  });
}

/** Replacements CloudFormation refuses: the resource keeps its fixed name. */
function refusedReplacements(
  before: EnvironmentSpec,
  after: EnvironmentSpec,
  found: Replacement[],
): string[] {
  return found
    .filter(r => {
      const name = NAME_PROPERTY[r.type];
      if (!name) return false;
      const props = (kind: EnvironmentSpec) =>
        stackTemplate(kind, r.stack as any).Resources[r.id].Properties ?? {};
      return (
        props(after)[name] !== undefined &&
        JSON.stringify(props(after)[name]) ===
          JSON.stringify(props(before)[name])
      );
    })
    .map(r => `${r.id} (${r.because.join(', ')})`);
}

describe('changes to an applied environment', () => {
  let db: SpecDatabase;
  beforeAll(() => {
    db = loadAwsServiceSpecSync();
  });

  /** The recorded request (every default filled in, as the catalog keeps it), changed. */
  const recorded = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    cluster: { kubernetesVersion: '1.34' },
  });
  const changed = (change: (spec: EnvironmentSpec) => EnvironmentSpec) =>
    parseEnvironmentSpec(change(structuredClone(recorded)));
  const withNodes = (
    spec: EnvironmentSpec,
    nodes: EnvironmentSpec['cluster']['nodes'],
  ) => ({ ...spec, cluster: { ...spec.cluster, nodes } });

  const CHANGES: Record<string, (spec: EnvironmentSpec) => EnvironmentSpec> = {
    "a node role's instance type": s =>
      withNodes(
        s,
        s.cluster.nodes.map((n, i) =>
          i === 0 ? { ...n, instanceType: 'm5.8xlarge' } : n,
        ),
      ),
    'the Kubernetes version': s => ({
      ...s,
      cluster: { ...s.cluster, kubernetesVersion: '1.35' },
    }),
    'a larger data volume': s =>
      withNodes(
        s,
        s.cluster.nodes.map(n => ({ ...n, dataVolumeGiB: 3000 })),
      ),
    "a node role's data directories": s =>
      withNodes(
        s,
        s.cluster.nodes.map((n, i) =>
          i === 3
            ? { ...n, dataDirectories: [...n.dataDirectories, 'kibana'] }
            : n,
        ),
      ),
    'vm.max_map_count': s => ({
      ...s,
      cluster: { ...s.cluster, maxMapCount: 524288 },
    }),
    'a node role added in front of the others': s =>
      withNodes(s, [
        {
          name: 'node-0',
          instanceType: 'm5.xlarge',
          dataVolumeGiB: 100,
          labels: { name: 'node-0' },
          dataDirectories: [],
          availabilityZone: s.aws.availabilityZones[1],
        },
        ...s.cluster.nodes,
      ]),
    'a PostgreSQL major upgrade (16 to 17)': s => ({
      ...s,
      rds: { ...s.rds, engineVersion: '17.7' },
    }),
    'the RDS class, storage and Multi-AZ': s => ({
      ...s,
      rds: {
        ...s.rds,
        instanceClass: 'db.r6i.2xlarge',
        allocatedStorageGiB: 400,
        multiAz: true,
      },
    }),
  };

  it.each(Object.keys(CHANGES))(
    '%s: CloudFormation can apply it, and no data volume or database is replaced',
    label => {
      const after = changed(CHANGES[label]);
      const found = replacements(db, recorded, after);
      expect(refusedReplacements(recorded, after, found)).toEqual([]);
      expect(
        found.filter(r => DATA_BEARING.has(r.type)).map(r => r.id),
      ).toEqual([]);
    },
  );

  it('allows the major version upgrade on the instance when the engine major changes', () => {
    const after = changed(CHANGES['a PostgreSQL major upgrade (16 to 17)']);
    const db17 = stackTemplate(after, 'data').Resources;
    expect(db17.Database.Properties).toMatchObject({
      EngineVersion: '17.7',
      AllowMajorVersionUpgrade: true,
    });
    expect(db17.DatabaseParameterGroup.Properties).toMatchObject({
      Family: 'postgres17',
    });
  });
});
