import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { stackTemplate } from './index';
import { registryStackTemplate } from './registry';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const registry = stackTemplate(spec, 'registry');

const repositories = (template = registry) =>
  Object.entries(template.Resources).filter(
    ([, r]) => r.Type === 'AWS::ECR::Repository',
  );

describe('registry stack', () => {
  it('holds one repository per BPA image plus one for the chart', () => {
    expect(repositories().map(([, r]) => r.Properties!.RepositoryName)).toEqual(
      ['bpa/sase-service', 'bpa/bpa-chart'],
    );
  });

  it('makes repositories immutable, scanned on push and encrypted', () => {
    for (const [, repository] of repositories()) {
      expect(repository.Properties).toMatchObject({
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'AES256' },
      });
    }
  });

  it('deletes repositories with the stack only when they are empty', () => {
    for (const [, repository] of repositories()) {
      expect(repository.DeletionPolicy).toBe('Delete');
      expect(repository.Properties!.EmptyOnDelete).toBe(false);
    }
  });

  it('outputs each repository URI', () => {
    expect(registry.Outputs).toEqual({
      RepositoryBpaSaseServiceUri: {
        Description: 'URI of bpa/sase-service',
        Value: { 'Fn::GetAtt': ['RepositoryBpaSaseService', 'RepositoryUri'] },
      },
      RepositoryBpaBpaChartUri: {
        Description: 'URI of bpa/bpa-chart',
        Value: { 'Fn::GetAtt': ['RepositoryBpaBpaChart', 'RepositoryUri'] },
      },
    });
  });

  it('uses the requested prefix for every image', () => {
    const template = registryStackTemplate(
      parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        ecr: {
          repositoryPrefix: 'cisco/bpa',
          images: [
            { name: 'sase-service', tag: '4.0.3-522' },
            { name: 'kong', tag: '3.4' },
          ],
        },
      }),
    );
    expect(
      repositories(template).map(([, r]) => r.Properties!.RepositoryName),
    ).toEqual([
      'cisco/bpa/sase-service',
      'cisco/bpa/kong',
      'cisco/bpa/bpa-chart',
    ]);
  });

  it.each([
    [['sase-service', 'sase_service'], 'bpa/sase-service and bpa/sase_service'],
    [['bpa-chart'], 'bpa/bpa-chart and bpa/bpa-chart'],
  ])(
    'refuses images %j whose repositories would share a resource',
    (images, which) => {
      const clashing = {
        ...spec,
        ecr: { ...spec.ecr, images: images.map(name => ({ name, tag: '1' })) },
      };
      expect(() => registryStackTemplate(clashing)).toThrow(
        `ECR repositories ${which} would share the CloudFormation resource`,
      );
    },
  );
});
