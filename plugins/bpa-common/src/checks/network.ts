/** The VPC, pod, service and admin CIDRs and how they relate. */
import {
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatIpv4Cidr,
  type Ipv4Cidr,
  ipv4Cidr,
  parseIpv4Cidr,
  rfc1918BlockOf,
  SHARED_ADDRESS_SPACE,
} from '../cidr';
import type { EnvironmentSpec } from '../spec';
import type { SpecIssue } from '../validate';
import { issue, quoted } from './issue';

const NOT_A_SOURCE = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/4',
  '240.0.0.0/4',
].map(ipv4Cidr);

/** Widest admin CIDR accepted from the public internet: a /16 is 65,536 hosts already. */
const WIDEST_PUBLIC_ADMIN_PREFIX = 16;

type NetworkField = 'vpcCidr' | 'podCidr' | 'serviceCidr' | 'adminCidr';

function describeBlock(cidr: Ipv4Cidr): string {
  const block = rfc1918BlockOf(cidr);
  return block ? formatIpv4Cidr(block) : 'a public range';
}

export function checkNetwork(network: EnvironmentSpec['network']): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const at = (field: NetworkField, message: string) =>
    issues.push(issue(`network.${field}`, message));

  const parsed: Partial<Record<NetworkField, Ipv4Cidr>> = {};
  for (const field of [
    'vpcCidr',
    'podCidr',
    'serviceCidr',
    'adminCidr',
  ] as const) {
    const result = parseIpv4Cidr(network[field]);
    if (result.ok) {
      parsed[field] = result.cidr;
    } else {
      at(field, result.reason);
    }
  }
  const { vpcCidr: vpc, podCidr: pod, serviceCidr: service } = parsed;
  const admin = parsed.adminCidr;

  if (vpc) {
    if (vpc.prefix < 16 || vpc.prefix > 20) {
      at(
        'vpcCidr',
        `must be between /16 and /20 (is /${vpc.prefix}): AWS allows /16 to /28 for a VPC, but the network stack cuts it into 16 equal blocks for the public and private subnets of the three zones, and below a /20 those subnets (smaller than /24) leave too few addresses for nodes, load balancers and endpoints`,
      );
    }
    if (!rfc1918BlockOf(vpc)) {
      at(
        'vpcCidr',
        `${formatIpv4Cidr(
          vpc,
        )} must lie in a private range (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16): public addresses inside the VPC would hide those hosts on the internet`,
      );
    }
  }

  if (pod) {
    if (pod.prefix < 16 || pod.prefix > 20) {
      at(
        'podCidr',
        `must be between /16 and /20 (is /${pod.prefix}): every pod takes an address from it and it is split into one pod subnet per zone`,
      );
    }
    const podBlock = rfc1918BlockOf(pod);
    const vpcBlock = vpc && rfc1918BlockOf(vpc);
    const sameRangeAsVpc = podBlock && (!vpcBlock || podBlock === vpcBlock);
    if (!cidrContains(SHARED_ADDRESS_SPACE, pod) && !sameRangeAsVpc) {
      at(
        'podCidr',
        `${formatIpv4Cidr(
          pod,
        )} cannot be added to the VPC as a secondary CIDR: AWS accepts one from 100.64.0.0/10 (the reference uses 100.64.0.0/16) or from the VPC CIDR's own private range${
          vpc ? ` (${describeBlock(vpc)})` : ''
        }`,
      );
    }
    if (vpc && cidrsOverlap(pod, vpc)) {
      at(
        'podCidr',
        `overlaps network.vpcCidr (${formatIpv4Cidr(
          vpc,
        )}): the pod range is added to the VPC as a second CIDR and must be disjoint from the first`,
      );
    }
  }

  if (service) {
    if (!rfc1918BlockOf(service)) {
      at(
        'serviceCidr',
        `${formatIpv4Cidr(
          service,
        )} must lie in 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (Amazon EKS rule for the service CIDR)`,
      );
    }
    if (service.prefix < 12 || service.prefix > 24) {
      at(
        'serviceCidr',
        `must be between /12 and /24 (is /${service.prefix}), the sizes Amazon EKS accepts for the service CIDR`,
      );
    }
    for (const [field, other] of [
      ['vpcCidr', vpc],
      ['podCidr', pod],
    ] as const) {
      if (other && cidrsOverlap(service, other)) {
        at(
          'serviceCidr',
          `overlaps network.${field} (${formatIpv4Cidr(
            other,
          )}): Amazon EKS refuses a service CIDR that overlaps any CIDR of the VPC`,
        );
      }
    }
  }

  if (
    network.bastionImageId !== undefined &&
    !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(network.bastionImageId)
  ) {
    issues.push(
      issue(
        'network.bastionImageId',
        `${quoted(network.bastionImageId)} is not an AMI id (ami- and 8 or 17 hexadecimal digits, e.g. ami-0123456789abcdef0)`,
      ),
    );
  }

  (network.portalEgressCidrs ?? []).forEach((text, i) => {
    const path = `network.portalEgressCidrs.${i}`;
    const result = parseIpv4Cidr(text);
    if (!result.ok) {
      issues.push(issue(path, result.reason));
    } else if (result.cidr.prefix === 0) {
      issues.push(
        issue(
          path,
          "must not be 0.0.0.0/0: it would open the cluster's API endpoint to the whole internet; give the portal's egress addresses, e.g. 198.51.100.16/28",
        ),
      );
    } else if (
      NOT_A_SOURCE.some(reserved => cidrsOverlap(reserved, result.cidr))
    ) {
      issues.push(
        issue(
          path,
          `${formatIpv4Cidr(
            result.cidr,
          )} is not a range the portal connects from (it covers loopback, link-local, multicast or reserved addresses)`,
        ),
      );
    }
  });

  if (admin) {
    const privateSource =
      rfc1918BlockOf(admin) || cidrContains(SHARED_ADDRESS_SPACE, admin);
    if (admin.prefix === 0) {
      at(
        'adminCidr',
        'must not be 0.0.0.0/0: the reference guide opened every port to the whole internet; admin access (bastion SSH, the load balancer) is limited to your network, e.g. 203.0.113.0/24',
      );
    } else if (NOT_A_SOURCE.some(reserved => cidrsOverlap(reserved, admin))) {
      at(
        'adminCidr',
        `${formatIpv4Cidr(
          admin,
        )} is not a range administrators connect from (it covers loopback, link-local, multicast or reserved addresses)`,
      );
    } else if (!privateSource && admin.prefix < WIDEST_PUBLIC_ADMIN_PREFIX) {
      at(
        'adminCidr',
        `${formatIpv4Cidr(admin)} opens admin access to ${cidrSize(
          admin,
        ).toLocaleString(
          'en-US',
        )} internet addresses; a public admin CIDR may be at most a /${WIDEST_PUBLIC_ADMIN_PREFIX}: give your office or VPN egress range, e.g. 203.0.113.0/24`,
      );
    }
  }
  return issues;
}
