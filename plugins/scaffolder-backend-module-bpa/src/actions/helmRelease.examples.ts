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
