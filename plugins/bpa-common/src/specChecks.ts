/** The rules `validateEnvironmentSpec` applies beyond the zod shapes, one module per part of the request. */
export * from './checks/identity';
export * from './checks/aws';
export * from './checks/network';
export * from './checks/versions';
export * from './checks/cluster';
export * from './checks/databases';
export * from './checks/release';
export * from './checks/size';
