import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

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
            spec,
            pollIntervalSeconds: 20,
            timeoutMinutes: 30,
          },
        },
      ],
    }),
  },
];
