import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';

/** A change to an applied environment that cannot be made in place: why, and what to do instead. */
export interface RefusedChange {
  /** Dotted path of the field, as validation names them. */
  path: string;
  message: string;
}

const versionParts = (version: string) =>
  version.split('.').map(part => Number(part));

/** Negative, zero or positive as `a` is older, equal or newer than `b`. */
function compareVersions(a: string, b: string): number {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The changes from an environment's recorded request to a new one that
 * its stacks cannot take in place: CloudFormation would have to replace a
 * resource with a fixed name (it refuses), or one that holds data, or AWS
 * does not move that way at all. Everything else (instance types,
 * Kubernetes and PostgreSQL upgrades, sizes up, node roles added, tags)
 * is an update. Pure: the plan step refuses these before it writes.
 */
export function refusedChanges(
  recorded: EnvironmentSpec,
  next: EnvironmentSpec,
): RefusedChange[] {
  const refused: RefusedChange[] = [];
  const refuse = (path: string, message: string) =>
    refused.push({ path, message });
  const same = (a: unknown, b: unknown) =>
    JSON.stringify(a) === JSON.stringify(b);

  if (recorded.name !== next.name) {
    refuse(
      'name',
      `the environment is ${recorded.name}; every resource is named after it: request a new environment instead`,
    );
  }
  for (const [path, before, after] of [
    ['aws.accountId', recorded.aws.accountId, next.aws.accountId],
    ['aws.region', recorded.aws.region, next.aws.region],
    [
      'aws.availabilityZones',
      recorded.aws.availabilityZones,
      next.aws.availabilityZones,
    ],
    ['network.vpcCidr', recorded.network.vpcCidr, next.network.vpcCidr],
    ['network.podCidr', recorded.network.podCidr, next.network.podCidr],
    [
      'network.serviceCidr',
      recorded.network.serviceCidr,
      next.network.serviceCidr,
    ],
  ] as const) {
    if (!same(before, after)) {
      refuse(
        path,
        `is ${JSON.stringify(
          before,
        )} in the applied environment and cannot change in place (its VPC, subnets, cluster and data volumes are built on it): keep it, or request a new environment and move the data`,
      );
    }
  }

  const [from, to] = [
    recorded.cluster.kubernetesVersion,
    next.cluster.kubernetesVersion,
  ];
  const [fromMinor, toMinor] = [versionParts(from)[1], versionParts(to)[1]];
  if (compareVersions(to, from) < 0) {
    refuse(
      'cluster.kubernetesVersion',
      `${to} is older than the cluster's ${from}: EKS never downgrades a cluster`,
    );
  } else if (toMinor - fromMinor > 1) {
    refuse(
      'cluster.kubernetesVersion',
      `EKS upgrades a cluster one minor version at a time: plan ${
        versionParts(from)[0]
      }.${fromMinor + 1} first, then ${to}`,
    );
  }

  for (const role of next.cluster.nodes) {
    const before = recorded.cluster.nodes.find(r => r.name === role.name);
    if (!before) continue;
    const at = `cluster.nodes.${next.cluster.nodes.indexOf(role)}`;
    if (before.availabilityZone !== role.availabilityZone) {
      refuse(
        `${at}.availabilityZone`,
        `node role ${role.name}'s data volume lives in ${before.availabilityZone}: a role cannot move zones in place (snapshot its volume and restore it in the new zone by hand, or keep the zone)`,
      );
    }
    if (role.dataVolumeGiB < before.dataVolumeGiB) {
      refuse(
        `${at}.dataVolumeGiB`,
        `node role ${role.name}'s data volume has ${before.dataVolumeGiB} GiB: an EBS volume can grow, never shrink`,
      );
    }
  }

  if (compareVersions(next.rds.engineVersion, recorded.rds.engineVersion) < 0) {
    refuse(
      'rds.engineVersion',
      `${next.rds.engineVersion} is older than the database's ${recorded.rds.engineVersion}: RDS never downgrades (restore a snapshot into a new environment instead)`,
    );
  }
  if (next.rds.allocatedStorageGiB < recorded.rds.allocatedStorageGiB) {
    refuse(
      'rds.allocatedStorageGiB',
      `the database has ${recorded.rds.allocatedStorageGiB} GiB: RDS storage can grow, never shrink`,
    );
  }
  if (next.rds.masterUsername !== recorded.rds.masterUsername) {
    refuse(
      'rds.masterUsername',
      `is ${recorded.rds.masterUsername}: changing it would replace the database (CloudFormation refuses under its fixed name); keep it`,
    );
  }
  return refused;
}
