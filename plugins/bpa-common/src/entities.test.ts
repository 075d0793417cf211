import fs from 'node:fs';
import path from 'node:path';
import {
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  Entity,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  stringifyEntityRef,
  systemEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { parseAllDocuments } from 'yaml';
import {
  BPA_COMPONENTS,
  componentsWithDataIn,
  environmentEntities,
  registeredEnvironmentEntities,
} from './entities';
import { REFERENCE_SPEC_INPUT } from './reference';
import { ENVIRONMENT_NAME_LENGTH } from './specChecks';
import { parseEnvironmentSpec } from './validate';

const referenceSpec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const entities = environmentEntities(referenceSpec);

const ofKind = (kind: string) => entities.filter(e => e.kind === kind);
const byName = (name: string) => {
  const entity = entities.find(e => e.metadata.name === name);
  if (!entity) throw new Error(`no entity named ${name}`);
  return entity;
};
const dependsOn = (entity: Entity) =>
  (entity.spec?.dependsOn ?? []) as string[];

/** Every string anywhere in a value, with the key it sits under. */
function strings(value: unknown, key = ''): Array<[string, string]> {
  if (typeof value === 'string') return [[key, value]];
  if (Array.isArray(value)) return value.flatMap(v => strings(v, key));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ['(key)', k] as [string, string],
      ...strings(v, k),
    ]);
  }
  return [];
}

describe('environmentEntities', () => {
  it('gives one System, six Resources and a Component per BPA service', () => {
    expect(ofKind('System').map(e => e.metadata.name)).toEqual(['bpa-demo']);
    expect(
      Object.fromEntries(
        ofKind('Resource').map(e => [e.metadata.name, e.spec?.type]),
      ),
    ).toEqual({
      'bpa-demo-vpc': 'network',
      'bpa-demo-eks': 'kubernetes-cluster',
      'bpa-demo-postgres': 'database',
      'bpa-demo-mongo': 'database',
      'bpa-demo-ecr': 'container-registry',
      'bpa-demo-alb': 'load-balancer',
    });
    expect(ofKind('Component')).toHaveLength(BPA_COMPONENTS.length);
    expect(entities).toHaveLength(1 + 6 + BPA_COMPONENTS.length);
  });

  it('passes the catalog’s own validation', async () => {
    const policy = EntityPolicies.allOf([
      new DefaultNamespaceEntityPolicy(),
      new NoForeignRootFieldsEntityPolicy(),
      new FieldFormatEntityPolicy(),
      new SchemaValidEntityPolicy(),
    ]);
    const validators = {
      System: systemEntityV1alpha1Validator,
      Resource: resourceEntityV1alpha1Validator,
      Component: componentEntityV1alpha1Validator,
    } as const;
    for (const entity of entities) {
      await expect(policy.enforce(entity)).resolves.toBeDefined();
      const validator = validators[entity.kind as keyof typeof validators];
      await expect(validator.check(entity)).resolves.toBe(true);
    }
  });

  it('gives every entity a unique name prefixed by the environment', () => {
    const names = entities.map(e => e.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^bpa-demo(-[a-z0-9-]+)?$/);
      expect(name.length).toBeLessThanOrEqual(63);
    }
  });

  it('stays within catalog name limits for the longest environment name', async () => {
    const longest = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      name: `bpa-${'x'.repeat(ENVIRONMENT_NAME_LENGTH.max - 4)}`,
    });
    const policy = new FieldFormatEntityPolicy();
    for (const entity of environmentEntities(longest)) {
      await expect(policy.enforce(entity)).resolves.toBeDefined();
    }
  });

  it('puts every Resource and Component in the environment System, owned by the requester', () => {
    for (const entity of [...ofKind('Resource'), ...ofKind('Component')]) {
      expect(entity.spec).toMatchObject({
        system: 'bpa-demo',
        owner: 'group:default/platform-team',
      });
      expect(entity.metadata.annotations).toMatchObject({
        'bpa.cisco.com/environment': 'bpa-demo',
        'bpa.cisco.com/role': expect.any(String),
      });
    }
    expect(byName('bpa-demo').metadata.annotations).toEqual({
      'bpa.cisco.com/environment': 'bpa-demo',
      'bpa.cisco.com/aws-region': 'us-east-1',
      'bpa.cisco.com/aws-account': '123456789012',
    });
  });

  it('points every dependsOn at an entity of the same environment', () => {
    const refs = new Set(entities.map(e => stringifyEntityRef(e)));
    for (const entity of entities) {
      for (const target of dependsOn(entity)) {
        expect(refs).toContain(stringifyEntityRef(parseEntityRef(target)));
      }
    }
  });

  it('makes every Component depend on the cluster and its own data stores', () => {
    for (const component of ofKind('Component')) {
      expect(dependsOn(component)).toContain('resource:bpa-demo-eks');
    }
    expect(dependsOn(byName('bpa-demo-workflow-engine'))).toContain(
      'resource:bpa-demo-postgres',
    );
    expect(dependsOn(byName('bpa-demo-auth-service'))).toContain(
      'resource:bpa-demo-postgres',
    );
    expect(dependsOn(byName('bpa-demo-core-services'))).toContain(
      'resource:bpa-demo-mongo',
    );
    expect(dependsOn(byName('bpa-demo-kafka'))).toContain(
      'component:bpa-demo-zookeeper',
    );
  });

  it('lets the Kubernetes plugin find each Component’s workloads in the environment’s cluster', () => {
    expect(
      byName('bpa-demo-workflow-engine').metadata.annotations,
    ).toMatchObject({
      'backstage.io/kubernetes-id': 'workflow-engine',
      'backstage.io/kubernetes-namespace': 'bpa-ns',
      'backstage.io/kubernetes-cluster': 'bpa-demo-eks',
    });
  });

  it('describes the EKS cluster for the Kubernetes plugin, with the endpoint once known', () => {
    const planned = byName('bpa-demo-eks').metadata.annotations;
    expect(planned).toMatchObject({
      'kubernetes.io/auth-provider': 'aws',
      'kubernetes.io/x-k8s-aws-id': 'bpa-demo-eks',
    });
    expect(planned).not.toHaveProperty('kubernetes.io/api-server');

    const applied = environmentEntities(referenceSpec, {
      cluster: {
        apiServerUrl: 'https://0123ABCD.gr7.us-east-1.eks.amazonaws.com',
        certificateAuthorityData: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
      },
    }).find(e => e.metadata.name === 'bpa-demo-eks');
    expect(applied?.metadata.annotations).toMatchObject({
      'kubernetes.io/api-server':
        'https://0123ABCD.gr7.us-east-1.eks.amazonaws.com',
      'kubernetes.io/api-server-certificate-authority':
        'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
      'kubernetes.io/auth-provider': 'aws',
    });
  });

  it('links the portal when the environment has a hostname', () => {
    const withHost = environmentEntities(
      parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        ingress: { hostname: 'bpa.example.com' },
      }),
    );
    const system = withHost.find(e => e.kind === 'System');
    expect(system?.metadata.links).toEqual([
      { url: 'https://bpa.example.com', title: 'BPA portal' },
    ]);
    expect(byName('bpa-demo').metadata.links).toBeUndefined();
  });

  it('keeps several environments apart', () => {
    const other = environmentEntities(
      parseEnvironmentSpec({ ...REFERENCE_SPEC_INPUT, name: 'bpa-staging' }),
    );
    const names = new Set(entities.map(e => e.metadata.name));
    expect(other.filter(e => names.has(e.metadata.name))).toEqual([]);
  });

  it('never carries secrets nor the Helm values', () => {
    // Validation already refuses credentials in a request; the entities must
    // not rely on it, so the spec is built past it.
    const spec = {
      ...referenceSpec,
      bpa: {
        ...referenceSpec.bpa,
        values: {
          adminPassword: 'Hunter2-never-here',
          global: { apiToken: 'tok-never-here', site: 'lab-never-here' },
        },
      },
    };
    const rendered = environmentEntities(spec);
    const text = JSON.stringify(rendered);
    expect(text).not.toContain('never-here');
    expect(text).not.toContain('adminPassword');
    for (const [key, value] of strings(rendered)) {
      expect(`${key}=${value}`).not.toMatch(
        /password|passwd|secret|token|private key/i,
      );
    }
  });

  it('is deterministic', () => {
    expect(JSON.stringify(environmentEntities(referenceSpec))).toBe(
      JSON.stringify(entities),
    );
  });

  it("gives the cluster's Kubernetes tab every BPA pod of the release namespace, in its own cluster", () => {
    expect(byName('bpa-demo-eks').metadata.annotations).toMatchObject({
      'backstage.io/kubernetes-label-selector': 'backstage.io/kubernetes-id',
      'backstage.io/kubernetes-namespace': 'bpa-ns',
      'backstage.io/kubernetes-cluster': 'bpa-demo-eks',
      'kubernetes.io/auth-provider': 'aws',
      'kubernetes.io/x-k8s-aws-id': 'bpa-demo-eks',
    });
  });

  it('knows which components keep their data in which node directories', () => {
    expect(
      referenceSpec.cluster.nodes.map(node =>
        componentsWithDataIn(node.dataDirectories),
      ),
    ).toEqual([
      ['zookeeper', 'kafka'],
      ['zookeeper', 'kafka'],
      ['zookeeper', 'kafka'],
      ['elk', 'prometheus', 'grafana'],
    ]);
    expect(componentsWithDataIn(['scratch', 'kafka-logs'])).toEqual([]);
  });

  it('matches examples/bpa-demo-environment.yaml, which the catalog loads: a planned environment with its request', () => {
    const file = path.resolve(
      __dirname,
      '../../../examples/bpa-demo-environment.yaml',
    );
    const documents = parseAllDocuments(fs.readFileSync(file, 'utf8')).map(
      document => document.toJS(),
    );
    expect(documents).toEqual(
      registeredEnvironmentEntities(referenceSpec, 'planned'),
    );
  });
});
