import {
  EnvironmentSpecInput,
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  environmentTags,
  renderStackTemplates,
  StackRequest,
} from '@internal/backstage-plugin-bpa-node';
import { LATEST_AL2023_AMI } from './ssm';

/**
 * The reference request as bpa:environment:plan records it when planning
 * for apply: its bastion's AMI pinned (to what the simulated SSM answers).
 * What the AWS steps deploy.
 */
export const APPLIED_REFERENCE_SPEC_INPUT: EnvironmentSpecInput = {
  ...REFERENCE_SPEC_INPUT,
  network: {
    ...REFERENCE_SPEC_INPUT.network,
    bastionImageId: LATEST_AL2023_AMI,
  },
};

/** The reference values of the parameters the stacks take: what the deploy action fills in. */
export const TEST_PARAMETERS: Record<string, string> = {
  PortalPrincipalArn: 'arn:aws:iam::123456789012:role/bpa-portal',
  CertificateArn:
    'arn:aws:acm:us-east-1:123456789012:certificate/0b5c1f7e-3c9a-4a11-9d3e-5f0c2a7b8e91',
};

/** A log that keeps its lines, for assertions. */
export function recordingLogger() {
  const lines: { level: 'info' | 'warn'; message: string }[] = [];
  return {
    lines,
    messages: () => lines.map(l => l.message),
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
  };
}

/** What the deploy action asks of the deployer for each stack of an environment, with the test parameters. */
export function stackRequests(
  spec: EnvironmentSpec,
): Record<StackKind, StackRequest> {
  const bodies = new Map(
    renderStackTemplates(spec).map(a => [a.path, a.content]),
  );
  const parameters: Partial<Record<StackKind, Record<string, string>>> = {
    cluster: { PortalPrincipalArn: TEST_PARAMETERS.PortalPrincipalArn },
    edge: { CertificateArn: TEST_PARAMETERS.CertificateArn },
  };
  return Object.fromEntries(
    STACK_KINDS.map(kind => [
      kind,
      {
        environment: spec.name,
        kind,
        stackName: resourceNames(spec).stack(kind),
        templateBody: bodies.get(`cloudformation/${kind}.yaml`)!,
        parameters: parameters[kind] ?? {},
        tags: environmentTags(spec),
      },
    ]),
  ) as Record<StackKind, StackRequest>;
}
