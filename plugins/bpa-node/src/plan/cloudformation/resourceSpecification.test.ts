import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import {
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { parse } from 'yaml';
import { CfnTemplate, CfnValue } from './common';
import { renderStackTemplates, stackTemplate } from './index';

/*
 * Checks the generated templates against AWS's own CloudFormation resource
 * specification (the database the AWS CDK is generated from): resource types,
 * properties at every nesting level, required properties, GetAtt attributes,
 * and that every taggable resource carries the environment tags.
 */

type SpecDatabase = ReturnType<typeof loadAwsServiceSpecSync>;

/** The parts of the specification's type model the checker reads. */
interface SpecType {
  type: string;
  element?: SpecType;
  types?: SpecType[];
  reference?: { $ref: string };
}
interface SpecProperty {
  required?: boolean;
  type: SpecType;
}

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'DeletionPolicy',
  'UpdateReplacePolicy',
]);

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkValue(
  db: SpecDatabase,
  value: unknown,
  type: SpecType,
  path: string,
): string[] {
  // An intrinsic's value is only known at deploy time.
  if (isIntrinsic(value)) return [];
  switch (type.type) {
    case 'ref': {
      if (!isObject(value)) return [`${path}: expected an object`];
      const definition = db.get('typeDefinition', type.reference!.$ref);
      return checkProperties(
        db,
        value,
        definition.properties as Record<string, SpecProperty>,
        path,
      );
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: expected a list`];
      return value.flatMap((v, i) =>
        checkValue(db, v, type.element!, `${path}[${i}]`),
      );
    case 'map':
      if (!isObject(value)) return [`${path}: expected a map`];
      return Object.entries(value).flatMap(([k, v]) =>
        checkValue(db, v, type.element!, `${path}.${k}`),
      );
    case 'union': {
      const attempts = type.types!.map(t => checkValue(db, value, t, path));
      return attempts.some(a => a.length === 0) ? [] : attempts[0];
    }
    case 'tag':
      return isObject(value) && Object.keys(value).sort().join() === 'Key,Value'
        ? []
        : [`${path}: expected a {Key, Value} tag`];
    case 'string':
      return ['string', 'number'].includes(typeof value)
        ? []
        : [`${path}: expected a string`];
    case 'integer':
    case 'number':
      return typeof value === 'number' ||
        (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value))
        ? []
        : [`${path}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    default:
      return [];
  }
}

function checkProperties(
  db: SpecDatabase,
  value: Record<string, unknown>,
  properties: Record<string, SpecProperty>,
  path: string,
): string[] {
  const unknown = Object.keys(value)
    .filter(k => !(k in properties))
    .map(k => `${path}.${k}: no such property`);
  const missing = Object.entries(properties)
    .filter(([k, p]) => p.required && !(k in value))
    .map(([k]) => `${path}.${k}: required property missing`);
  const nested = Object.entries(value)
    .filter(([k]) => k in properties)
    .flatMap(([k, v]) => checkValue(db, v, properties[k].type, `${path}.${k}`));
  return [...unknown, ...missing, ...nested];
}

/** Every `{Ref}` and `{Fn::GetAtt}` below a value. */
function references(
  value: unknown,
): { ref?: string; getAtt?: [string, string] }[] {
  if (Array.isArray(value)) return value.flatMap(references);
  if (!isObject(value)) return [];
  const own: { ref?: string; getAtt?: [string, string] }[] = [];
  if (typeof value.Ref === 'string') own.push({ ref: value.Ref });
  if (Array.isArray(value['Fn::GetAtt'])) {
    own.push({ getAtt: value['Fn::GetAtt'] as [string, string] });
  }
  return [...own, ...Object.values(value).flatMap(references)];
}

/** Problems of a template against the specification; empty when it conforms. */
function checkTemplate(db: SpecDatabase, template: CfnTemplate): string[] {
  const resources = template.Resources;
  const parameters = template.Parameters ?? {};
  const problems: string[] = [];
  const specOf = (type: string) =>
    db.lookup('resource', 'cloudFormationType', 'equals', type)[0];

  for (const [id, resource] of Object.entries(resources)) {
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key))
        problems.push(`${id}: unknown attribute ${key}`);
    }
    for (const dependency of resource.DependsOn ?? []) {
      if (!resources[dependency])
        problems.push(`${id}: depends on missing ${dependency}`);
    }
    const spec = specOf(resource.Type);
    if (!spec) {
      problems.push(`${id}: unknown resource type ${resource.Type}`);
      continue;
    }
    problems.push(
      ...checkProperties(
        db,
        resource.Properties ?? {},
        spec.properties as Record<string, SpecProperty>,
        id,
      ),
    );
  }

  for (const [id, value] of Object.entries({
    ...resources,
    ...template.Outputs,
  })) {
    for (const reference of references(value)) {
      if (
        reference.ref &&
        !resources[reference.ref] &&
        !parameters[reference.ref] &&
        !PSEUDO_PARAMETERS.has(reference.ref)
      ) {
        problems.push(`${id}: Ref to missing ${reference.ref}`);
      }
      if (reference.getAtt) {
        const [target, attribute] = reference.getAtt;
        const targetSpec = resources[target] && specOf(resources[target].Type);
        if (!targetSpec) {
          problems.push(`${id}: GetAtt on missing ${target}`);
        } else if (!(attribute in targetSpec.attributes)) {
          problems.push(
            `${id}: ${resources[target].Type} has no attribute ${attribute}`,
          );
        }
      }
    }
  }
  return problems;
}

/**
 * Types this specification calls taggable but CloudFormation's registry
 * schema (what cfn-lint and CloudFormation validate against) gives no tags:
 * the templates emit only what both accept (cfnLint.test.ts).
 */
const UNTAGGABLE_IN_REGISTRY = new Set([
  'AWS::ElasticLoadBalancingV2::Listener',
]);

/** Resources whose type is taggable but that lack the environment and owner tags. */
function untaggedResources(
  db: SpecDatabase,
  template: CfnTemplate,
  spec: EnvironmentSpec,
): string[] {
  return Object.entries(template.Resources).flatMap(([id, resource]) => {
    if (UNTAGGABLE_IN_REGISTRY.has(resource.Type)) return [];
    const info = db.lookup(
      'resource',
      'cloudFormationType',
      'equals',
      resource.Type,
    )[0]?.tagInformation;
    if (!info) return [];
    const tags = resource.Properties?.[info.tagPropertyName] as CfnValue;
    const values: Record<string, unknown> = Array.isArray(tags)
      ? Object.fromEntries(
          (tags as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]),
        )
      : ((tags ?? {}) as Record<string, unknown>);
    return values['bpa:environment'] === spec.name &&
      values['bpa:owner'] === spec.owner
      ? []
      : [id];
  });
}

const clone = (template: CfnTemplate): CfnTemplate =>
  JSON.parse(JSON.stringify(template));

describe('stack templates against the AWS resource specification', () => {
  let db: SpecDatabase;
  const reference = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
  const withoutBastion = parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    network: { ...REFERENCE_SPEC_INPUT.network, bastion: false },
  });

  beforeAll(() => {
    db = loadAwsServiceSpecSync();
  });

  it.each(STACK_KINDS)(
    'the %s stack uses only existing types, properties and attributes, with every required property',
    kind => {
      expect(checkTemplate(db, stackTemplate(reference, kind))).toEqual([]);
      expect(checkTemplate(db, stackTemplate(withoutBastion, kind))).toEqual(
        [],
      );
    },
  );

  it('checks the rendered YAML the same way', () => {
    for (const artifact of renderStackTemplates(reference)) {
      expect(checkTemplate(db, parse(artifact.content))).toEqual([]);
    }
  });

  it.each(STACK_KINDS)('tags every taggable resource of the %s stack', kind => {
    const spec = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      tags: { 'cost-center': 'cc-42' },
    });
    expect(untaggedResources(db, stackTemplate(spec, kind), spec)).toEqual([]);
  });

  describe('the checker itself', () => {
    const cluster = () => clone(stackTemplate(reference, 'cluster'));

    it('reports an unknown property', () => {
      const template = cluster();
      template.Resources.Cluster.Properties!.KubernetesVersion = '1.33';
      expect(checkTemplate(db, template)).toEqual([
        'Cluster.KubernetesVersion: no such property',
      ]);
    });

    it('reports an unknown nested property, a missing required one and a wrong type', () => {
      const template = cluster();
      const data = template.Resources.Node1LaunchTemplate.Properties!
        .LaunchTemplateData as Record<string, CfnValue>;
      data.MetadataOptions = { HttpTokens: 'required', HttpV2: true };
      data.BlockDeviceMappings = [{ Ebs: { VolumeSize: 'big' } }];
      expect(checkTemplate(db, template)).toEqual(
        expect.arrayContaining([
          'Node1LaunchTemplate.LaunchTemplateData.MetadataOptions.HttpV2: no such property',
          'Node1LaunchTemplate.LaunchTemplateData.BlockDeviceMappings[0].Ebs.VolumeSize: expected a number',
        ]),
      );
      const policies = template.Resources.PortalAccessEntry.Properties!
        .AccessPolicies as Record<string, CfnValue>[];
      delete policies[0].AccessScope;
      expect(checkTemplate(db, template)).toContain(
        'PortalAccessEntry.AccessPolicies[0].AccessScope: required property missing',
      );
    });

    it('reports a missing required property, an unknown type and a wrong attribute', () => {
      const template = cluster();
      delete template.Resources.Cluster.Properties!.RoleArn;
      template.Resources.Extra = { Type: 'AWS::EKS::Clusterr', Properties: {} };
      template.Outputs!.ClusterEndpoint.Value = {
        'Fn::GetAtt': ['Cluster', 'ApiEndpoint'],
      };
      expect(checkTemplate(db, template)).toEqual([
        'Cluster.RoleArn: required property missing',
        'Extra: unknown resource type AWS::EKS::Clusterr',
        'ClusterEndpoint: AWS::EKS::Cluster has no attribute ApiEndpoint',
      ]);
    });

    it('reports a dangling reference and a missing tag', () => {
      const template = cluster();
      template.Resources.VpcCniAddon.Properties!.ClusterName = {
        Ref: 'Clusterr',
      };
      template.Resources.VpcCniAddon.Properties!.Tags = [];
      expect(checkTemplate(db, template)).toEqual([
        'VpcCniAddon: Ref to missing Clusterr',
      ]);
      expect(untaggedResources(db, template, reference)).toEqual([
        'VpcCniAddon',
      ]);
    });
  });
});
