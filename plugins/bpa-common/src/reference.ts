import type { EnvironmentSpecInput } from './spec';
import type { EnvironmentTopology } from './status';

/**
 * The reference deployment (Cisco's BPA-on-EKS guide) as a request: only the
 * fields without a default are given. Used by the template's defaults, the
 * example entities, tests and the benchmark.
 */
export const REFERENCE_SPEC_INPUT: EnvironmentSpecInput = {
  name: 'bpa-demo',
  owner: 'group:default/platform-team',
  aws: {
    accountId: '123456789012',
    region: 'us-east-1',
  },
  network: {
    adminCidr: '203.0.113.0/24',
  },
  atlas: {
    projectId: '5f1a2b3c4d5e6f7a8b9c0d1e',
  },
};

/**
 * The reference environment's layout, as the status API's `topology` gives
 * it for the reference request (the backend's tests hold it to that). Data
 * only: the architecture picture's tests draw it, the backend's expect it.
 */
export const REFERENCE_TOPOLOGY: EnvironmentTopology = {
  region: 'us-east-1',
  vpcCidr: '10.0.0.0/16',
  podCidr: '100.64.0.0/16',
  zones: [
    {
      name: 'us-east-1a',
      publicSubnet: '10.0.0.0/20',
      privateSubnet: '10.0.48.0/20',
      podSubnet: '100.64.0.0/18',
    },
    {
      name: 'us-east-1b',
      publicSubnet: '10.0.16.0/20',
      privateSubnet: '10.0.64.0/20',
      podSubnet: '100.64.64.0/18',
    },
    {
      name: 'us-east-1c',
      publicSubnet: '10.0.32.0/20',
      privateSubnet: '10.0.80.0/20',
      podSubnet: '100.64.128.0/18',
    },
  ],
  nodes: [
    ['node-1', 'us-east-1a', ['zookeeper', 'kafka']],
    ['node-2', 'us-east-1b', ['zookeeper', 'kafka']],
    ['node-3', 'us-east-1c', ['zookeeper', 'kafka']],
    ['node-4', 'us-east-1a', ['elk', 'prometheus', 'grafana']],
  ].map(([role, zone, components]) => ({
    role: role as string,
    zone: zone as string,
    instanceType: 'm5.4xlarge',
    labels: { name: role as string },
    components: components as string[],
  })),
  bastionZone: 'us-east-1a',
  loadBalancer: { name: 'bpa-demo-alb', listeners: [443, 30101] },
  database: {
    identifier: 'bpa-demo-postgres',
    instanceClass: 'db.m5d.2xlarge',
    multiAz: false,
  },
  atlas: { clusterName: 'bpa-demo-mongo', tier: 'M30' },
  registry: {
    repositories: ['bpa/sase-service', 'bpa/bpa-chart'],
  },
  release: { name: 'bpa-rel', namespace: 'bpa-ns' },
};
