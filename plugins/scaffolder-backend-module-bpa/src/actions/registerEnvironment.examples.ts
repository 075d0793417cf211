import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      "Register a planned environment's System, Resources and BPA Components in the catalog.",
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          action: 'bpa:catalog:register',
          name: 'Register the environment in the catalog',
          input: { state: 'planned', spec },
        },
      ],
    }),
  },
  {
    description: 'After the apply: the System says the environment is applied.',
    example: yaml.stringify({
      steps: [
        {
          id: 'registerApplied',
          action: 'bpa:catalog:register',
          name: 'Mark the environment applied in the catalog',
          input: { state: 'applied', spec },
        },
      ],
    }),
  },
  {
    description:
      "After a teardown: take the environment's entities out of the catalog (the request as bpa:environment:describe read it).",
    example: yaml.stringify({
      steps: [
        {
          id: 'unregister',
          action: 'bpa:catalog:register',
          name: 'Remove the environment from the catalog',
          input: {
            state: 'removed',
            spec: '${{ steps.describe.output.spec }}',
          },
        },
      ],
    }),
  },
];
