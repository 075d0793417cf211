import { parse } from 'yaml';
import {
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { mergeHelmValues, renderHelmValues } from './helmValues';

const valuesOf = (input: object) =>
  parse(
    renderHelmValues(
      parseEnvironmentSpec({ ...REFERENCE_SPEC_INPUT, ...input }),
    ).content,
  );

describe('renderHelmValues', () => {
  const reference = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
  const artifact = renderHelmValues(reference);
  const values = parse(artifact.content);

  it('is the values file of the release', () => {
    expect(artifact).toMatchObject({
      path: 'helm/values.yaml',
      kind: 'helm-values',
    });
  });

  it('creates the ingress controller with the environment certificate as its default', () => {
    expect(values.ingress_controller.create).toBe(true);
    expect(values.ingress_controller.extraArgs).toContain(
      '--default-ssl-certificate=bpa-ns/bpa-certificate-ingress',
    );
  });

  it('pulls images from the environment registry and pins pods to BPA nodes', () => {
    expect(artifact.content).toContain(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa',
    );
    expect(artifact.content).toContain('bpa-environment');
    expect(Object.values(values.global.nodeSelectors)).toEqual([
      { name: 'node-1' },
      { name: 'node-2' },
      { name: 'node-3' },
      { name: 'node-4' },
    ]);
  });

  it('points each BPA image at its repository in the environment ECR, where bpa:ecr:mirror copies it', () => {
    const two = valuesOf({
      ecr: {
        repositoryPrefix: 'bpa-lab',
        images: [
          { name: 'sase-service', tag: '4.0.3-522' },
          { name: 'workflow-engine', tag: '4.0.3-17' },
        ],
      },
    });
    expect(two.global.images).toEqual({
      'sase-service': {
        repository:
          '123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa-lab/sase-service',
        tag: '4.0.3-522',
      },
      'workflow-engine': {
        repository:
          '123456789012.dkr.ecr.us-east-1.amazonaws.com/bpa-lab/workflow-engine',
        tag: '4.0.3-17',
      },
    });
  });

  it('follows the namespace in the certificate argument', () => {
    const other = valuesOf({ bpa: { namespace: 'bpa-lab' } });
    expect(other.ingress_controller.extraArgs).toEqual([
      '--default-ssl-certificate=bpa-lab/bpa-certificate-ingress',
    ]);
  });

  it('merges the request values last: they win, the rest stays', () => {
    const merged = valuesOf({
      bpa: {
        values: {
          ingress_controller: {
            replicas: 2,
            extraArgs: ['--enable-ssl-passthrough'],
          },
          global: { imageRegistry: 'registry.example.com/bpa', hostname: null },
          kafka: { persistence: { size: '200Gi' } },
        },
      },
    });
    expect(merged.ingress_controller).toEqual({
      create: true,
      replicas: 2,
      // Lists are replaced, as Helm does.
      extraArgs: ['--enable-ssl-passthrough'],
    });
    expect(merged.global.imageRegistry).toBe('registry.example.com/bpa');
    expect(merged.global.environmentSecret).toBe('bpa-environment');
    expect(merged.global.nodeSelectors['node-4']).toEqual({ name: 'node-4' });
    expect(merged.kafka).toEqual({ persistence: { size: '200Gi' } });
  });

  it('removes a value the request sets to null, as Helm does', () => {
    expect(mergeHelmValues({ a: { b: 1, c: 2 } }, { a: { b: null } })).toEqual({
      a: { c: 2 },
    });
  });

  it('keeps a "__proto__" key of the request as plain data', () => {
    const merged = mergeHelmValues(
      { a: 1 },
      JSON.parse('{"__proto__": {"polluted": true}}'),
    );
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged)).toEqual(['a', '__proto__']);
  });

  it('is the same bytes for the same request', () => {
    expect(
      renderHelmValues(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
    ).toEqual(artifact);
  });
});
