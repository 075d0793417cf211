import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { CLUSTER_STACK_OUTPUTS } from '../cloudformation/cluster';
import { NETWORK_EXPORTS } from '../cloudformation/network';
import { Reference } from './references';

/**
 * Secrets Manager secrets (JSON) the in-cluster artifacts read, by purpose;
 * full name `bpa/<environment>/<purpose>` (see `resourceNames().secret`).
 * The PostgreSQL ones hold `username` and `password`; the MongoDB one also
 * `connectionString` (the Atlas private endpoint's SRV string, without
 * credentials). The RDS master user's password is not among them: RDS
 * keeps it (`ManageMasterUserPassword`) in a secret the data stack names in
 * an output.
 */
export const SECRET_PURPOSES = {
  postgresRoot: 'postgres-root',
  postgresAuth: 'postgres-auth',
  postgresWorkflow: 'postgres-workflow',
  mongodb: 'mongodb',
} as const;

/** Outputs of the data stack the in-cluster artifacts read. */
export const DATA_STACK_OUTPUTS = {
  postgresAddress: 'EndpointAddress',
  postgresPort: 'EndpointPort',
  masterUserSecretArn: 'MasterUserSecretArn',
} as const;

/** Where each apply-time value of the in-cluster artifacts comes from. */
export function inClusterSources(spec: EnvironmentSpec) {
  const names = resourceNames(spec);
  const secret = (purpose: string, key: string): Reference => ({
    source: 'secretsmanager',
    name: names.secret(purpose),
    key,
  });
  const output = (
    stack: 'network' | 'cluster' | 'data',
    key: string,
  ): Reference => ({
    source: 'cloudformation',
    name: names.stack(stack),
    key,
  });
  return {
    rootPassword: secret(SECRET_PURPOSES.postgresRoot, 'password'),
    /** Only the database bootstrap uses the master user. */
    masterPassword: {
      source: 'stack-secret',
      name: `${names.stack('data')}/${DATA_STACK_OUTPUTS.masterUserSecretArn}`,
      key: 'password',
    },
    authPassword: secret(SECRET_PURPOSES.postgresAuth, 'password'),
    workflowPassword: secret(SECRET_PURPOSES.postgresWorkflow, 'password'),
    postgresHost: output('data', DATA_STACK_OUTPUTS.postgresAddress),
    postgresPort: output('data', DATA_STACK_OUTPUTS.postgresPort),
    mongoConnectionString: secret(SECRET_PURPOSES.mongodb, 'connectionString'),
    mongoUsername: secret(SECRET_PURPOSES.mongodb, 'username'),
    mongoPassword: secret(SECRET_PURPOSES.mongodb, 'password'),
    /** Comma-separated, in zone order: one subnet per availability zone. */
    podSubnetIds: output('network', NETWORK_EXPORTS.podSubnetIds),
    /**
     * The groups of the pods' network interfaces, as AWS's custom networking
     * guide sets them: EKS's cluster security group (the control plane's
     * interfaces admit only its members, and its members admit the control
     * plane: API server, webhooks), and the network stack's node group,
     * which the other groups and rules of the network stack are written for.
     */
    podSecurityGroupIds: [
      output('cluster', CLUSTER_STACK_OUTPUTS.clusterSecurityGroupId),
      output('network', NETWORK_EXPORTS.nodeSecurityGroupId),
    ],
  };
}
