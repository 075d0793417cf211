import { stringify } from 'yaml';
import {
  EnvironmentSpec,
  PlanArtifact,
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { CfnTemplate } from './common';
import { clusterStackTemplate } from './cluster';
import { dataStackTemplate } from './data';
import { edgeStackTemplate } from './edge';
import { networkStackTemplate } from './network';
import { registryStackTemplate } from './registry';

export type {
  CfnTemplate,
  CfnResource,
  CfnValue,
  CfnOutput,
  CfnParameter,
} from './common';
export {
  INGRESS_NODE_PORTS,
  LISTENER_PORTS,
  environmentTags,
  exportName,
} from './common';
export { nodeEcrPullPolicy, renderIamPolicies } from './iam';
export type { PolicyDocument } from './iam';
export { EDGE_TARGET_GROUP_OUTPUTS } from './edge';
export { NETWORK_EXPORTS } from './network';
export { CHART_REPOSITORY, environmentRepositories } from './registry';
export { subnetLayout } from './subnets';
export type { SubnetLayout } from './subnets';

const BUILDERS: Record<StackKind, (spec: EnvironmentSpec) => CfnTemplate> = {
  network: networkStackTemplate,
  cluster: clusterStackTemplate,
  data: dataStackTemplate,
  registry: registryStackTemplate,
  edge: edgeStackTemplate,
};

const PURPOSE: Record<StackKind, string> = {
  network: 'VPC, subnets, pod CIDR, NAT, security groups, bastion',
  cluster:
    'EKS cluster, node groups and launch templates, IAM roles, portal access entry',
  data: 'RDS PostgreSQL with its subnet and parameter groups',
  registry: 'ECR repositories for the BPA images and chart',
  edge: 'Application load balancer with HTTPS listeners 443 and 30101',
};

/** The CloudFormation template of one stack, as a plain object. */
export function stackTemplate(
  spec: EnvironmentSpec,
  kind: StackKind,
): CfnTemplate {
  return BUILDERS[kind](spec);
}

/**
 * YAML any parser reads the same way: intrinsics stay in their JSON form
 * (`Fn::GetAtt: [..]`, no `!Ref` tags), no anchors, no folded lines, and
 * strings a YAML 1.1 parser would turn into dates or booleans (`2012-10-17`,
 * `on`) are quoted. Keys keep the builders' order.
 */
export function renderTemplateYaml(template: CfnTemplate): string {
  return stringify(template, {
    version: '1.1',
    aliasDuplicateObjects: false,
    lineWidth: 0,
  });
}

/** One artifact per stack, `cloudformation/<kind>.yaml`, in deployment order. */
export function renderStackTemplates(spec: EnvironmentSpec): PlanArtifact[] {
  return STACK_KINDS.map(kind => {
    const template = stackTemplate(spec, kind);
    return {
      path: `cloudformation/${kind}.yaml`,
      kind: 'cloudformation',
      description: `Stack ${resourceNames(spec).stack(kind)}: ${PURPOSE[kind]}`,
      content: renderTemplateYaml(template),
      resources: Object.keys(template.Resources).length,
    };
  });
}
