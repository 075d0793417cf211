import fs from 'node:fs';
import Handlebars from 'handlebars';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import {
  EnvironmentSpec,
  PlanArtifact,
  STACK_KINDS,
  StackKind,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import { templatePath } from './templates';

const STACK_PURPOSE: Record<StackKind, string> = {
  network: 'VPC, subnets, NAT, security groups, bastion',
  cluster: 'EKS cluster, node groups, launch templates, IAM roles, access entry',
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

function countStackResources(artifact: PlanArtifact | undefined): number {
  if (!artifact) return 0;
  const template = parseYaml(artifact.content) as { Resources?: object };
  return Object.keys(template.Resources ?? {}).length;
}

function countKubernetesObjects(artifacts: PlanArtifact[]): number {
  return artifacts
    .filter(a => a.kind === 'kubernetes')
    .reduce(
      (n, a) =>
        n + parseAllDocuments(a.content).filter(d => d.contents !== null).length,
      0,
    );
}

/** Resources the apply creates: CloudFormation resources, Kubernetes objects, Atlas (cluster, user, endpoint) and the Helm release. */
export function estimateResourceCount(artifacts: PlanArtifact[]): number {
  const stacks = STACK_KINDS.map(kind =>
    countStackResources(
      artifacts.find(a => a.path === `cloudformation/${kind}.yaml`),
    ),
  ).reduce((a, b) => a + b, 0);
  return stacks + countKubernetesObjects(artifacts) + 3 + 1;
}

/** The reviewer's view of a plan, rendered from `templates/summary.md.hbs`. */
export function renderSummary(
  spec: EnvironmentSpec,
  artifacts: PlanArtifact[],
  chart: string,
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
    resources: countStackResources(
      artifacts.find(a => a.path === `cloudformation/${kind}.yaml`),
    ),
  }));
  return summaryTemplate({
    spec,
    names,
    stacks,
    chart,
    kubernetesObjects: countKubernetesObjects(artifacts),
    resourceCount: estimateResourceCount(artifacts),
    repositories: [
      ...spec.ecr.images.map(
        i => `${spec.ecr.repositoryPrefix}/${i.name}:${i.tag}`,
      ),
      `${spec.ecr.repositoryPrefix}/bpa-chart`,
    ],
    selfSignedCertificate: spec.ingress.certificate === 'self-signed',
    artifacts,
  });
}
