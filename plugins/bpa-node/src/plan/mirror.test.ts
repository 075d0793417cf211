import {
  EnvironmentSpecInput,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
} from '@internal/backstage-plugin-bpa-common';
import { mirrorPlan, parseMirrorPlan, renderMirrorPlan } from './mirror';
import { renderPlan } from './renderPlan';

const specWith = (ecr: object = {}, bpa: object = {}) =>
  parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    ecr: {
      images: [
        { name: 'sase-service', tag: '4.0.3-522' },
        { name: 'workflow-engine', tag: '4.0.3-17' },
      ],
      ...ecr,
    },
    bpa: { ...REFERENCE_SPEC_INPUT.bpa, ...bpa },
  } as EnvironmentSpecInput);

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

describe('mirrorPlan', () => {
  it("copies every image and the chart from Cisco's registry by default, into one repository each", () => {
    expect(mirrorPlan(specWith())).toEqual({
      registry: ECR,
      multiArch: 'all',
      copies: [
        {
          kind: 'image',
          name: 'sase-service',
          tag: '4.0.3-522',
          source: 'docker://containers.cisco.com/bpa/sase-service:4.0.3-522',
          target: 'bpa/sase-service:4.0.3-522',
        },
        {
          kind: 'image',
          name: 'workflow-engine',
          tag: '4.0.3-17',
          source: 'docker://containers.cisco.com/bpa/workflow-engine:4.0.3-17',
          target: 'bpa/workflow-engine:4.0.3-17',
        },
        {
          kind: 'chart',
          name: 'bpa-chart',
          tag: '4.0.3-6',
          source: 'oci://containers.cisco.com/bpa/bpa-chart:4.0.3-6',
          target: 'bpa/bpa-chart:4.0.3-6',
        },
      ],
    });
  });

  it("takes the request's source registry and repository prefix", () => {
    const plan = mirrorPlan(
      specWith({
        sourceRegistry: 'registry.example.com:8443/mirror/bpa',
        repositoryPrefix: 'bpa-lab',
      }),
    );
    expect(plan.copies.map(c => [c.source, c.target])).toEqual([
      [
        'docker://registry.example.com:8443/mirror/bpa/sase-service:4.0.3-522',
        'bpa-lab/sase-service:4.0.3-522',
      ],
      [
        'docker://registry.example.com:8443/mirror/bpa/workflow-engine:4.0.3-17',
        'bpa-lab/workflow-engine:4.0.3-17',
      ],
      [
        'oci://registry.example.com:8443/mirror/bpa/bpa-chart:4.0.3-6',
        'bpa-lab/bpa-chart:4.0.3-6',
      ],
    ]);
  });

  it("reads the package's archives from S3 or the workspace instead", () => {
    expect(
      mirrorPlan(
        specWith({ archives: 's3://bpa-packages/4.0.3-6/' }),
      ).copies.map(c => c.source),
    ).toEqual([
      's3://bpa-packages/4.0.3-6/sase-service_4.0.3-522.tar',
      's3://bpa-packages/4.0.3-6/workflow-engine_4.0.3-17.tar',
      's3://bpa-packages/4.0.3-6/bpa-chart-4.0.3-6.tgz',
    ]);
    expect(
      mirrorPlan(specWith({ archives: 'bpa-package' })).copies.map(
        c => c.source,
      ),
    ).toEqual([
      'bpa-package/sase-service_4.0.3-522.tar',
      'bpa-package/workflow-engine_4.0.3-17.tar',
      'bpa-package/bpa-chart-4.0.3-6.tgz',
    ]);
  });

  it("copies the chart from the request's bpa.chart when given, tagged as Helm tags versions", () => {
    const chartOf = (bpa: object) =>
      mirrorPlan(specWith({}, bpa)).copies.find(c => c.kind === 'chart');
    expect(
      chartOf({
        chart: 'oci://ghcr.io/example/charts/bpa',
        version: '4.0.3-6+b7',
      }),
    ).toEqual({
      kind: 'chart',
      name: 'bpa-chart',
      tag: '4.0.3-6_b7',
      source: 'oci://ghcr.io/example/charts/bpa:4.0.3-6_b7',
      target: 'bpa/bpa-chart:4.0.3-6_b7',
    });
    expect(chartOf({ chart: 'charts/bpa-4.0.3-6.tgz' })?.source).toBe(
      'charts/bpa-4.0.3-6.tgz',
    );
    expect(
      chartOf({ chart: 'https://charts.example.com/bpa-4.0.3-6.tgz' })?.source,
    ).toBe('https://charts.example.com/bpa-4.0.3-6.tgz');
  });

  it('is a plan file the mirror reads back as it was rendered', () => {
    const spec = specWith();
    const artifact = renderMirrorPlan(spec);
    expect(artifact).toMatchObject({
      path: 'ecr/mirror.yaml',
      kind: 'image-mirror',
    });
    expect(artifact.content).toMatch(
      /^# Images and chart bpa:ecr:mirror copies/,
    );
    expect(parseMirrorPlan(artifact.content)).toEqual(mirrorPlan(spec));
    expect(renderPlan(spec).artifacts.map(a => a.path)).toContain(
      'ecr/mirror.yaml',
    );
    expect(() => parseMirrorPlan('registry: x\ncopies: 3\n')).toThrow(
      'ecr/mirror.yaml is not a mirror list: multiArch: Invalid literal value, expected "all"; copies: Expected array, received number',
    );
  });
});

describe('the plan summary', () => {
  it('lists each image and the chart with its source and target', () => {
    const { summary } = renderPlan(specWith());
    expect(summary).toContain(
      '| image `sase-service` | `docker://containers.cisco.com/bpa/sase-service:4.0.3-522` | `bpa/sase-service:4.0.3-522` |',
    );
    expect(summary).toContain(
      '| image `workflow-engine` | `docker://containers.cisco.com/bpa/workflow-engine:4.0.3-17` | `bpa/workflow-engine:4.0.3-17` |',
    );
    expect(summary).toContain(
      '| chart `bpa-chart` | `oci://containers.cisco.com/bpa/bpa-chart:4.0.3-6` | `bpa/bpa-chart:4.0.3-6` |',
    );
    expect(summary).toContain('every platform of a multi-arch image');
    expect(summary).toContain(
      "come from the registry `containers.cisco.com/bpa`; its credentials are the task's secret fields",
    );
    expect(summary).toContain(
      `BPA 4.0.3-6 from \`oci://${ECR}/bpa/bpa-chart\``,
    );
    expect(
      renderPlan(specWith({ archives: 's3://bpa-packages/4.0.3-6' })).summary,
    ).toContain(
      "come from the BPA package's archives in `s3://bpa-packages/4.0.3-6`",
    );
  });
});
