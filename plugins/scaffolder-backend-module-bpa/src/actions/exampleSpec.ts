/**
 * The smallest request the actions' examples use: the reference deployment's
 * defaults fill in everything else.
 */
export const exampleSpec = {
  name: 'bpa-demo',
  owner: 'group:default/platform-team',
  aws: { accountId: '123456789012', region: 'us-east-1' },
  network: { adminCidr: '203.0.113.0/24' },
  atlas: { projectId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
};
