/**
 * Test harnesses shared with the other BPA packages' tests: a real
 * kube-apiserver + etcd, PostgreSQL, Prism serving the Atlas spec, the helm
 * binary, and a simulated AWS. Import from
 * `@internal/backstage-plugin-bpa-node/testUtils`; never from production code.
 */
export * from './capturingLogger';
export * from './helmBinary';
export * from './inCluster';
export * from './kubeApiServer';
export * from './postgres';
export * from './prism';
export * from './secretsManager';
export * from './simulatedAws';
