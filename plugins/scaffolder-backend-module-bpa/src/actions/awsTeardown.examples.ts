import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';
import { exampleSpec as spec } from './exampleSpec';

export const examples: TemplateExample[] = [
  {
    description:
      "Tear the environment's stacks down, lifting the database's deletion protection (RDS takes a final snapshot) and keeping ECR repositories that hold images.",
    example: yaml.stringify({
      steps: [
        {
          id: 'teardown',
          action: 'bpa:aws:teardown',
          name: 'Delete the AWS stacks',
          input: { spec, liftDeletionProtection: true },
        },
      ],
    }),
  },
  {
    description:
      'Tear everything down, ECR repositories and their images included.',
    example: yaml.stringify({
      steps: [
        {
          id: 'teardown',
          action: 'bpa:aws:teardown',
          name: 'Delete the AWS stacks and images',
          input: {
            spec,
            liftDeletionProtection: true,
            deleteImages: true,
            timeoutMinutes: 90,
          },
        },
      ],
    }),
  },
  {
    description:
      'Check, before other teardown steps remove anything, that the AWS teardown would go ahead (credentials, permissions, deletion protection); nothing is deleted.',
    example: yaml.stringify({
      steps: [
        {
          id: 'check',
          action: 'bpa:aws:teardown',
          name: 'Check that the AWS teardown can go ahead',
          input: { spec, liftDeletionProtection: true, checkOnly: true },
        },
      ],
    }),
  },
];
