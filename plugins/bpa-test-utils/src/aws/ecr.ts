import {
  DescribeImagesCommand,
  DescribeImagesCommandInput,
  ECRClient,
  GetAuthorizationTokenCommand,
  ImageDetail,
  ImageNotFoundException,
  RepositoryNotFoundException,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { TestRegistry } from '../registry';

export interface SimulatedEcrOptions {
  /** The registry standing in for the account's ECR registry: what ECR's API reports is read from it. */
  registry: TestRegistry;
  accountId: string;
  region: string;
  /** Repositories that exist (the registry stack's); others answer RepositoryNotFoundException. */
  repositories: string[];
}

/**
 * ECR's API for a real registry standing in for the account's ECR
 * registry, installed with aws-sdk-client-mock into every ECRClient:
 * `GetAuthorizationToken` hands out the stand-in's login (user `AWS`, as
 * ECR's) with the stand-in as `proxyEndpoint`, and `DescribeImages` reads
 * the stand-in (a HEAD of the tag's manifest), so it says what was really
 * pushed there.
 */
export function simulateEcr(options: SimulatedEcrOptions) {
  const { registry } = options;
  const repositories = new Set(options.repositories);
  const ecr = mockClient(ECRClient);
  const metadata = { $metadata: { httpStatusCode: 400 } };

  ecr.on(GetAuthorizationTokenCommand).callsFake(async () => ({
    authorizationData: [
      {
        authorizationToken: Buffer.from(
          `${registry.username ?? 'AWS'}:${registry.password ?? ''}`,
        ).toString('base64'),
        proxyEndpoint: registry.url,
        expiresAt: new Date(Date.now() + 12 * 3600_000),
      },
    ],
  }));

  ecr
    .on(DescribeImagesCommand)
    .callsFake(async (input: DescribeImagesCommandInput) => {
      const repositoryName = input.repositoryName!;
      if (!repositories.has(repositoryName)) {
        throw new RepositoryNotFoundException({
          ...metadata,
          message: `The repository with name '${repositoryName}' does not exist in the registry with id '${options.accountId}'`,
        });
      }
      const tags =
        input.imageIds?.map(id => id.imageTag!) ??
        (await registry.tags(repositoryName));
      const imageDetails: ImageDetail[] = [];
      for (const tag of tags) {
        const digest = await registry.digestOf(repositoryName, tag);
        if (!digest) {
          throw new ImageNotFoundException({
            ...metadata,
            message: `The image with imageId {imageDigest:'null', imageTag:'${tag}'} does not exist within the repository with name '${repositoryName}' in the registry with id '${options.accountId}'`,
          });
        }
        imageDetails.push({
          registryId: options.accountId,
          repositoryName,
          imageDigest: digest,
          imageTags: [tag],
        });
      }
      return { imageDetails };
    });

  return {
    mock: ecr,
    /** Adds repositories, as a registry stack update would. */
    createRepositories(names: string[]) {
      names.forEach(n => repositories.add(n));
    },
    /** The inputs of every call of one command so far (`DescribeImages`). */
    inputsOf: (command: 'DescribeImages' | 'GetAuthorizationToken') =>
      ecr
        .calls()
        .map(c => c.args[0] as { constructor: { name: string }; input: any })
        .filter(c => c.constructor.name === `${command}Command`)
        .map(c => c.input),
    restore: () => ecr.restore(),
  };
}

export type SimulatedEcr = ReturnType<typeof simulateEcr>;
