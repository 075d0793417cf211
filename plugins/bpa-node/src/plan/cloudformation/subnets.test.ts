import { carveCidr, subnetLayout } from './subnets';

describe('carveCidr', () => {
  it('cuts a block into equal, consecutive sub-blocks', () => {
    expect(carveCidr('10.0.0.0/16', 20, 3)).toEqual([
      '10.0.0.0/20',
      '10.0.16.0/20',
      '10.0.32.0/20',
    ]);
    expect(carveCidr('10.0.0.0/16', 20, 2, 14)).toEqual([
      '10.0.224.0/20',
      '10.0.240.0/20',
    ]);
    expect(carveCidr('192.168.10.0/24', 26, 4)).toEqual([
      '192.168.10.0/26',
      '192.168.10.64/26',
      '192.168.10.128/26',
      '192.168.10.192/26',
    ]);
  });

  it('handles addresses above 128.0.0.0 without sign trouble', () => {
    expect(carveCidr('172.31.0.0/16', 18, 1, 3)).toEqual(['172.31.192.0/18']);
    expect(carveCidr('255.255.255.0/24', 28, 1, 15)).toEqual([
      '255.255.255.240/28',
    ]);
  });

  it('refuses more blocks than fit', () => {
    expect(() => carveCidr('10.0.0.0/16', 20, 17)).toThrow(
      '10.0.0.0/16 holds 16 /20 blocks; 17 are needed',
    );
  });

  it('refuses malformed and misaligned blocks', () => {
    expect(() => carveCidr('10.0.0/16', 20, 1)).toThrow('not an IPv4 CIDR');
    expect(() => carveCidr('10.0.0.300/16', 20, 1)).toThrow('not an IPv4 CIDR');
    expect(() => carveCidr('10.0.1.0/16', 20, 1)).toThrow(
      'its network address is 10.0.0.0/16',
    );
  });
});

describe('subnetLayout', () => {
  it('gives a /16 VPC three public and three private /20s and a /16 pod CIDR three /18s', () => {
    expect(subnetLayout('10.0.0.0/16', '100.64.0.0/16', 3)).toEqual({
      public: ['10.0.0.0/20', '10.0.16.0/20', '10.0.32.0/20'],
      private: ['10.0.48.0/20', '10.0.64.0/20', '10.0.80.0/20'],
      pod: ['100.64.0.0/18', '100.64.64.0/18', '100.64.128.0/18'],
    });
  });

  it('gives a /20 VPC /24 subnets', () => {
    expect(subnetLayout('10.20.32.0/20', '100.64.0.0/16', 3)).toEqual({
      public: ['10.20.32.0/24', '10.20.33.0/24', '10.20.34.0/24'],
      private: ['10.20.35.0/24', '10.20.36.0/24', '10.20.37.0/24'],
      pod: ['100.64.0.0/18', '100.64.64.0/18', '100.64.128.0/18'],
    });
  });

  it('halves the pod CIDR for two zones and quarters it for four', () => {
    expect(subnetLayout('10.0.0.0/16', '100.64.0.0/16', 2).pod).toEqual([
      '100.64.0.0/17',
      '100.64.128.0/17',
    ]);
    expect(subnetLayout('10.0.0.0/16', '100.64.0.0/16', 4).pod).toEqual([
      '100.64.0.0/18',
      '100.64.64.0/18',
      '100.64.128.0/18',
      '100.64.192.0/18',
    ]);
  });

  it('never overlaps public and private subnets', () => {
    const layout = subnetLayout('10.0.0.0/16', '100.64.0.0/16', 8);
    const all = [...layout.public, ...layout.private];
    expect(new Set(all).size).toBe(16);
  });

  it('refuses a VPC too small for AWS subnets and too many zones', () => {
    expect(() => subnetLayout('10.0.0.0/25', '100.64.0.0/16', 3)).toThrow(
      'VPC 10.0.0.0/25 is too small',
    );
    expect(() => subnetLayout('10.0.0.0/16', '100.64.0.0/16', 9)).toThrow(
      '16 /20 blocks; 18 are needed',
    );
  });
});
