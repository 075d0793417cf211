import fs from 'node:fs';
import { parse } from 'yaml';
import { Entity } from '@backstage/catalog-model';
import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';

/** A template step as template.yaml writes it. */
export interface TemplateStep {
  id: string;
  name?: string;
  action: string;
  if?: string | boolean;
  input?: Record<string, unknown>;
}

/** The Template entity, read from its file as the catalog would store it. */
export function readTemplate(file: string): Entity & {
  spec: { parameters: Record<string, unknown>[]; steps: TemplateStep[] };
} {
  const entity = parse(fs.readFileSync(file, 'utf8'));
  return {
    ...entity,
    metadata: { namespace: 'default', ...entity.metadata },
  };
}

/** What the form fills in before the user types anything: every field's default. */
export function formDefaults(template: {
  spec: { parameters: Record<string, unknown>[] };
}): Record<string, unknown> {
  return Object.fromEntries(
    template.spec.parameters.flatMap(page =>
      Object.entries(
        (page.properties ?? {}) as Record<string, { default?: unknown }>,
      )
        .filter(([, field]) => field.default !== undefined)
        .map(([name, field]) => [name, field.default]),
    ),
  );
}

/** The form as a user fills it in for a request: the defaults, and the fields a request names. */
export function formValues(
  template: { spec: { parameters: Record<string, unknown>[] } },
  spec: EnvironmentSpec,
): Record<string, unknown> {
  return {
    ...formDefaults(template),
    name: spec.name,
    owner: spec.owner,
    accountId: spec.aws.accountId,
    region: spec.aws.region,
    adminCidr: spec.network.adminCidr,
    atlasProjectId: spec.atlas.projectId,
  };
}

/**
 * Differences between the steps a task ran (in the order it ran them) and
 * the template's: every template step ran, or was skipped by its `if`, in
 * the template's order, and nothing else ran. Empty when they agree.
 */
export function stepOrderProblems(
  templateSteps: Array<Pick<TemplateStep, 'id'>>,
  ran: string[],
  skipped: string[],
): string[] {
  const expected = templateSteps
    .map(s => s.id)
    .filter(id => !skipped.includes(id));
  if (JSON.stringify(expected) === JSON.stringify(ran)) return [];
  const problems = [
    ...expected
      .filter(id => !ran.includes(id))
      .map(id => `step ${id} of the template did not run`),
    ...ran
      .filter(id => !expected.includes(id))
      .map(id => `step ${id} ran but the template has no such step to run`),
  ];
  return problems.length
    ? problems
    : [
        `the steps ran as ${ran.join(
          ', ',
        )}; the template orders them ${expected.join(', ')}`,
      ];
}
