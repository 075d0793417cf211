import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      "Bootstrap the environment's EKS cluster from the plan in bpa-plan, with a generated self-signed ingress certificate.",
    example: yaml.stringify({
      steps: [
        {
          id: 'bootstrap',
          action: 'bpa:kubernetes:bootstrap',
          name: 'Prepare the cluster',
          input: { spec, planDirectory: 'bpa-plan' },
        },
      ],
    }),
  },
  {
    description:
      'Bootstrap with the certificate given in the form (its private key through the Secret field, a task secret), taking over fields someone changed by hand after reviewing them.',
    example: yaml.stringify({
      steps: [
        {
          id: 'bootstrap',
          action: 'bpa:kubernetes:bootstrap',
          name: 'Prepare the cluster',
          input: {
            spec: {
              ...spec,
              ingress: { certificate: 'provided', hostname: 'bpa.example.com' },
            },
            planDirectory: 'bpa-plan',
            certificate: '${{ parameters.tlsCertificate }}',
            privateKeySecret: 'tlsPrivateKey',
            forceConflicts: true,
            timeoutMinutes: 20,
          },
        },
      ],
    }),
  },
];
