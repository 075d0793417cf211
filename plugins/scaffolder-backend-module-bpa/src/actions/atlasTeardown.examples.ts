import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

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
