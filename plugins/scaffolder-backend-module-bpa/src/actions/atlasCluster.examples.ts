import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

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
