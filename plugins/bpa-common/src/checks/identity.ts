/** Who and what an environment is: its name, owner and AWS tags. */
import { makeValidator, parseEntityRef } from '@backstage/catalog-model';
import { isAwsTagText } from '../rules';
import type { EnvironmentSpec } from '../spec';
import type { SpecIssue } from '../validate';
import { excerpt, issue, quoted } from './issue';

/**
 * The environment name prefixes every resource. 24 characters keep the
 * longest derived names within their limits (Elastic Load Balancing: 32).
 */
export const ENVIRONMENT_NAME_LENGTH = { min: 3, max: 24 } as const;

export function checkEnvironmentName(name: string): SpecIssue[] {
  if (!name) {
    return [issue('name', 'is required')];
  }
  const issues: SpecIssue[] = [];
  const { min, max } = ENVIRONMENT_NAME_LENGTH;
  if (name.length < min || name.length > max) {
    issues.push(
      issue(
        'name',
        `must be ${min} to ${max} characters (has ${name.length}): it prefixes every resource, and derived names such as the load balancer <name>-alb must stay within Elastic Load Balancing's 32 characters`,
      ),
    );
  }
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    issues.push(
      issue(
        'name',
        'must start with a lowercase letter and contain only lowercase letters, digits and hyphens: it becomes the RDS identifier <name>-postgres (letter first), the EKS cluster <name>-eks, the Atlas cluster <name>-mongo and Kubernetes, S3 and ECR names, which allow no uppercase, "_" or "."',
      ),
    );
  }
  if (name.includes('--')) {
    issues.push(
      issue(
        'name',
        'must not contain two hyphens in a row: RDS refuses them in the instance identifier <name>-postgres',
      ),
    );
  }
  if (name.endsWith('-')) {
    issues.push(
      issue(
        'name',
        'must not end with a hyphen: the RDS identifier <name>-postgres would then contain "--", which RDS refuses',
      ),
    );
  }
  if (name.startsWith('internal-')) {
    issues.push(
      issue(
        'name',
        'must not start with "internal-": Elastic Load Balancing refuses load balancer names (<name>-alb) beginning so',
      ),
    );
  }
  return issues;
}

const catalogNames = makeValidator();

export function checkOwner(owner: string): SpecIssue[] {
  if (!owner.trim()) {
    return [
      issue(
        'owner',
        'is required: every environment is owned by a group or user of the catalog',
      ),
    ];
  }
  let ref;
  try {
    ref = parseEntityRef(owner, {
      defaultKind: 'group',
      defaultNamespace: 'default',
    });
  } catch {
    return [
      issue(
        'owner',
        `${quoted(
          owner,
        )} is not an entity reference; use e.g. group:default/platform-team, user:jdoe or a group name such as team-a`,
      ),
    ];
  }
  const kind = ref.kind.toLocaleLowerCase('en-US');
  if (kind !== 'group' && kind !== 'user') {
    return [
      issue(
        'owner',
        `must refer to a Group or a User of the catalog, not a ${excerpt(
          ref.kind,
        )}`,
      ),
    ];
  }
  if (
    !catalogNames.isValidNamespace(ref.namespace) ||
    !catalogNames.isValidEntityName(ref.name)
  ) {
    return [
      issue(
        'owner',
        `${quoted(
          owner,
        )} is not a valid entity reference: namespace and name are up to 63 letters, digits, "-", "_" or "." (namespace lowercase), e.g. group:default/platform-team`,
      ),
    ];
  }
  return [];
}

/** AWS allows 50 tags per resource; the environment adds its own. */
export const MAX_USER_TAGS = 45;

export function checkTags(tags: EnvironmentSpec['tags']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_USER_TAGS) {
    issues.push(
      issue(
        'tags',
        `has ${entries.length} tags; at most ${MAX_USER_TAGS}: AWS allows 50 per resource and the environment adds its own`,
      ),
    );
  }
  for (const [key, value] of entries) {
    const path = `tags.${key}`;
    const keyLength = [...key].length;
    if (keyLength < 1 || keyLength > 128) {
      issues.push(
        issue(path, `tag keys must be 1 to 128 characters (has ${keyLength})`),
      );
    }
    if (/^aws:/i.test(key)) {
      issues.push(
        issue(
          path,
          `${quoted(key)}: tag keys starting with aws: are reserved by AWS`,
        ),
      );
    }
    if (!isAwsTagText(key)) {
      issues.push(
        issue(
          path,
          `tag key ${quoted(
            key,
          )} has characters AWS refuses; use letters, digits, spaces and _ . : / = + - @`,
        ),
      );
    }
    const valueLength = [...value].length;
    if (valueLength > 256) {
      issues.push(
        issue(
          path,
          `tag values are at most 256 characters (this one has ${valueLength})`,
        ),
      );
    }
    if (!isAwsTagText(value)) {
      issues.push(
        issue(
          path,
          'tag value has characters AWS refuses; use letters, digits, spaces and _ . : / = + - @',
        ),
      );
    }
  }
  return issues;
}
