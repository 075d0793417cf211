import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Connect the VPC of the reference environment to its Atlas cluster over PrivateLink, once the network stack is deployed.',
    example: yaml.stringify({
      steps: [
        {
          id: 'atlas-private-endpoint',
          action: 'bpa:atlas:private-endpoint',
          name: 'Connect Atlas over PrivateLink',
          input: {
            spec: {
              name: 'bpa-demo',
              owner: 'group:default/platform-team',
              aws: { accountId: '123456789012', region: 'us-east-1' },
              network: { adminCidr: '203.0.113.0/24' },
              atlas: { projectId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
            },
            pollIntervalSeconds: 20,
            timeoutMinutes: 30,
          },
        },
      ],
    }),
  },
];
