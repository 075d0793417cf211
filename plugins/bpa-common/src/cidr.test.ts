import {
  cidrContains,
  cidrSize,
  cidrsOverlap,
  formatIpv4Cidr,
  ipv4Cidr,
  parseIpv4Cidr,
  rfc1918BlockOf,
} from './cidr';

describe('parseIpv4Cidr', () => {
  it.each(['10.0.0.0/16', '100.64.0.0/16', '0.0.0.0/0', '203.0.113.7/32'])(
    'accepts %s and formats it back unchanged',
    text => {
      const result = parseIpv4Cidr(text);
      expect(result).toEqual({ ok: true, cidr: expect.any(Object) });
      expect(result.ok && formatIpv4Cidr(result.cidr)).toBe(text);
    },
  );

  it('names the base address meant when host bits are set', () => {
    expect(parseIpv4Cidr('10.0.1.0/16')).toEqual({
      ok: false,
      reason: '10.0.1.0/16 has host bits set; did you mean 10.0.0.0/16?',
    });
    expect(parseIpv4Cidr('100.64.10.5/20')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('did you mean 100.64.0.0/20?'),
    });
  });

  it.each([
    ['10.0.0.256/24', 'octet 256 in 10.0.0.256/24 is out of range (0-255)'],
    ['10.0.0.0/33', 'prefix /33 in 10.0.0.0/33 is out of range (/0-/32)'],
    ['10.0.0.0', 'is not an IPv4 CIDR block'],
    ['10.0.0/16', 'is not an IPv4 CIDR block'],
    [' 10.0.0.0/16', 'is not an IPv4 CIDR block'],
    ['010.0.0.0/16', 'leading zero'],
    ['fd00::/8', 'is not an IPv4 CIDR block'],
  ])('refuses %s', (text, reason) => {
    expect(parseIpv4Cidr(text)).toEqual({
      ok: false,
      reason: expect.stringContaining(reason),
    });
  });
});

describe('containment and overlap', () => {
  const vpc = ipv4Cidr('10.0.0.0/16');

  it('a block contains its subnets and itself, not its supernet', () => {
    expect(cidrContains(vpc, ipv4Cidr('10.0.255.0/24'))).toBe(true);
    expect(cidrContains(vpc, vpc)).toBe(true);
    expect(cidrContains(vpc, ipv4Cidr('10.0.0.0/8'))).toBe(false);
    expect(cidrContains(vpc, ipv4Cidr('10.1.0.0/24'))).toBe(false);
  });

  it('/0 contains everything, including the top of the address space', () => {
    expect(
      cidrContains(ipv4Cidr('0.0.0.0/0'), ipv4Cidr('255.255.255.255/32')),
    ).toBe(true);
  });

  it('overlap is symmetric and false for adjacent blocks', () => {
    const pods = ipv4Cidr('10.0.128.0/17');
    expect(cidrsOverlap(vpc, pods)).toBe(true);
    expect(cidrsOverlap(pods, vpc)).toBe(true);
    expect(cidrsOverlap(vpc, ipv4Cidr('10.1.0.0/16'))).toBe(false);
    expect(cidrsOverlap(ipv4Cidr('100.64.0.0/16'), vpc)).toBe(false);
  });

  it('handles addresses above 2^31 as unsigned', () => {
    expect(
      cidrContains(ipv4Cidr('192.168.0.0/16'), ipv4Cidr('192.168.200.0/24')),
    ).toBe(true);
    expect(
      cidrsOverlap(ipv4Cidr('224.0.0.0/4'), ipv4Cidr('239.255.0.0/16')),
    ).toBe(true);
  });

  it('sizes a block', () => {
    expect(cidrSize(vpc)).toBe(65536);
    expect(cidrSize(ipv4Cidr('203.0.113.7/32'))).toBe(1);
  });

  it('finds the RFC 1918 range of a block', () => {
    expect(formatIpv4Cidr(rfc1918BlockOf(ipv4Cidr('172.20.0.0/16'))!)).toBe(
      '172.16.0.0/12',
    );
    expect(rfc1918BlockOf(ipv4Cidr('172.32.0.0/16'))).toBeUndefined();
    expect(rfc1918BlockOf(ipv4Cidr('100.64.0.0/16'))).toBeUndefined();
  });
});
