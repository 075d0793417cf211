import {
  EnvironmentSpec,
  EnvironmentTopology,
  componentsWithDataIn,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  LISTENER_PORTS,
  environmentRepositories,
  subnetLayout,
} from '@internal/backstage-plugin-bpa-node';

/**
 * The environment as its plan lays it out, for the architecture picture:
 * the subnets the network stack creates in each zone, the zone of each
 * node role (the cluster stack puts role i in zone i mod zones), the
 * bastion in the first public subnet, the load balancer's listeners, and
 * which components keep their data on which node. Pure: no cloud is asked.
 */
export function environmentTopology(
  spec: EnvironmentSpec,
): EnvironmentTopology {
  const names = resourceNames(spec);
  const zones = spec.aws.availabilityZones;
  const subnets = subnetLayout(
    spec.network.vpcCidr,
    spec.network.podCidr,
    zones.length,
  );
  return {
    region: spec.aws.region,
    vpcCidr: spec.network.vpcCidr,
    podCidr: spec.network.podCidr,
    zones: zones.map((name, i) => ({
      name,
      publicSubnet: subnets.public[i],
      privateSubnet: subnets.private[i],
      podSubnet: subnets.pod[i],
    })),
    nodes: spec.cluster.nodes.map((role, i) => ({
      role: role.name,
      zone: zones[i % zones.length],
      instanceType: role.instanceType,
      labels: role.labels,
      components: componentsWithDataIn(role.dataDirectories),
    })),
    ...(spec.network.bastion && { bastionZone: zones[0] }),
    loadBalancer: {
      name: names.loadBalancer,
      listeners: Object.values(LISTENER_PORTS),
    },
    database: {
      identifier: names.rdsInstance,
      instanceClass: spec.rds.instanceClass,
      multiAz: spec.rds.multiAz,
    },
    atlas: { clusterName: names.atlasCluster, tier: spec.atlas.tier },
    registry: { repositories: environmentRepositories(spec) },
    release: { name: spec.bpa.releaseName, namespace: spec.bpa.namespace },
  };
}
