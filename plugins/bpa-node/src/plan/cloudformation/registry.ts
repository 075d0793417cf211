import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnOutput,
  CfnResource,
  CfnTemplate,
  cfnTags,
  getAtt,
  logicalId,
} from './common';

/** The chart's repository, beside the images (`<prefix>/bpa-chart`). */
export const CHART_REPOSITORY = 'bpa-chart';

/** Every ECR repository of the environment: one per image, then the chart's. */
export function environmentRepositories(spec: EnvironmentSpec): string[] {
  const names = resourceNames(spec);
  return [
    ...spec.ecr.images.map(image => names.ecrRepository(image.name)),
    names.ecrRepository(CHART_REPOSITORY),
  ];
}

function repositoryLogicalIds(repositories: string[]): string[] {
  const ids = repositories.map(r => logicalId('Repository', r));
  const clash = ids.find((id, i) => ids.indexOf(id) !== i);
  if (clash) {
    throw new Error(
      `ECR repositories ${repositories
        .filter((_, i) => ids[i] === clash)
        .join(
          ' and ',
        )} would share the CloudFormation resource ${clash}; rename one image`,
    );
  }
  return ids;
}

/**
 * The registry stack. Repositories are immutable (BPA tags are versions),
 * scanned on push and encrypted. They are deleted with the stack, but
 * `EmptyOnDelete: false` makes CloudFormation refuse to delete one that still
 * holds images: teardown removes images only when asked to.
 */
export function registryStackTemplate(spec: EnvironmentSpec): CfnTemplate {
  const repositories = environmentRepositories(spec);
  const ids = repositoryLogicalIds(repositories);
  const resources: Record<string, CfnResource> = {};
  const outputs: Record<string, CfnOutput> = {};
  repositories.forEach((repositoryName, i) => {
    resources[ids[i]] = {
      Type: 'AWS::ECR::Repository',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        RepositoryName: repositoryName,
        ImageTagMutability: 'IMMUTABLE',
        ImageScanningConfiguration: { ScanOnPush: true },
        EncryptionConfiguration: { EncryptionType: 'AES256' },
        EmptyOnDelete: false,
        Tags: cfnTags(spec),
      },
    };
    outputs[`${ids[i]}Uri`] = {
      Description: `URI of ${repositoryName}`,
      Value: getAtt(ids[i], 'RepositoryUri'),
    };
  });
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `BPA environment ${spec.name}: ECR repositories for the BPA images and chart`,
    Resources: resources,
    Outputs: outputs,
  };
}
