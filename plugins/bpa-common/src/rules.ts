/**
 * Syntax rules of the names and identifiers a BPA environment request
 * carries: each predicate encodes one provider's documented format.
 */

/** DNS-1123 label (Kubernetes namespaces, Helm releases, Service names). */
export function isDnsLabel(value: string, maxLength = 63): boolean {
  return (
    value.length <= maxLength && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value)
  );
}

/** A lowercase DNS host name of two or more labels, not an IP address and not a wildcard. */
export function isDnsHostName(value: string): boolean {
  const labels = value.split('.');
  return (
    value.length <= 253 &&
    labels.length >= 2 &&
    labels.every(label => isDnsLabel(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1])
  );
}

/** An ECR repository name (or namespace): lowercase components separated by `/`, each `a-z0-9` joined by `.`, `_` or `-`. */
export function isEcrRepositoryName(value: string): boolean {
  return /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(
    value,
  );
}

/** A Docker/OCI image tag. */
export function isImageTag(value: string): boolean {
  return /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(value);
}

// A family has a digit somewhere (m5, mac2-m2pro, u-6tb1) and may carry a
// hyphenated suffix (m7i-flex).
const INSTANCE_FAMILY = '(?=[a-z0-9-]*[0-9])[a-z][a-z0-9]*(?:-[a-z0-9]+)*';
const INSTANCE_SIZE =
  '(?:nano|micro|small|medium|large|xlarge|[1-9][0-9]*xlarge|metal|metal-[1-9][0-9]*xl)';

/** An EC2 instance type `family.size`: m5.4xlarge, m7i-flex.large, c6gn.16xlarge, c7i.metal-24xl. */
export function isEc2InstanceType(value: string): boolean {
  return new RegExp(`^${INSTANCE_FAMILY}\\.${INSTANCE_SIZE}$`).test(value);
}

/** An RDS DB instance class `db.family.size`: db.m5d.2xlarge, db.r5b.2xlarge, db.t4g.micro. */
export function isRdsInstanceClass(value: string): boolean {
  return new RegExp(`^db\\.${INSTANCE_FAMILY}\\.${INSTANCE_SIZE}$`).test(value);
}

/** A version like 4.0.3 or 4.0.3-6 (semantic version, optional pre-release and build). */
export function isSemanticVersion(value: string): boolean {
  return /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(
    value,
  );
}

/**
 * A relative path of plain segments (`a/b.c`): no leading `/`, no empty,
 * `.` or `..` segment, only `[A-Za-z0-9._-]` in a segment. Such a path cannot
 * leave the directory it is resolved against.
 */
export function isPlainRelativePath(value: string): boolean {
  return value
    .split('/')
    .every(
      segment =>
        /^[A-Za-z0-9._-]+$/.test(segment) &&
        segment !== '.' &&
        segment !== '..',
    );
}

/** An absolute path of plain segments (`/opt/bpa/data`), no trailing `/`. */
export function isPlainAbsolutePath(value: string): boolean {
  return value.startsWith('/') && isPlainRelativePath(value.slice(1));
}

/** True when `path` is `dir` or inside it (both plain absolute paths). */
export function isPathWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

/**
 * Characters AWS accepts in tag keys and values: Unicode letters, digits and
 * spaces, and `_ . : / = + - @` (AWS tagging rules).
 */
export function isAwsTagText(value: string): boolean {
  return /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u.test(value);
}

/**
 * PostgreSQL's reserved key words (PostgreSQL documentation, appendix "SQL
 * Key Words", column PostgreSQL: reserved). RDS refuses them as master user
 * name, and unquoted SQL cannot use them as role or database names.
 */
export const POSTGRES_RESERVED_WORDS: ReadonlySet<string> = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'authorization',
  'binary',
  'both',
  'case',
  'cast',
  'check',
  'collate',
  'collation',
  'column',
  'concurrently',
  'constraint',
  'create',
  'cross',
  'current_catalog',
  'current_date',
  'current_role',
  'current_schema',
  'current_time',
  'current_timestamp',
  'current_user',
  'default',
  'deferrable',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'fetch',
  'for',
  'foreign',
  'freeze',
  'from',
  'full',
  'grant',
  'group',
  'having',
  'ilike',
  'in',
  'initially',
  'inner',
  'intersect',
  'into',
  'is',
  'isnull',
  'join',
  'lateral',
  'leading',
  'left',
  'like',
  'limit',
  'localtime',
  'localtimestamp',
  'natural',
  'not',
  'notnull',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'outer',
  'overlaps',
  'placing',
  'primary',
  'references',
  'returning',
  'right',
  'select',
  'session_user',
  'similar',
  'some',
  'symmetric',
  'system_user',
  'table',
  'tablesample',
  'then',
  'to',
  'trailing',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'verbose',
  'when',
  'where',
  'window',
  'with',
]);
