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
