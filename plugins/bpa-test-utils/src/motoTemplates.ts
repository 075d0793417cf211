import { parseTemplateBody } from '@internal/backstage-plugin-bpa-node';

/**
 * The parts of the plan's CloudFormation templates moto's CloudFormation
 * cannot create, and how a test stack does without them. Every one of these
 * is valid on AWS (cfn-lint accepts the templates as rendered); they are
 * gaps in moto 5.2, not in the templates.
 */
export const MOTO_CLOUDFORMATION_GAPS = {
  /** No model at all: a stack holding one fails to create. */
  unsupportedTypes: ['AWS::EC2::VPCCidrBlock', 'AWS::EKS::'],
  /** `IpProtocol: -1` without ports (AWS allows it) crashes moto's security group model. */
  allTrafficRulesNeedPorts: true,
  /** An EBS mapping without VolumeSize (AWS takes the AMI's size) is refused by moto. */
  ebsMappingsNeedASize: true,
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Logical ids a piece of template names through Ref, Fn::GetAtt or Fn::Sub. */
function referencedIds(value: Json, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    value.forEach(v => referencedIds(v, into));
  } else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'Ref' && typeof v === 'string') into.add(v);
      else if (key === 'Fn::GetAtt') {
        into.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(v) ? String(v[0]) : String(v);
        for (const [, id] of text.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) {
          into.add(id);
        }
      }
      referencedIds(v, into);
    }
  }
  return into;
}

function fillMotoGaps(value: Json): Json {
  if (Array.isArray(value)) return value.map(fillMotoGaps);
  if (!value || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [key, v] of Object.entries(value)) out[key] = fillMotoGaps(v);
  if (String(out.IpProtocol) === '-1' && out.FromPort === undefined) {
    out.FromPort = -1;
    out.ToPort = -1;
  }
  const ebs = out.Ebs;
  if (
    ebs &&
    typeof ebs === 'object' &&
    !Array.isArray(ebs) &&
    ebs.VolumeSize === undefined &&
    ebs.SnapshotId === undefined
  ) {
    ebs.VolumeSize = 8;
  }
  return out;
}

/**
 * A rendered template as a stack moto can create: resources of types moto
 * does not model are left out, with everything that refers to them
 * (resources, through Ref, GetAtt, Sub or DependsOn, and outputs); the
 * gaps of {@link MOTO_CLOUDFORMATION_GAPS} are filled. Returns the JSON body
 * and the logical ids left out.
 */
export function motoCompatibleTemplate(body: string): {
  body: string;
  removed: string[];
} {
  const template = parseTemplateBody(body).document as unknown as {
    Resources: Record<string, { Type: string; DependsOn?: string | string[] }>;
    Outputs?: Record<string, Json>;
  };
  const removed = new Set(
    Object.entries(template.Resources)
      .filter(([, r]) =>
        MOTO_CLOUDFORMATION_GAPS.unsupportedTypes.some(t =>
          r.Type.startsWith(t),
        ),
      )
      .map(([id]) => id),
  );
  for (let grew = true; grew; ) {
    grew = false;
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (removed.has(id)) continue;
      const dependsOn = resource.DependsOn ?? [];
      const needs = [
        ...referencedIds(resource as unknown as Json),
        ...(Array.isArray(dependsOn) ? dependsOn : [dependsOn]),
      ];
      if (needs.some(n => removed.has(n))) {
        removed.add(id);
        grew = true;
      }
    }
  }
  for (const id of removed) delete template.Resources[id];
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if ([...referencedIds(output)].some(n => removed.has(n))) {
      delete template.Outputs![key];
    }
  }
  return {
    body: JSON.stringify(fillMotoGaps(template as unknown as Json)),
    removed: [...removed].sort(),
  };
}
