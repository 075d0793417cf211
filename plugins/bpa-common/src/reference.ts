import type { EnvironmentSpecInput } from './spec';

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
