import fs from 'node:fs';
import Handlebars from 'handlebars';
import {
  EnvironmentSpec,
  PlanArtifact,
  DEFAULT_SOURCE_REGISTRY,
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { publicApiCidrs } from './cloudformation/cluster';
import { mirrorPlan } from './mirror';
import { templatePath } from './templates';

const STACK_PURPOSE: Record<StackKind, string> = {
  network: 'VPC, subnets, NAT, security groups, bastion',
  cluster:
    'EKS cluster, node groups, launch templates, IAM roles, access entry',
  data: 'RDS PostgreSQL, subnet and parameter groups',
  registry: 'ECR repositories',
  edge: 'Application load balancer, listeners 443 and 30101',
};

/** Markdown output: no HTML escaping, tables stay intact. */
const handlebars = Handlebars.create();
handlebars.registerHelper('join', (items: unknown[], sep: string) =>
  (items ?? []).join(typeof sep === 'string' ? sep : ', '),
);
handlebars.registerHelper('labels', (labels: Record<string, string>) =>
  Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', '),
);
let summaryTemplate: HandlebarsTemplateDelegate | undefined;

/** Atlas cluster, database user and private endpoint, and the Helm release: created outside the plan's files. */
const RESOURCES_OUTSIDE_FILES = 3 + 1;

const sumResources = (artifacts: PlanArtifact[]) =>
  artifacts.reduce((n, a) => n + (a.resources ?? 0), 0);

/** Resources the apply creates: CloudFormation resources, Kubernetes objects, Atlas (cluster, user, endpoint) and the Helm release. */
export function estimateResourceCount(artifacts: PlanArtifact[]): number {
  return sumResources(artifacts) + RESOURCES_OUTSIDE_FILES;
}

/** The reviewer's view of a plan, rendered from `templates/summary.md.hbs`. */
export function renderSummary(
  spec: EnvironmentSpec,
  artifacts: PlanArtifact[],
  chart: string,
  resourceCount: number = estimateResourceCount(artifacts),
): string {
  summaryTemplate ??= handlebars.compile(
    fs.readFileSync(templatePath('summary.md.hbs'), 'utf8'),
    { noEscape: true, strict: false },
  );
  const names = resourceNames(spec);
  const stacks = STACK_KINDS.map(kind => ({
    kind,
    stackName: names.stack(kind),
    what: STACK_PURPOSE[kind],
    resources:
      artifacts.find(a => a.path === `cloudformation/${kind}.yaml`)
        ?.resources ?? 0,
  }));
  return summaryTemplate({
    spec,
    names,
    stacks,
    chart,
    kubernetesObjects: sumResources(
      artifacts.filter(a => a.kind === 'kubernetes'),
    ),
    resourceCount,
    mirror: mirrorPlan(spec),
    sourceRegistry: spec.ecr.sourceRegistry ?? DEFAULT_SOURCE_REGISTRY,
    selfSignedCertificate: spec.ingress.certificate === 'self-signed',
    bastionSsh: spec.network.bastion && spec.network.bastionAccess === 'ssh',
    apiCidrs: publicApiCidrs(spec).map(cidr => `\`${cidr}\``),
    artifacts,
  });
}
