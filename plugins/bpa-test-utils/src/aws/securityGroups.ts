import { cidrContains, ipv4Cidr } from '@internal/backstage-plugin-bpa-common';

/** The part of a CloudFormation template the evaluator reads. */
interface TemplateResources {
  Resources: Record<
    string,
    { Type: string; Properties?: Record<string, unknown> }
  >;
}

/**
 * EC2 security groups as the rendered templates define them, and the
 * question EC2 answers for every packet: does a source's group set let it
 * out, and does the target's group set let it in? Security groups are
 * stateful, so the reply needs no rule. Groups are named by a key of the
 * caller's choosing (the logical id in the template, or
 * {@link EKS_CLUSTER_SECURITY_GROUP}).
 */

/** The group EKS creates with the cluster (not in any template): its ENIs and managed nodes' members admit each other. */
export const EKS_CLUSTER_SECURITY_GROUP = 'eks-cluster-security-group';

export interface SecurityGroupRule {
  /** `-1` (all), `tcp`, `udp` or `icmp`. */
  protocol: string;
  fromPort: number;
  toPort: number;
  /** The peer: a CIDR, or another group. */
  cidr?: string;
  group?: string;
}

export interface SecurityGroup {
  ingress: SecurityGroupRule[];
  egress: SecurityGroupRule[];
}

/** One end of a connection: its address and the groups on its network interface. */
export interface NetworkEndpoint {
  ip: string;
  groups: string[];
}

const PROTOCOL_NUMBERS: Record<string, string> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
};

function protocolOf(value: unknown): string {
  const text = String(value).toLowerCase();
  return PROTOCOL_NUMBERS[text] ?? text;
}

/**
 * What EKS documents for the cluster security group it creates: inbound
 * from itself on every port, outbound anywhere.
 */
export function eksClusterSecurityGroup(): SecurityGroup {
  return {
    ingress: [
      {
        protocol: '-1',
        fromPort: 0,
        toPort: 65535,
        group: EKS_CLUSTER_SECURITY_GROUP,
      },
    ],
    egress: [{ protocol: '-1', fromPort: 0, toPort: 65535, cidr: '0.0.0.0/0' }],
  };
}

/**
 * The security groups of a template, by logical id: inline rules and
 * standalone `AWS::EC2::SecurityGroupIngress`/`Egress` resources. A group
 * without `SecurityGroupEgress` keeps EC2's default allow-all egress.
 * `resolveGroup` names a group a rule points at (a `Ref` to a group of this
 * template is resolved already).
 */
export function securityGroupsOf(
  template: TemplateResources,
  resolveGroup: (value: unknown) => string = value => {
    throw new Error(`cannot resolve security group ${JSON.stringify(value)}`);
  },
): Record<string, SecurityGroup> {
  const groupName = (value: unknown): string => {
    const ref = (value as { Ref?: string }).Ref;
    if (ref && template.Resources[ref]?.Type === 'AWS::EC2::SecurityGroup')
      return ref;
    return resolveGroup(value);
  };
  const rule = (props: Record<string, any>, peerGroupKey: string) => ({
    protocol: protocolOf(props.IpProtocol),
    fromPort: props.FromPort ?? 0,
    toPort: props.ToPort ?? 65535,
    ...(props.CidrIp ? { cidr: props.CidrIp as string } : {}),
    ...(props[peerGroupKey] ? { group: groupName(props[peerGroupKey]) } : {}),
  });
  const groups: Record<string, SecurityGroup> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::EC2::SecurityGroup') continue;
    const props = (resource.Properties ?? {}) as Record<string, any>;
    groups[id] = {
      ingress: ((props.SecurityGroupIngress ?? []) as any[]).map(r =>
        rule(r, 'SourceSecurityGroupId'),
      ),
      egress: props.SecurityGroupEgress
        ? (props.SecurityGroupEgress as any[]).map(r =>
            rule(r, 'DestinationSecurityGroupId'),
          )
        : [{ protocol: '-1', fromPort: 0, toPort: 65535, cidr: '0.0.0.0/0' }],
    };
  }
  for (const resource of Object.values(template.Resources)) {
    const props = (resource.Properties ?? {}) as Record<string, any>;
    if (resource.Type === 'AWS::EC2::SecurityGroupIngress') {
      groups[groupName(props.GroupId)].ingress.push(
        rule(props, 'SourceSecurityGroupId'),
      );
    }
    if (resource.Type === 'AWS::EC2::SecurityGroupEgress') {
      groups[groupName(props.GroupId)].egress.push(
        rule(props, 'DestinationSecurityGroupId'),
      );
    }
  }
  return groups;
}

function matches(
  rule: SecurityGroupRule,
  protocol: string,
  port: number,
  peer: NetworkEndpoint,
): boolean {
  const protocolMatches = rule.protocol === '-1' || rule.protocol === protocol;
  const portMatches =
    rule.protocol === '-1' || (rule.fromPort <= port && port <= rule.toPort);
  const peerMatches = rule.cidr
    ? cidrContains(ipv4Cidr(rule.cidr), ipv4Cidr(`${peer.ip}/32`))
    : !!rule.group && peer.groups.includes(rule.group);
  return protocolMatches && portMatches && peerMatches;
}

/**
 * Whether EC2 lets a new connection from `source` to `target` on a port:
 * some egress rule of the source's groups and some ingress rule of the
 * target's groups must both match. Says why not when it is refused.
 */
export function connectionAllowed(
  groups: Record<string, SecurityGroup>,
  source: NetworkEndpoint,
  target: NetworkEndpoint,
  protocol: 'tcp' | 'udp',
  port: number,
): { allowed: true } | { allowed: false; reason: string } {
  const lookup = (name: string) => {
    const group = groups[name];
    if (!group) throw new Error(`no security group ${name}`);
    return group;
  };
  const out = source.groups.some(g =>
    lookup(g).egress.some(r => matches(r, protocol, port, target)),
  );
  if (!out) {
    return {
      allowed: false,
      reason: `no egress rule of ${source.groups.join(', ')} lets ${
        source.ip
      } reach ${target.ip} on ${protocol}/${port}`,
    };
  }
  const inbound = target.groups.some(g =>
    lookup(g).ingress.some(r => matches(r, protocol, port, source)),
  );
  if (!inbound) {
    return {
      allowed: false,
      reason: `no ingress rule of ${target.groups.join(', ')} admits ${
        source.ip
      } (groups ${source.groups.join(', ')}) on ${protocol}/${port}`,
    };
  }
  return { allowed: true };
}
