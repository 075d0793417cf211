import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleCertificateArn, exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      'Plan the reference deployment: only the fields without a default are given.',
    example: yaml.stringify({
      steps: [
        {
          id: 'plan',
          action: 'bpa:environment:plan',
          name: 'Plan the BPA environment',
          input: {
            spec,
          },
        },
      ],
    }),
  },
  {
    description:
      'Plan a smaller test environment in another region, written to a chosen directory.',
    example: yaml.stringify({
      steps: [
        {
          id: 'plan',
          action: 'bpa:environment:plan',
          name: 'Plan the BPA test environment',
          input: {
            outputDir: 'plans/bpa-test',
            spec: {
              name: 'bpa-test',
              owner: 'group:default/platform-team',
              aws: {
                accountId: '210987654321',
                region: 'eu-west-1',
                availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
              },
              network: {
                vpcCidr: '10.20.0.0/16',
                adminCidr: '198.51.100.0/24',
                bastion: false,
              },
              rds: { instanceClass: 'db.r5b.2xlarge' },
              atlas: { projectId: '65a1b2c3d4e5f60718293a4b', tier: 'M40' },
              tags: { 'cost-center': 'bpa-lab' },
            },
          },
        },
      ],
    }),
  },
  {
    description:
      'Plan as the first step of "plan and apply": the load balancer certificate is checked before the apply steps create anything, and the bastion gets the latest Amazon Linux 2023, looked up once and recorded in the output spec the later steps take.',
    example: yaml.stringify({
      steps: [
        {
          id: 'plan',
          action: 'bpa:environment:plan',
          name: 'Validate and plan',
          input: {
            mode: 'apply',
            certificateArn: exampleCertificateArn,
            spec,
          },
        },
      ],
    }),
  },
];
