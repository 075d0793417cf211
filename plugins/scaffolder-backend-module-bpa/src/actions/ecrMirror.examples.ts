import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

const mirrorStep = (input: Record<string, unknown>) =>
  yaml.stringify({
    steps: [
      {
        id: 'mirror',
        action: 'bpa:ecr:mirror',
        name: 'Mirror BPA into ECR',
        input: { planDirectory: 'bpa-plan', ...input },
      },
    ],
  });

export const examples: TemplateExample[] = [
  {
    description:
      "Copy the BPA images and chart from Cisco's registry (containers.cisco.com/bpa, the default) into the environment's ECR, logging in with the template's Secret fields sourceRegistryUsername and sourceRegistryPassword.",
    example: mirrorStep({ spec }),
  },
  {
    description:
      "Copy them from the BPA package's archives in S3 (<image>_<tag>.tar per image, bpa-chart-<version>.tgz), read with the portal's AWS credentials.",
    example: mirrorStep({
      spec: { ...spec, ecr: { archives: 's3://bpa-packages/4.0.3-6' } },
    }),
  },
  {
    description:
      "Copy them from the company's own registry, its login in app-config (bpa.mirror.registries) or in task secrets of other names.",
    example: mirrorStep({
      spec: {
        ...spec,
        ecr: { sourceRegistry: 'registry.example.com/cisco/bpa' },
      },
      usernameSecret: 'mirrorUser',
      passwordSecret: 'mirrorToken',
    }),
  },
];
