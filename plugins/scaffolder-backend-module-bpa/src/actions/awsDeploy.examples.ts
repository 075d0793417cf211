import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleCertificateArn, exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      'Deploy the network stack from the plan in bpa-plan and wait for it: the other stacks import its exports.',
    example: yaml.stringify({
      steps: [
        {
          id: 'network',
          action: 'bpa:aws:deploy',
          name: 'Deploy the network',
          input: { spec, stacks: ['network'] },
        },
      ],
    }),
  },
  {
    description:
      'Start the cluster, data, registry and edge stacks side by side and return at once; bpa:aws:wait follows them and puts the node groups behind the load balancer.',
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
            planDirectory: 'bpa-plan',
            wait: false,
          },
        },
      ],
    }),
  },
  {
    description:
      'Deploy the load balancer alone (the cluster already complete) with its certificate, replacing the stack if an earlier attempt left it rolled back, and put the node groups behind its target groups.',
    example: yaml.stringify({
      steps: [
        {
          id: 'edge',
          action: 'bpa:aws:deploy',
          name: 'Deploy the load balancer',
          input: {
            spec,
            stacks: ['edge'],
            certificateArn: exampleCertificateArn,
            replaceRolledBackStacks: true,
          },
        },
      ],
    }),
  },
];
