import { z } from 'zod';
import { environmentSpecBaseSchema, EnvironmentSpec } from './spec';
import {
  DEFAULT_SUPPORTED_VERSIONS,
  SupportedVersions,
} from './supportedVersions';
import {
  checkAtlas,
  checkAws,
  checkBpaRelease,
  checkCluster,
  checkNodeZones,
  checkEnvironmentName,
  checkIngress,
  checkNetwork,
  checkOwner,
  checkRds,
  checkRegistry,
  checkRequestSize,
  checkTags,
} from './specChecks';
import { boundedPath, quoted } from './checks/issue';

/** One problem with a request, located by its dotted field path. */
export interface SpecIssue {
  /** Dotted path of the field, e.g. `network.podCidr` or `cluster.nodes.2.instanceType`. */
  path: string;
  message: string;
}

/** Thrown when a request is refused; the message lists every issue, each naming its field. */
export class SpecValidationError extends Error {
  readonly issues: SpecIssue[];
  constructor(issues: SpecIssue[]) {
    super(
      `Invalid BPA environment request:\n${issues
        .map(i => `  - ${i.path}: ${i.message}`)
        .join('\n')}`,
    );
    this.name = 'SpecValidationError';
    this.issues = issues;
  }
}

export interface ValidateOptions {
  supportedVersions?: SupportedVersions;
}

export type ValidationResult =
  | { success: true; spec: EnvironmentSpec }
  | { success: false; issues: SpecIssue[] };

/** A form leaves optional text fields empty; empty means not given. */
function withoutEmpty<T extends object>(section: T, field: keyof T): T {
  if (section[field] !== '') {
    return section;
  }
  const rest = { ...section };
  delete rest[field];
  return rest;
}

/**
 * Fills in the defaults that depend on other fields: the three zones of the
 * region (also when the form sends an empty list), each node role's `name`
 * label (the role name), which BPA schedules on, and its zone (the zones in
 * turn, in role order; an empty value means not given).
 */
function withDerivedDefaults(
  spec: z.output<typeof environmentSpecBaseSchema>,
): EnvironmentSpec {
  const region = spec.aws.region;
  const zones = spec.aws.availabilityZones?.length
    ? spec.aws.availabilityZones
    : [`${region}a`, `${region}b`, `${region}c`];
  return {
    ...spec,
    aws: { ...spec.aws, availabilityZones: zones },
    cluster: {
      ...spec.cluster,
      nodes: spec.cluster.nodes.map((role, i) => ({
        ...role,
        labels: { name: role.name, ...role.labels },
        availabilityZone: role.availabilityZone || zones[i % zones.length],
      })),
    },
    network: withoutEmpty(spec.network, 'bastionImageId'),
    ecr: withoutEmpty(withoutEmpty(spec.ecr, 'sourceRegistry'), 'archives'),
    bpa: withoutEmpty(spec.bpa, 'chart'),
    ingress: withoutEmpty(spec.ingress, 'hostname'),
  };
}

/** Zod's words, except that a refused enum value is quoted short, not whole. */
function zodMessage(zodIssue: z.ZodIssue): string {
  if (zodIssue.code === z.ZodIssueCode.invalid_enum_value) {
    return `must be one of ${zodIssue.options.join(', ')}; got ${
      typeof zodIssue.received === 'string'
        ? quoted(zodIssue.received)
        : String(zodIssue.received)
    }`;
  }
  return zodIssue.message;
}

/** Checks a whole request; never throws. */
export function validateEnvironmentSpec(
  input: unknown,
  options: ValidateOptions = {},
): ValidationResult {
  const supported = options.supportedVersions ?? DEFAULT_SUPPORTED_VERSIONS;
  const parsed = environmentSpecBaseSchema.safeParse(input);
  if (!parsed.success) {
    return {
      success: false,
      issues: parsed.error.issues.map(i => ({
        path: boundedPath(i.path.join('.')) || '(request)',
        message: zodMessage(i),
      })),
    };
  }
  const spec = withDerivedDefaults(parsed.data);
  const issues = checkSpec(spec, supported);
  return issues.length ? { success: false, issues } : { success: true, spec };
}

/** Checks a whole request and returns it with defaults filled in, or throws {@link SpecValidationError}. */
export function parseEnvironmentSpec(
  input: unknown,
  options: ValidateOptions = {},
): EnvironmentSpec {
  const result = validateEnvironmentSpec(input, options);
  if (!result.success) {
    throw new SpecValidationError(result.issues);
  }
  return result.spec;
}

/**
 * Rules zod's shapes cannot express: names, CIDRs, sizes, versions,
 * cross-field checks. Every rule runs, so a request learns all its problems
 * at once.
 */
function checkSpec(
  spec: EnvironmentSpec,
  supported: SupportedVersions,
): SpecIssue[] {
  return [
    ...checkEnvironmentName(spec.name),
    ...checkOwner(spec.owner),
    ...checkAws(spec.aws),
    ...checkNetwork(spec.network),
    ...checkCluster(spec.cluster, supported),
    ...checkNodeZones(spec.cluster.nodes, spec.aws.availabilityZones),
    ...checkRds(spec.rds, supported),
    ...checkAtlas(spec.atlas, supported),
    ...checkRegistry(spec.ecr),
    ...checkBpaRelease(spec.bpa),
    ...checkIngress(spec.ingress),
    ...checkTags(spec.tags),
    ...checkRequestSize(spec),
  ];
}
