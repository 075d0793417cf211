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
      'Remove the private endpoint and keep the Atlas cluster and its data (the default).',
    example: yaml.stringify({
      steps: [
        {
          id: 'atlas-teardown',
          action: 'bpa:atlas:teardown',
          name: 'Disconnect MongoDB Atlas',
          input: { spec },
        },
      ],
    }),
  },
  {
    description:
      'Remove the private endpoint and terminate the Atlas cluster (backup snapshots are retained in Atlas).',
    example: yaml.stringify({
      steps: [
        {
          id: 'atlas-teardown',
          action: 'bpa:atlas:teardown',
          name: 'Remove MongoDB Atlas',
          input: { spec, terminateCluster: true },
        },
      ],
    }),
  },
];
