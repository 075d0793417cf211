import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  environmentSpecBaseSchema,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { bpaActions } from './module';

/** A template step as the scaffolder reads it. */
interface Step {
  id: string;
  name: string;
  action: string;
  if?: string | boolean;
  input?: Record<string, unknown>;
}

interface Template {
  spec: {
    parameters: Record<string, unknown>[];
    steps: Step[];
    output: Record<string, unknown>;
  };
}

const TEMPLATES = path.resolve(__dirname, '../../../templates');
const loadTemplate = (name: string): Template =>
  parse(fs.readFileSync(path.join(TEMPLATES, name, 'template.yaml'), 'utf8'));

/** The actions exactly as the module registers them. */
const actions = new Map(
  bpaActions({
    config: new ConfigReader({}),
    catalog: catalogServiceMock(),
    permissions: mockServices.permissions(),
    auditor: mockServices.auditor.mock(),
    auth: mockServices.auth(),
  }).map(a => [a.id, a]),
);

type JsonSchema = {
  properties?: Record<string, unknown>;
  required?: string[];
};
const inputSchemaOf = (id: string) =>
  actions.get(id)!.schema!.input as JsonSchema;
const outputSchemaOf = (id: string) =>
  actions.get(id)!.schema!.output as JsonSchema;

/** Every string in a value, however deep. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object')
    return Object.values(value).flatMap(strings);
  return [];
}

/** Names of every form field, on every page and in every dependency. */
function formFields(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach(v => formFields(v, into));
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'properties' && v && typeof v === 'object') {
        Object.keys(v).forEach(name => into.add(name));
      }
      formFields(v, into);
    }
  }
  return into;
}

/** `steps.<id>.output.<name>` (or `steps['<id>']…`) used in a template expression. */
function stepOutputsUsed(text: string): Array<{ step: string; name: string }> {
  return [
    ...text.matchAll(
      /steps(?:\.([A-Za-z0-9_]+)|\['([A-Za-z0-9_-]+)'\])\.output\.([A-Za-z0-9_]+)/g,
    ),
  ].map(m => ({ step: m[1] ?? m[2], name: m[3] }));
}

const parametersUsed = (text: string) =>
  [...text.matchAll(/parameters\.([A-Za-z0-9_]+)/g)].map(m => m[1]);

/** The zod object behind defaults, optionals and refinements. */
function objectShape(schema: any): Record<string, unknown> | undefined {
  let s = schema;
  while (s?._def?.innerType || s?._def?.schema) {
    s = s._def.innerType ?? s._def.schema;
  }
  return typeof s?._def?.shape === 'function' ? s._def.shape() : undefined;
}

/** Keys of a request mapping that the spec schema does not have, as paths. */
function unknownSpecFields(
  mapping: Record<string, unknown>,
  schema: unknown,
  prefix = '',
): string[] {
  const shape = objectShape(schema) ?? {};
  return Object.entries(mapping).flatMap(([key, value]) => {
    const fieldPath = `${prefix}${key}`;
    if (!(key in shape)) return [fieldPath];
    return value && typeof value === 'object' && !Array.isArray(value)
      ? unknownSpecFields(
          value as Record<string, unknown>,
          shape[key],
          `${fieldPath}.`,
        )
      : [];
  });
}

/**
 * What the scaffolder gives the steps for a form filled in with its
 * defaults: each `${{ parameters.x }}` replaced by the value, fields left
 * empty dropped.
 */
function render(value: unknown, parameters: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{\s*parameters\.([A-Za-z0-9_]+)\s*\}\}$/.exec(value);
    return whole ? parameters[whole[1]] : value;
  }
  if (Array.isArray(value)) return value.map(v => render(v, parameters));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .map(([k, v]) => [k, render(v, parameters)])
        .filter(([, v]) => v !== undefined),
    );
  }
  return value;
}

function formDefaults(template: Template): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  for (const page of template.spec.parameters) {
    const properties = (page.properties ?? {}) as Record<
      string,
      { default?: unknown }
    >;
    for (const [name, field] of Object.entries(properties)) {
      if (field.default !== undefined) defaults[name] = field.default;
    }
  }
  return defaults;
}

describe.each(['bpa-environment', 'bpa-environment-teardown'])(
  'templates/%s/template.yaml',
  name => {
    const template = loadTemplate(name);
    const { steps } = template.spec;

    it('only uses actions the BPA module registers', () => {
      expect(
        steps.map(s => s.action).filter(action => !actions.has(action)),
      ).toEqual([]);
    });

    it('has no page of its own titled Review: the scaffolder adds its review step after the last page', () => {
      expect(
        template.spec.parameters.filter(p => /review/i.test(String(p.title))),
      ).toEqual([]);
    });

    it.each(steps.map(s => [s.id, s]))(
      'step %s gives only inputs its action declares, and every required one',
      (_id, step) => {
        const schema = inputSchemaOf(step.action);
        const given = Object.keys(step.input ?? {});
        expect(
          given.filter(key => !(key in (schema.properties ?? {}))),
        ).toEqual([]);
        expect(
          (schema.required ?? []).filter(key => !given.includes(key)),
        ).toEqual([]);
      },
    );

    it('reads only outputs that an earlier step declares, and only form fields that exist', () => {
      const fields = formFields(template.spec.parameters);
      const problems: string[] = [];
      const seen = new Map<string, Step>();
      for (const [where, value] of [
        ...steps.map(s => [`step ${s.id}`, s] as const),
        ['the output', template.spec.output] as const,
      ]) {
        const text = strings(value).join('\n');
        for (const used of stepOutputsUsed(text)) {
          const producer = seen.get(used.step);
          if (!producer) {
            problems.push(
              `${where} reads step ${used.step}, not run before it`,
            );
          } else if (
            !(used.name in (outputSchemaOf(producer.action).properties ?? {}))
          ) {
            problems.push(
              `${where} reads ${used.step}.${used.name}, which ${producer.action} does not output`,
            );
          }
        }
        for (const field of parametersUsed(text)) {
          if (!fields.has(field))
            problems.push(
              `${where} reads parameters.${field}, not in the form`,
            );
        }
        if (where.startsWith('step '))
          seen.set((value as Step).id, value as Step);
      }
      expect(problems).toEqual([]);
      expect(new Set(steps.map(s => s.id)).size).toBe(steps.length);
    });
  },
);

describe('templates/bpa-environment/template.yaml', () => {
  const template = loadTemplate('bpa-environment');
  const { steps } = template.spec;
  const APPLY = "${{ parameters.mode === 'apply' }}";

  it('asks "What to do" on the last page, plan only by default', () => {
    const last = template.spec.parameters.at(-1) as {
      properties: Record<string, { title: string; default: string }>;
    };
    expect(Object.keys(last.properties)).toEqual(['mode']);
    expect(last.properties.mode).toMatchObject({
      title: 'What to do',
      default: 'plan',
    });
  });

  it('plans and registers for "plan only"; every other step runs only for "plan and apply"', () => {
    const ungated = steps.filter(s => s.if === undefined);
    expect(ungated.map(s => s.action)).toEqual([
      'bpa:environment:plan',
      'bpa:catalog:register',
    ]);
    expect(ungated[1].input?.state).toBe('planned');
    expect(
      steps.filter(s => s.if !== undefined && s.if !== APPLY).map(s => s.id),
    ).toEqual([]);
  });

  it('applies in the order that lets the slow resources run side by side', () => {
    expect(
      steps.map(s => {
        const { stacks, wait, state } = s.input ?? {};
        const detail =
          (Array.isArray(stacks) ? stacks.join('+') : undefined) ??
          (wait === undefined ? undefined : `wait:${wait}`) ??
          (state as string | undefined);
        return detail ? `${s.action} ${detail}` : s.action;
      }),
    ).toEqual([
      'bpa:environment:plan',
      'bpa:catalog:register planned',
      'bpa:atlas:cluster wait:false',
      'bpa:aws:deploy network',
      'bpa:aws:deploy cluster+data+registry+edge',
      'bpa:atlas:private-endpoint',
      'bpa:aws:wait registry',
      'bpa:ecr:mirror',
      'bpa:aws:wait',
      'bpa:atlas:cluster wait:true',
      'bpa:kubernetes:bootstrap',
      'bpa:database:bootstrap',
      'bpa:helm:release',
      'bpa:catalog:register applied',
    ]);
    expect(steps.find(s => s.id === 'stacks')?.input?.wait).toBe(false);
  });

  it('gives every later step the request the plan step completed and recorded, whose form fields all exist in the spec', () => {
    const [plan, ...later] = steps;
    expect(plan.action).toBe('bpa:environment:plan');
    expect(
      unknownSpecFields(
        plan.input?.spec as Record<string, unknown>,
        environmentSpecBaseSchema,
      ),
    ).toEqual([]);
    for (const step of later) {
      expect([step.id, step.input?.spec]).toEqual([
        step.id,
        '${{ steps.plan.output.spec }}',
      ]);
    }
  });

  it('offers SSM Session Manager or SSH for the bastion, and an AMI id to keep or change, into the request', () => {
    const network = template.spec.parameters.find(
      (p: any) => p.title === 'Network',
    ) as any;
    expect(network.properties.bastionAccess).toMatchObject({
      enum: ['ssm', 'ssh'],
      default: 'ssm',
    });
    expect(network.properties.bastionImageId.type).toBe('string');
    expect(steps[0].input?.spec).toMatchObject({
      network: {
        bastionAccess: '${{ parameters.bastionAccess }}',
        bastionImageId: '${{ parameters.bastionImageId }}',
      },
    });
  });

  it("makes a valid request from the form's defaults and the required fields", () => {
    const parameters = {
      ...formDefaults(template),
      name: 'bpa-demo',
      owner: 'group:default/platform-team',
      accountId: '123456789012',
      adminCidr: '203.0.113.0/24',
      atlasProjectId: '5f1a2b3c4d5e6f7a8b9c0d1e',
    };
    const spec = parseEnvironmentSpec(render(steps[0].input?.spec, parameters));
    expect(spec.name).toBe('bpa-demo');
    expect(spec.ingress.certificate).toBe('self-signed');
  });

  it('gives every step that applies the plan the digest the plan step recorded', () => {
    const applying = steps.filter(
      s => 'planDigest' in (inputSchemaOf(s.action).properties ?? {}),
    );
    expect(applying.map(s => s.id)).toEqual([
      'network',
      'stacks',
      'mirror',
      'bootstrap',
      'database',
      'release',
    ]);
    for (const step of applying) {
      expect(step.input?.planDigest).toBe(
        '${{ steps.plan.output.planDigest }}',
      );
    }
  });

  it('takes the private key of a provided certificate from the Secret field, never from a parameter', () => {
    const bootstrap = steps.find(s => s.action === 'bpa:kubernetes:bootstrap')!;
    expect(bootstrap.input).toMatchObject({
      certificate: '${{ parameters.tlsCertificate }}',
      privateKeySecret: 'tlsPrivateKey',
    });
    expect(strings(steps).join('\n')).not.toContain('parameters.tlsPrivateKey');
    const ingress = template.spec.parameters.find(p => p.title === 'Ingress');
    expect(JSON.stringify(ingress)).toContain('"ui:field":"Secret"');
  });
});

describe('templates/bpa-environment/template.yaml, the mirror', () => {
  const template = loadTemplate('bpa-environment');
  const { steps } = template.spec;
  const release = template.spec.parameters.find(p => p.title === 'BPA release');

  it("takes the source registry's login from Secret fields, never from a parameter", () => {
    expect(steps.find(s => s.action === 'bpa:ecr:mirror')?.input).toEqual({
      spec: '${{ steps.plan.output.spec }}',
      planDigest: '${{ steps.plan.output.planDigest }}',
    });
    const fields = (release as any).properties;
    expect(fields.sourceRegistryUsername['ui:field']).toBe('Secret');
    expect(fields.sourceRegistryPassword['ui:field']).toBe('Secret');
    const text = strings(steps).join('\n');
    expect(text).not.toContain('parameters.sourceRegistryUsername');
    expect(text).not.toContain('parameters.sourceRegistryPassword');
  });

  it('installs the release from the chart the mirror put into ECR', () => {
    expect(
      steps.find(s => s.action === 'bpa:helm:release')?.input,
    ).toMatchObject({
      chart: '${{ steps.mirror.output.chart }}',
      chartVersion: '${{ steps.mirror.output.chartVersion }}',
    });
  });
});

describe('templates/bpa-environment-teardown/template.yaml', () => {
  const template = loadTemplate('bpa-environment-teardown');
  const { steps } = template.spec;
  const [page, dataPage] = template.spec.parameters as any[];

  it('asks for an environment System from the catalog, and its name typed again', () => {
    expect(page.required).toEqual(['environment', 'confirmation']);
    expect(page.properties.environment['ui:field']).toBe('EntityPicker');
    expect(page.properties.environment['ui:options'].catalogFilter.kind).toBe(
      'System',
    );
    expect(steps[0]).toMatchObject({
      action: 'bpa:environment:describe',
      input: {
        entityRef: '${{ parameters.environment }}',
        confirmation: '${{ parameters.confirmation }}',
      },
    });
  });

  it('loses no data by default: every option that would is off unless chosen', () => {
    expect(
      Object.fromEntries(
        Object.entries(dataPage.properties).map(([k, v]: [string, any]) => [
          k,
          v.default,
        ]),
      ),
    ).toEqual({
      liftDeletionProtection: false,
      terminateAtlasCluster: false,
      deleteImages: false,
    });
    expect(dataPage.properties.liftDeletionProtection.description).toContain(
      'final snapshot',
    );
  });

  it('checks the AWS teardown before anything is removed, and the request is read, never typed', () => {
    expect(steps.map(s => s.action)).toEqual([
      'bpa:environment:describe',
      'bpa:aws:teardown',
      'bpa:atlas:teardown',
      'bpa:aws:teardown',
      'bpa:catalog:register',
    ]);
    expect(steps.filter(s => s.if !== undefined)).toEqual([]);
    expect(steps[1].input).toMatchObject({ checkOnly: true });
    expect(steps[3].input?.checkOnly).toBeUndefined();
    expect(steps[1].input?.liftDeletionProtection).toBe(
      steps[3].input?.liftDeletionProtection,
    );
    expect(steps[4].input?.state).toBe('removed');
    for (const step of steps.slice(1)) {
      expect(step.input?.spec).toBe('${{ steps.describe.output.spec }}');
    }
  });
});
