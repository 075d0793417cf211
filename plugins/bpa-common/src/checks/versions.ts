/** Requested Kubernetes, PostgreSQL and MongoDB versions against what the providers offer. */
import {
  MONGODB_END_OF_LIFE,
  REFERENCE_GUIDE_VERSIONS,
  type SupportedVersions,
} from '../supportedVersions';
import type { SpecIssue } from '../validate';
import { excerpt, issue, list, quoted } from './issue';

function minorVersion(value: string): [number, number] | undefined {
  const match = /^([0-9]+)\.([0-9]+)$/.exec(value);
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

function compareMinor(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

export function checkKubernetesVersion(
  requested: string,
  supported: SupportedVersions,
): SpecIssue[] {
  const offered = supported.kubernetes;
  if (offered.includes(requested)) {
    return [];
  }
  const path = 'cluster.kubernetesVersion';
  const choose = `choose one of ${list(offered)}`;
  const version = minorVersion(requested);
  if (!version) {
    return [
      issue(
        path,
        `${quoted(requested)} is not a Kubernetes minor version like ${
          offered[offered.length - 1]
        }; ${choose}`,
      ),
    ];
  }
  const known = offered
    .map(minorVersion)
    .filter((v): v is [number, number] => v !== undefined)
    .sort(compareMinor);
  const guide =
    requested === REFERENCE_GUIDE_VERSIONS.kubernetes
      ? " (the reference guide's version)"
      : '';
  let why = 'is not offered by Amazon EKS';
  if (known.length && compareMinor(version, known[0]) < 0) {
    why =
      'is no longer offered by Amazon EKS (past the end of extended support)';
  } else if (
    known.length &&
    compareMinor(version, known[known.length - 1]) > 0
  ) {
    why = `is not offered by Amazon EKS yet (versions checked ${supported.refreshedAt})`;
  }
  return [issue(path, `Kubernetes ${requested}${guide} ${why}; ${choose}`)];
}

export function checkPostgresVersion(
  requested: string,
  supported: SupportedVersions,
): SpecIssue[] {
  const offered = supported.postgres;
  if (offered.includes(requested)) {
    return [];
  }
  const major = requested.split('.')[0];
  const sameMajor = offered.filter(v => v.split('.')[0] === major);
  const guide = (
    REFERENCE_GUIDE_VERSIONS.postgres as readonly string[]
  ).includes(requested)
    ? " (the reference guide's version)"
    : '';
  const advice = sameMajor.length
    ? `for PostgreSQL ${major} choose ${list(sameMajor)}`
    : `choose one of ${list(offered)}`;
  return [
    issue(
      'rds.engineVersion',
      `PostgreSQL ${excerpt(
        requested,
      )}${guide} is not offered by Amazon RDS for new instances; ${advice}`,
    ),
  ];
}

export function checkMongoDBVersion(
  requested: string,
  supported: SupportedVersions,
): SpecIssue[] {
  const offered = supported.mongodb;
  if (offered.includes(requested)) {
    return [];
  }
  const guide =
    requested === REFERENCE_GUIDE_VERSIONS.mongodb
      ? " (the reference guide's version)"
      : '';
  const endOfLife = MONGODB_END_OF_LIFE[requested];
  const why = endOfLife
    ? `reached end of life on Atlas on ${endOfLife}`
    : 'is not offered for Atlas dedicated clusters';
  return [
    issue(
      'atlas.mongoDBVersion',
      `MongoDB ${excerpt(requested)}${guide} ${why}; choose one of ${list(
        offered,
      )}`,
    ),
  ];
}
