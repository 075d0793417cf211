import {
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { parse } from 'yaml';
import {
  environmentTags,
  nodeEcrPullPolicy,
  renderIamPolicies,
  renderStackTemplates,
  stackTemplate,
} from './index';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);

/** Every `Fn::ImportValue` name below a value. */
function importsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(importsOf);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) =>
    k === 'Fn::ImportValue' ? [v as string] : importsOf(v),
  );
}

describe('renderStackTemplates', () => {
  const artifacts = renderStackTemplates(spec);

  it('renders one CloudFormation artifact per stack, in deployment order', () => {
    expect(artifacts.map(a => [a.path, a.kind])).toEqual([
      ['cloudformation/network.yaml', 'cloudformation'],
      ['cloudformation/cluster.yaml', 'cloudformation'],
      ['cloudformation/data.yaml', 'cloudformation'],
      ['cloudformation/registry.yaml', 'cloudformation'],
      ['cloudformation/edge.yaml', 'cloudformation'],
    ]);
    for (const artifact of artifacts) {
      expect(artifact.description).toMatch(/^Stack bpa-demo-\w+: /);
    }
  });

  it.each(STACK_KINDS)(
    'writes the %s stack as YAML that YAML 1.2 and 1.1 parsers read back identically',
    kind => {
      const { content } = artifacts.find(
        a => a.path === `cloudformation/${kind}.yaml`,
      )!;
      const expected = JSON.parse(JSON.stringify(stackTemplate(spec, kind)));
      expect(parse(content)).toEqual(expected);
      expect(parse(content, { version: '1.1' })).toEqual(expected);
      // Long form only: no `!Ref`-style tags, no anchors or aliases.
      expect(content).not.toMatch(/(^|[\s:-])![A-Za-z]/m);
      expect(content).not.toMatch(/(^|[\s:-])[&*][A-Za-z0-9]/m);
      expect(
        content.startsWith('AWSTemplateFormatVersion: "2010-09-09"\n'),
      ).toBe(true);
    },
  );

  it('gives the same bytes for the same request', () => {
    expect(
      renderStackTemplates(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ).toEqual(artifacts);
    expect(renderIamPolicies(spec)).toEqual(renderIamPolicies(spec));
  });

  it('does not depend on the order of the request tags', () => {
    const a = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      tags: { b: '2', a: '1' },
    });
    const b = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      tags: { a: '1', b: '2' },
    });
    expect(renderStackTemplates(a)).toEqual(renderStackTemplates(b));
  });

  it('wires stacks only through exports of a stack deployed earlier', () => {
    const exported = new Map<string, number>();
    STACK_KINDS.forEach((kind, order) => {
      const template = stackTemplate(spec, kind);
      for (const name of importsOf(template)) {
        expect(exported.get(name)).toBeLessThan(order);
      }
      for (const output of Object.values(template.Outputs ?? {})) {
        if (output.Export) exported.set(output.Export.Name, order);
      }
    });
    expect(importsOf(stackTemplate(spec, 'edge'))).toContain(
      'bpa-demo-network:PublicSubnetIds',
    );
  });

  it('asks only for the portal principal and the certificate, never a secret', () => {
    const parameters = Object.fromEntries(
      STACK_KINDS.map(kind => [
        kind,
        Object.keys(stackTemplate(spec, kind).Parameters ?? {}),
      ]),
    );
    expect(parameters).toEqual({
      network: ['BastionImageId'],
      cluster: ['PortalPrincipalArn'],
      data: [],
      registry: [],
      edge: ['CertificateArn'],
    });
  });
});

describe('environmentTags', () => {
  it('puts the environment and owner first, then the request tags by key', () => {
    const tagged = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      tags: { 'cost-center': 'cc-42', application: 'bpa' },
    });
    expect(Object.entries(environmentTags(tagged))).toEqual([
      ['bpa:environment', 'bpa-demo'],
      ['bpa:owner', 'group:default/platform-team'],
      ['application', 'bpa'],
      ['cost-center', 'cc-42'],
    ]);
  });

  it('keeps the environment tags when a request tag has the same key', () => {
    const overriding = { ...spec, tags: { 'bpa:owner': 'someone-else' } };
    expect(environmentTags(overriding)['bpa:owner']).toBe(
      'group:default/platform-team',
    );
  });
});

describe('node ECR pull policy', () => {
  const policy = nodeEcrPullPolicy(spec);

  it("lets nodes pull, not push, the environment's repositories", () => {
    expect(policy.Statement[0]).toEqual({
      Sid: 'PullEnvironmentImages',
      Effect: 'Allow',
      Action: [
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'ecr:BatchCheckLayerAvailability',
      ],
      Resource: [
        'arn:aws:ecr:us-east-1:123456789012:repository/bpa/sase-service',
        'arn:aws:ecr:us-east-1:123456789012:repository/bpa/bpa-chart',
      ],
    });
    expect(JSON.stringify(policy)).not.toMatch(
      /Put|Upload|Delete|\*Image|ecr:\*/,
    );
  });

  it('gets the registry token from anywhere, as IAM cannot scope it', () => {
    expect(policy.Statement).toContainEqual({
      Sid: 'GetRegistryToken',
      Effect: 'Allow',
      Action: 'ecr:GetAuthorizationToken',
      Resource: '*',
    });
  });

  it("allows EKS's own add-on images, in the environment's region only", () => {
    const addons = policy.Statement.find(s => s.Sid === 'PullEksAddonImages')!;
    expect(addons.Resource).toContain(
      'arn:aws:ecr:us-east-1:*:repository/eks/*',
    );
    expect(addons.Resource).toContain(
      'arn:aws:ecr:us-east-1:*:repository/amazon-k8s-cni',
    );
  });

  it('uses the partition of the region', () => {
    const china = { ...spec, aws: { ...spec.aws, region: 'cn-north-1' } };
    expect(nodeEcrPullPolicy(china).Statement[0].Resource[0]).toBe(
      'arn:aws-cn:ecr:cn-north-1:123456789012:repository/bpa/sase-service',
    );
  });

  it('is rendered for review as the same document the cluster stack embeds', () => {
    const [artifact] = renderIamPolicies(spec);
    expect(artifact).toMatchObject({
      path: 'iam/node-ecr-pull-policy.json',
      kind: 'iam-policy',
    });
    expect(JSON.parse(artifact.content)).toEqual(policy);
    expect(
      stackTemplate(spec, 'cluster').Resources.NodeRole.Properties!.Policies,
    ).toContainEqual({ PolicyName: 'ecr-pull', PolicyDocument: policy });
  });
});
