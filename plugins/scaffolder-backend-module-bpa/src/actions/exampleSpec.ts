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

/** An ACM certificate of that account and region, for the load balancer's listeners. */
export const exampleCertificateArn =
  'arn:aws:acm:us-east-1:123456789012:certificate/0b5c1f7e-3c9a-4a11-9d3e-5f0c2a7b8e91';
