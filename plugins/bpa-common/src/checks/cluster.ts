/** The EKS cluster: version, node roles, labels, data volume and paths. */
import { KubernetesValidatorFunctions } from '@backstage/catalog-model';
import {
  isDnsLabel,
  isEc2InstanceType,
  isPathWithin,
  isPlainAbsolutePath,
  isPlainRelativePath,
} from '../rules';
import type { EnvironmentSpec } from '../spec';
import type { SupportedVersions } from '../supportedVersions';
import type { SpecIssue } from '../validate';
import { excerpt, issue, quoted } from './issue';
import { checkKubernetesVersion } from './versions';

/** Node labels BPA's chart pins its stateful pods to (DESIGN.md reference deployment). */
export const BPA_NODE_LABELS = ['node-1', 'node-2', 'node-3', 'node-4'];
const MAX_NODE_ROLES = 10;
const NODE_ROLE_NAME_MAX = 20;
const MIN_MAX_MAP_COUNT = 262144;
const INT32_MAX = 2147483647;
/** gp3 volume size limits. */
const EBS_GP3_GIB = { min: 1, max: 16384 };
/** Directories that a data volume must not be mounted over. */
const SYSTEM_DIRECTORIES = new Set([
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/tmp',
  '/usr',
  '/var',
]);

function checkNodeRole(
  role: EnvironmentSpec['cluster']['nodes'][number],
  index: number,
): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const base = `cluster.nodes.${index}`;
  if (!isDnsLabel(role.name, NODE_ROLE_NAME_MAX)) {
    issues.push(
      issue(
        `${base}.name`,
        `${quoted(
          role.name,
        )} must be a lowercase DNS label of at most ${NODE_ROLE_NAME_MAX} characters (e.g. node-1): it becomes part of the node group, launch template and IAM role names`,
      ),
    );
  }
  if (!isEc2InstanceType(role.instanceType)) {
    issues.push(
      issue(
        `${base}.instanceType`,
        `${quoted(
          role.instanceType,
        )} is not an EC2 instance type of the form family.size, e.g. m5.4xlarge, m7i-flex.large or c6gn.16xlarge`,
      ),
    );
  }
  if (
    role.dataVolumeGiB < EBS_GP3_GIB.min ||
    role.dataVolumeGiB > EBS_GP3_GIB.max
  ) {
    issues.push(
      issue(
        `${base}.dataVolumeGiB`,
        `must be between ${EBS_GP3_GIB.min} and ${EBS_GP3_GIB.max} GiB, the size range of a gp3 EBS volume (16 TiB at most); got ${role.dataVolumeGiB}`,
      ),
    );
  }
  for (const [key, value] of Object.entries(role.labels)) {
    if (!KubernetesValidatorFunctions.isValidLabelKey(key)) {
      issues.push(
        issue(
          `${base}.labels.${key}`,
          `${quoted(
            key,
          )} is not a Kubernetes label key: an optional DNS subdomain prefix and "/", then at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
        ),
      );
    }
    if (!KubernetesValidatorFunctions.isValidLabelValue(value)) {
      issues.push(
        issue(
          `${base}.labels.${key}`,
          `${quoted(
            value,
          )} is not a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
        ),
      );
    }
  }
  role.dataDirectories.forEach((directory, d) => {
    if (!isPlainRelativePath(directory)) {
      issues.push(
        issue(
          `${base}.dataDirectories.${d}`,
          `${quoted(
            directory,
          )} must be a path relative to cluster.dataRoot made of plain segments (letters, digits, ".", "_", "-"), e.g. metrices/prometheus: no leading "/", no ".." and no empty segment`,
        ),
      );
    }
  });
  return issues;
}

function checkDataPaths(cluster: EnvironmentSpec['cluster']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const { dataMountPath: mount, dataRoot } = cluster;
  const mountValid = isPlainAbsolutePath(mount);
  if (!mountValid) {
    issues.push(
      issue(
        'cluster.dataMountPath',
        `${quoted(
          mount,
        )} must be an absolute path of plain segments such as /opt (no trailing "/", no ".."): the data volume is mounted there on every node`,
      ),
    );
  } else if (SYSTEM_DIRECTORIES.has(mount)) {
    issues.push(
      issue(
        'cluster.dataMountPath',
        `must not be ${mount}: mounting the data volume there would hide the node's own files; the reference uses /opt`,
      ),
    );
  }
  if (!isPlainAbsolutePath(dataRoot)) {
    issues.push(
      issue(
        'cluster.dataRoot',
        `${quoted(
          dataRoot,
        )} must be an absolute path of plain segments such as /opt/bpa/data (no trailing "/", no "..")`,
      ),
    );
  } else if (mountValid && !isPathWithin(dataRoot, mount)) {
    issues.push(
      issue(
        'cluster.dataRoot',
        `${excerpt(dataRoot)} must be inside cluster.dataMountPath (${excerpt(
          mount,
        )}) so that BPA's data lands on the data volume, e.g. ${mount}/bpa/data`,
      ),
    );
  }
  return issues;
}

/** Each node role's zone must be one of the environment's: its subnets are there. */
export function checkNodeZones(
  nodes: EnvironmentSpec['cluster']['nodes'],
  zones: string[],
): SpecIssue[] {
  return nodes.flatMap((role, index) =>
    zones.includes(role.availabilityZone)
      ? []
      : [
          issue(
            `cluster.nodes.${index}.availabilityZone`,
            `${quoted(
              role.availabilityZone,
            )} must be one of aws.availabilityZones (${zones
              .map(excerpt)
              .join(
                ', ',
              )}): the role's node and data volume live in that zone's subnet`,
          ),
        ],
  );
}

export function checkCluster(
  cluster: EnvironmentSpec['cluster'],
  supported: SupportedVersions,
): SpecIssue[] {
  const issues = [
    ...checkKubernetesVersion(cluster.kubernetesVersion, supported),
    ...checkDataPaths(cluster),
  ];
  if (cluster.maxMapCount < MIN_MAX_MAP_COUNT) {
    issues.push(
      issue(
        'cluster.maxMapCount',
        `must be at least ${MIN_MAX_MAP_COUNT}: BPA's Elasticsearch does not start below vm.max_map_count=${MIN_MAX_MAP_COUNT}; got ${cluster.maxMapCount}`,
      ),
    );
  } else if (cluster.maxMapCount > INT32_MAX) {
    issues.push(
      issue(
        'cluster.maxMapCount',
        `must be at most ${INT32_MAX}, the kernel's limit for vm.max_map_count`,
      ),
    );
  }

  const nodes = cluster.nodes;
  if (nodes.length > MAX_NODE_ROLES) {
    issues.push(
      issue(
        'cluster.nodes',
        `lists ${nodes.length} node roles; at most ${MAX_NODE_ROLES} (each role is a managed node group)`,
      ),
    );
  }
  nodes.forEach((role, index) => {
    issues.push(...checkNodeRole(role, index));
    const sameName = nodes.findIndex(other => other.name === role.name);
    if (sameName < index) {
      issues.push(
        issue(
          `cluster.nodes.${index}.name`,
          `${quoted(
            role.name,
          )} is also the name of cluster.nodes.${sameName}; role names must be unique (one managed node group each)`,
        ),
      );
    }
    const label = role.labels.name;
    const sameLabel = nodes.findIndex(other => other.labels.name === label);
    if (label !== undefined && sameLabel < index) {
      issues.push(
        issue(
          `cluster.nodes.${index}.labels.name`,
          `name=${excerpt(
            label,
          )} is also on cluster.nodes.${sameLabel}; BPA pins each of its stateful pods to the one node carrying its label`,
        ),
      );
    }
  });
  const labelled = new Set(nodes.map(role => role.labels.name));
  const missing = BPA_NODE_LABELS.filter(label => !labelled.has(label));
  if (missing.length) {
    issues.push(
      issue(
        'cluster.nodes',
        `no node role is labelled ${missing
          .map(l => `name=${l}`)
          .join(
            ', ',
          )}: BPA's chart pins ZooKeeper, Kafka, Elasticsearch and monitoring pods to nodes labelled name=node-1 to name=node-4`,
      ),
    );
  }
  return issues;
}
