import { createHash } from 'node:crypto';
import { parse } from 'yaml';

/** CloudFormation accepts inline template bodies up to this size; larger ones need S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

export interface TemplateParameter {
  Type: string;
  Default?: string;
  NoEcho?: boolean | string;
  Description?: string;
}

export interface TemplateResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The parts of a template the apply reads. */
export interface ParsedTemplate {
  parameters: Record<string, TemplateParameter>;
  resources: Record<string, TemplateResource>;
  document: Record<string, unknown>;
}

/** Parses a template body (YAML or JSON, intrinsics in their `Fn::` form). */
export function parseTemplateBody(body: string): ParsedTemplate {
  const document = parse(body) as Record<string, unknown> | null;
  if (!document || typeof document !== 'object' || !document.Resources) {
    throw new Error('not a CloudFormation template (no Resources)');
  }
  return {
    parameters: (document.Parameters ?? {}) as Record<
      string,
      TemplateParameter
    >,
    resources: document.Resources as Record<string, TemplateResource>,
    document,
  };
}

export function resourceTypes(template: ParsedTemplate): string[] {
  return [
    ...new Set(Object.values(template.resources).map(r => r.Type)),
  ].sort();
}

/** Values of the `bpa:environment` tag in the template's resources: says which environment the template was planned for. */
export function environmentTagValues(template: ParsedTemplate): string[] {
  const values = new Set<string>();
  for (const resource of Object.values(template.resources)) {
    const tags = resource.Properties?.Tags;
    if (!Array.isArray(tags)) continue;
    for (const tag of tags as { Key?: unknown; Value?: unknown }[]) {
      if (tag.Key === 'bpa:environment' && typeof tag.Value === 'string') {
        values.add(tag.Value);
      }
    }
  }
  return [...values];
}

function stableJson(record: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(record)
      .sort()
      .map(k => [k, record[k]]),
  );
}

/**
 * Identifies what is being deployed: the template, its parameter values and
 * the stack tags. Same inputs, same hash, so the change set name and the
 * checkpoint keys repeat on a re-run.
 */
export function deploymentHash(
  templateBody: string,
  parameters: Record<string, string>,
  tags: Record<string, string>,
): string {
  return createHash('sha256')
    .update(templateBody)
    .update('\0')
    .update(stableJson(parameters))
    .update('\0')
    .update(stableJson(tags))
    .digest('hex')
    .slice(0, 16);
}
