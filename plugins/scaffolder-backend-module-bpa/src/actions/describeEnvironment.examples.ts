import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      "Read an environment's request from its System, for the teardown steps (spec: ${{ steps.describe.output.spec }}).",
    example: yaml.stringify({
      steps: [
        {
          id: 'describe',
          action: 'bpa:environment:describe',
          name: 'Read the environment from the catalog',
          input: { entityRef: 'system:default/bpa-demo' },
        },
      ],
    }),
  },
  {
    description:
      'Read it and check the name the user typed to confirm the teardown: anything else stops the task before it changes anything.',
    example: yaml.stringify({
      steps: [
        {
          id: 'describe',
          action: 'bpa:environment:describe',
          name: 'Read the environment from the catalog',
          input: {
            entityRef: '${{ parameters.environment }}',
            confirmation: '${{ parameters.confirmation }}',
          },
        },
      ],
    }),
  },
];
