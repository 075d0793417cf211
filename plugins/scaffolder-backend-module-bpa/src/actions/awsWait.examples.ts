import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleCertificateArn, exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      'Start the cluster, data, registry and edge stacks, do other work meanwhile, then wait for all four; the node groups then go behind the load balancer.',
    example: yaml.stringify({
      steps: [
        {
          id: 'start',
          action: 'bpa:aws:deploy',
          name: 'Start the cluster, database, registry and load balancer',
          input: {
            spec,
            stacks: ['cluster', 'data', 'registry', 'edge'],
            certificateArn: exampleCertificateArn,
            wait: false,
          },
        },
        {
          id: 'wait',
          action: 'bpa:aws:wait',
          name: 'Wait for the cluster, database, registry and load balancer',
          input: { spec, stacks: '${{ steps.start.output.stacks }}' },
        },
      ],
    }),
  },
  {
    description:
      'Wait, up to 30 minutes each, for whatever the cluster and data stacks are doing (e.g. after the task was restarted).',
    example: yaml.stringify({
      steps: [
        {
          id: 'wait',
          action: 'bpa:aws:wait',
          name: 'Wait for the cluster and database',
          input: { spec, stacks: ['cluster', 'data'], timeoutMinutes: 30 },
        },
      ],
    }),
  },
];
