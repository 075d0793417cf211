import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      "Create BPA's PostgreSQL roles and databases with the plan's bootstrap Job, after bpa:kubernetes:bootstrap.",
    example: yaml.stringify({
      steps: [
        {
          id: 'database',
          action: 'bpa:database:bootstrap',
          name: 'Bootstrap the databases',
          input: {
            spec,
            planDirectory: 'bpa-plan',
            timeoutMinutes: 15,
          },
        },
      ],
    }),
  },
];
