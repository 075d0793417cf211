/** An IPv4 CIDR block as a number and a prefix length. */
interface Ipv4Block {
  base: number;
  prefix: number;
}

/** AWS refuses subnets smaller than /28. */
const SMALLEST_SUBNET_PREFIX = 28;

/** Bits added to the VPC prefix for public and private subnets: 16 blocks, /20s in a /16. */
const VPC_SPLIT_BITS = 4;

function parseCidr(cidr: string): Ipv4Block {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(
    cidr,
  );
  if (!match) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  }
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some(o => o > 255) || prefix > 32) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR block like 10.0.0.0/16`);
  }
  const base = octets.reduce((n, o) => n * 256 + o, 0);
  if (base % 2 ** (32 - prefix) !== 0) {
    throw new Error(
      `"${cidr}" has host bits set; its network address is ${formatCidr({
        base: base - (base % 2 ** (32 - prefix)),
        prefix,
      })}`,
    );
  }
  return { base, prefix };
}

function formatCidr({ base, prefix }: Ipv4Block): string {
  const octets = [24, 16, 8, 0].map(
    shift => Math.floor(base / 2 ** shift) % 256,
  );
  return `${octets.join('.')}/${prefix}`;
}

/**
 * Splits `cidr` into equal blocks of `newPrefix` and returns `count` of them,
 * starting at block `first`. Pure and deterministic: the same request always
 * gets the same subnets, so re-planning never moves a subnet.
 */
export function carveCidr(
  cidr: string,
  newPrefix: number,
  count: number,
  first = 0,
): string[] {
  const block = parseCidr(cidr);
  if (newPrefix < block.prefix || newPrefix > 32) {
    throw new Error(`cannot split ${cidr} into /${newPrefix} blocks`);
  }
  const available = 2 ** (newPrefix - block.prefix);
  if (first + count > available) {
    throw new Error(
      `${cidr} holds ${available} /${newPrefix} blocks; ${
        first + count
      } are needed`,
    );
  }
  const size = 2 ** (32 - newPrefix);
  return Array.from({ length: count }, (_, i) =>
    formatCidr({ base: block.base + (first + i) * size, prefix: newPrefix }),
  );
}

/** The subnets of an environment, one of each kind per availability zone, in zone order. */
export interface SubnetLayout {
  public: string[];
  private: string[];
  pod: string[];
}

/**
 * Lays out the subnets: the VPC CIDR is cut into 16 equal blocks (/20s for a
 * /16, /24s for a /20); public subnets take the first blocks, private subnets
 * the next ones, the rest stays free for later use. The pod CIDR is cut into
 * the fewest equal blocks that give each zone one (/18s for three zones in a /16),
 * because pods need far more addresses than anything else.
 */
export function subnetLayout(
  vpcCidr: string,
  podCidr: string,
  zoneCount: number,
): SubnetLayout {
  if (zoneCount < 1) {
    throw new Error('at least one availability zone is needed');
  }
  const vpc = parseCidr(vpcCidr);
  const subnetPrefix = vpc.prefix + VPC_SPLIT_BITS;
  if (subnetPrefix > SMALLEST_SUBNET_PREFIX) {
    throw new Error(
      `VPC ${vpcCidr} is too small: its subnets would be /${subnetPrefix}, AWS allows /${SMALLEST_SUBNET_PREFIX} at the smallest`,
    );
  }
  const pod = parseCidr(podCidr);
  const podPrefix = pod.prefix + Math.ceil(Math.log2(zoneCount));
  if (podPrefix > SMALLEST_SUBNET_PREFIX) {
    throw new Error(`pod CIDR ${podCidr} is too small for ${zoneCount} zones`);
  }
  return {
    public: carveCidr(vpcCidr, subnetPrefix, zoneCount, 0),
    private: carveCidr(vpcCidr, subnetPrefix, zoneCount, zoneCount),
    pod: carveCidr(podCidr, podPrefix, zoneCount, 0),
  };
}
