import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

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
            spec: {
              name: 'bpa-demo',
              owner: 'group:default/platform-team',
              aws: { accountId: '123456789012', region: 'us-east-1' },
              network: { adminCidr: '203.0.113.0/24' },
              atlas: { projectId: '5f1a2b3c4d5e6f7a8b9c0d1e' },
            },
            planDirectory: 'bpa-plan',
            timeoutMinutes: 15,
          },
        },
      ],
    }),
  },
];
