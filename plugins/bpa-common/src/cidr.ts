/**
 * IPv4 CIDR blocks: parsing, containment and overlap. Pure functions; the
 * address is kept as an unsigned 32-bit number so comparisons are exact.
 */
import { quoted } from './checks/issue';

/** An IPv4 CIDR block: its network address (unsigned 32-bit) and prefix length. */
export interface Ipv4Cidr {
  address: number;
  prefix: number;
}

export type Ipv4CidrParseResult =
  | { ok: true; cidr: Ipv4Cidr }
  | { ok: false; reason: string };

const CIDR_SHAPE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** The netmask of a prefix length, e.g. /16 -> 255.255.0.0 as a number. */
function netmask(prefix: number): number {
  // A shift by 32 is a no-op in JavaScript, so /0 needs its own case.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map(shift => (address >>> shift) & 0xff).join('.');
}

/** Canonical text of a block, e.g. `10.0.0.0/16`. */
export function formatIpv4Cidr(cidr: Ipv4Cidr): string {
  return `${formatAddress(cidr.address)}/${cidr.prefix}`;
}

/**
 * Parses `a.b.c.d/n`. Refuses octets above 255, leading zeros (some tools
 * read them as octal), prefixes above 32 and set host bits; for the last it
 * names the block that was probably meant.
 */
export function parseIpv4Cidr(text: string): Ipv4CidrParseResult {
  const match = CIDR_SHAPE.exec(text);
  if (!match) {
    return {
      ok: false,
      reason: `${quoted(
        text,
      )} is not an IPv4 CIDR block of the form a.b.c.d/n, e.g. 10.0.0.0/16`,
    };
  }
  const parts = match.slice(1, 5);
  for (const part of parts) {
    if (part.length > 1 && part.startsWith('0')) {
      return {
        ok: false,
        reason: `octet ${quoted(
          part,
        )} in ${text} has a leading zero, which some tools read as octal; write ${Number(
          part,
        )}`,
      };
    }
    if (Number(part) > 255) {
      return {
        ok: false,
        reason: `octet ${part} in ${text} is out of range (0-255)`,
      };
    }
  }
  const prefix = Number(match[5]);
  if (prefix > 32 || (match[5].length > 1 && match[5].startsWith('0'))) {
    return {
      ok: false,
      reason: `prefix /${match[5]} in ${text} is out of range (/0-/32)`,
    };
  }
  const raw = parts.reduce((acc, part) => acc * 256 + Number(part), 0) >>> 0;
  const address = (raw & netmask(prefix)) >>> 0;
  if (address !== raw) {
    return {
      ok: false,
      reason: `${text} has host bits set; did you mean ${formatIpv4Cidr({
        address,
        prefix,
      })}?`,
    };
  }
  return { ok: true, cidr: { address, prefix } };
}

/** Parses a block known to be valid (constants, tests); throws otherwise. */
export function ipv4Cidr(text: string): Ipv4Cidr {
  const result = parseIpv4Cidr(text);
  if (!result.ok) {
    throw new Error(result.reason);
  }
  return result.cidr;
}

/** Number of addresses in the block. */
export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

/** True when every address of `inner` lies in `outer` (a block contains itself). */
export function cidrContains(outer: Ipv4Cidr, inner: Ipv4Cidr): boolean {
  return (
    inner.prefix >= outer.prefix &&
    (inner.address & netmask(outer.prefix)) >>> 0 === outer.address
  );
}

/** True when the blocks share at least one address. */
export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/** The private ranges of RFC 1918. */
export const RFC1918_BLOCKS: readonly Ipv4Cidr[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
].map(ipv4Cidr);

/** RFC 6598 shared address space; AWS accepts it as a secondary VPC CIDR (the reference pod CIDR). */
export const SHARED_ADDRESS_SPACE: Ipv4Cidr = ipv4Cidr('100.64.0.0/10');

/** The RFC 1918 range containing the block, if any. */
export function rfc1918BlockOf(cidr: Ipv4Cidr): Ipv4Cidr | undefined {
  return RFC1918_BLOCKS.find(block => cidrContains(block, cidr));
}
