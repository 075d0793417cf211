import type { EnvironmentSpec } from './spec';
import type { StackKind } from './plan';

/** Names derived from the environment name: one place, so plan, apply and catalog agree. */
export function resourceNames(spec: Pick<EnvironmentSpec, 'name'>) {
  const n = spec.name;
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
  };
}
