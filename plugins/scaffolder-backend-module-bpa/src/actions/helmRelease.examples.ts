import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      "Install or upgrade BPA from the chart in the environment's ECR (the default), with the plan's values.",
    example: yaml.stringify({
      steps: [
        {
          id: 'release',
          action: 'bpa:helm:release',
          name: 'Install BPA',
          input: { spec, planDirectory: 'bpa-plan' },
        },
      ],
    }),
  },
  {
    description:
      'Install BPA from a chart fetched into the workspace, waiting up to 45 minutes.',
    example: yaml.stringify({
      steps: [
        {
          id: 'release',
          action: 'bpa:helm:release',
          name: 'Install BPA',
          input: {
            spec,
            planDirectory: 'bpa-plan',
            chart: 'charts/bpa',
            timeoutMinutes: 45,
          },
        },
      ],
    }),
  },
];
