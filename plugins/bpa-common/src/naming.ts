import type { EnvironmentSpec } from './spec';
import type { StackKind } from './plan';

/** Names derived from the environment: one place, so plan, apply and catalog agree. */
export function resourceNames(
  spec: Pick<EnvironmentSpec, 'name' | 'aws' | 'ecr' | 'bpa'>,
) {
  const n = spec.name;
  const ecrRegistry = `${spec.aws.accountId}.dkr.ecr.${spec.aws.region}.amazonaws.com`;
  return {
    stack: (kind: StackKind) => `${n}-${kind}`,
    eksCluster: `${n}-eks`,
    rdsInstance: `${n}-postgres`,
    rdsParameterGroup: `${n}-postgres-md5`,
    rdsSubnetGroup: `${n}-postgres-subnets`,
    atlasCluster: `${n}-mongo`,
    loadBalancer: `${n}-alb`,
    /** Secrets Manager names holding generated passwords. */
    secret: (purpose: string) => `bpa/${n}/${purpose}`,
    /** The environment's ECR registry host. */
    ecrRegistry,
    /** ECR repository name of one image. */
    ecrRepository: (image: string) => `${spec.ecr.repositoryPrefix}/${image}`,
    /** The BPA chart in the environment's ECR, where bpa:ecr:mirror puts it and the Helm release installs it from. */
    chart: `oci://${ecrRegistry}/${spec.ecr.repositoryPrefix}/bpa-chart`,
  };
}
