import {
  EnvironmentSpec,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';

/** Any value a CloudFormation template holds: JSON, with intrinsic functions as plain objects. */
export type CfnValue =
  | string
  | number
  | boolean
  | CfnValue[]
  | { [key: string]: CfnValue };

export interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
  DependsOn?: string[];
  DeletionPolicy?: 'Delete' | 'Retain' | 'Snapshot';
  UpdateReplacePolicy?: 'Delete' | 'Retain' | 'Snapshot';
}

export interface CfnParameter {
  Type: string;
  Description: string;
  Default?: string;
  AllowedPattern?: string;
  ConstraintDescription?: string;
}

export interface CfnOutput {
  Description: string;
  Value: CfnValue;
  Export?: { Name: string };
}

/** A CloudFormation template as a plain object; keys are emitted in insertion order. */
export interface CfnTemplate {
  AWSTemplateFormatVersion: '2010-09-09';
  Description: string;
  Parameters?: Record<string, CfnParameter>;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, CfnOutput>;
}

export type CfnTag = {
  Key: string;
  Value: string;
};

/** The ports of BPA's ingress controller Service (type NodePort) that the load balancer targets. */
export const INGRESS_NODE_PORTS = {
  /** The controller's HTTPS port; the ALB's 443 listener forwards here. */
  https: 30443,
  /** BPA's second HTTPS entry point; the ALB's 30101 listener forwards here. */
  port30101: 30101,
} as const;

/** The load balancer's listeners, as the reference deployment exposes them. */
export const LISTENER_PORTS = {
  https: 443,
  port30101: 30101,
} as const;

export const ref = (name: string): CfnValue => ({ Ref: name });

export const getAtt = (resource: string, attribute: string): CfnValue => ({
  'Fn::GetAtt': [resource, attribute],
});

export const sub = (text: string): CfnValue => ({ 'Fn::Sub': text });

export const base64 = (value: CfnValue): CfnValue => ({ 'Fn::Base64': value });

export const select = (index: number, list: CfnValue): CfnValue => ({
  'Fn::Select': [String(index), list],
});

export const joinList = (items: CfnValue[]): CfnValue => ({
  'Fn::Join': [',', items],
});

/** An AWS managed policy ARN that works in every partition (aws, aws-cn, aws-us-gov). */
export const managedPolicyArn = (name: string): CfnValue =>
  sub(`arn:\${AWS::Partition}:iam::aws:policy/${name}`);

/** The IAM partition of a region, for documents that cannot use `AWS::Partition`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * Tags every stack and taggable resource carries: the environment and its owner
 * (so cost reports and the status API find them), then the request's own tags
 * sorted by key. The `bpa:` tags win over a request tag of the same key.
 */
export function environmentTags(spec: EnvironmentSpec): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const key of Object.keys(spec.tags).sort()) {
    tags[key] = spec.tags[key];
  }
  return {
    'bpa:environment': spec.name,
    'bpa:owner': spec.owner,
    ...withoutKeys(tags, ['bpa:environment', 'bpa:owner']),
  };
}

function withoutKeys(
  record: Record<string, string>,
  keys: string[],
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).filter(([k]) => !keys.includes(k)),
  );
}

/** Environment tags in CloudFormation's list form, plus resource-specific ones (e.g. `Name`). */
export function cfnTags(
  spec: EnvironmentSpec,
  extra: Record<string, string> = {},
): CfnTag[] {
  const tags = { ...environmentTags(spec), ...extra };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A `Name` tag value: what the console shows, prefixed by the environment. */
export const nameTag = (spec: EnvironmentSpec, what: string) => ({
  Name: `${spec.name}-${what}`,
});

/**
 * The export name of one stack output, e.g. `bpa-demo-network:VpcId`.
 * Dependent stacks import it, so CloudFormation orders the stacks and refuses
 * to delete an exporting stack while another one uses it.
 */
export function exportName(
  spec: EnvironmentSpec,
  kind: StackKind,
  output: string,
): string {
  return `${resourceNames(spec).stack(kind)}:${output}`;
}

export const importValue = (
  spec: EnvironmentSpec,
  kind: StackKind,
  output: string,
): CfnValue => ({ 'Fn::ImportValue': exportName(spec, kind, output) });

/** Imports a comma-joined list export as a list. */
export const importList = (
  spec: EnvironmentSpec,
  kind: StackKind,
  output: string,
): CfnValue => ({ 'Fn::Split': [',', importValue(spec, kind, output)] });

/** An output other stacks import. */
export function exportedOutput(
  spec: EnvironmentSpec,
  kind: StackKind,
  name: string,
  description: string,
  value: CfnValue,
): [string, CfnOutput] {
  return [
    name,
    {
      Description: description,
      Value: value,
      Export: { Name: exportName(spec, kind, name) },
    },
  ];
}

/** A logical id from free text: `sase-service` -> `SaseService`. */
export function logicalId(...parts: string[]): string {
  return parts
    .join('-')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map(p => p[0].toUpperCase() + p.slice(1))
    .join('');
}

/** The IAM trust policy letting one AWS service assume a role. */
export function assumableBy(
  service: string,
  action: string | string[] = 'sts:AssumeRole',
): CfnValue {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: action,
      },
    ],
  };
}

/** The trust policy of a role EKS Pod Identity hands to pods (it tags the sessions). */
export const assumableByPods = () =>
  assumableBy('pods.eks.amazonaws.com', ['sts:AssumeRole', 'sts:TagSession']);
