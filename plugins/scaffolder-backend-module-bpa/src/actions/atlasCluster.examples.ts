import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

const spec = {
  name: 'bpa-demo',
  owner: 'group:default/platform-team',
  aws: { accountId: '123456789012', region: 'us-east-1' },
  network: { adminCidr: '203.0.113.0/24' },
  atlas: { projectId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
};

export const examples: TemplateExample[] = [
  {
    description:
      'Start the Atlas cluster of the reference deployment (M30, MongoDB 8.0) without waiting, so the AWS stacks are created meanwhile.',
    example: yaml.stringify({
      steps: [
        {
          id: 'atlas-cluster',
          action: 'bpa:atlas:cluster',
          name: 'Start the MongoDB Atlas cluster',
          input: { spec, wait: false },
        },
      ],
    }),
  },
  {
    description:
      'Wait until the Atlas cluster is IDLE, looking every minute for up to 90 minutes (a larger tier).',
    example: yaml.stringify({
      steps: [
        {
          id: 'atlas-cluster-ready',
          action: 'bpa:atlas:cluster',
          name: 'Wait for the MongoDB Atlas cluster',
          input: {
            spec: {
              ...spec,
              atlas: { ...spec.atlas, tier: 'M40', diskSizeGB: 80 },
            },
            wait: true,
            pollIntervalSeconds: 60,
            timeoutMinutes: 90,
          },
        },
      ],
    }),
  },
];
