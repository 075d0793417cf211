/**
 * Test harnesses shared by the BPA packages' tests, benchmarks and lab
 * scripts: a real kube-apiserver + etcd, PostgreSQL, moto (a second AWS), Prism serving the Atlas
 * spec, the helm binary, real OCI registries (docker-registry) with test
 * images, and a simulated AWS account. Never imported by
 * runtime code.
 *
 * @packageDocumentation
 */
export * from './capturingLogger';
export * from './cfnLint';
export * from './helmBinary';
export * from './inCluster';
export * from './kubeApiServer';
export * from './mirrorLab';
export * from './moto';
export * from './motoTemplates';
export * from './ports';
export * from './postgres';
export * from './prepareScript';
export * from './prism';
export * from './registry';
export * from './sdkCalls';
export * from './serverProcess';
export * from './taskCheckpoints';
export * from './testImages';
export * from './atlas/atlasServer';
export * from './atlas/fakeAtlas';
export * from './aws/answer';
export * from './aws/clock';
export * from './aws/cloudFormation';
export * from './aws/ecr';
export * from './aws/databases';
export * from './aws/fixtures';
export * from './aws/iamPolicyEvaluator';
export * from './aws/nodeGroups';
export * from './aws/logs';
export * from './aws/options';
export * from './aws/rds';
export * from './aws/securityGroups';
export * from './aws/secretsManager';
export * from './aws/simulateAws';
export * from './aws/ssm';
export * from './aws/vpcEndpoints';
export * from './aws/stackOutputs';
