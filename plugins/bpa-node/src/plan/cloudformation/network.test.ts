import {
  REFERENCE_SPEC_INPUT,
  STACK_KINDS,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { CfnTemplate, CfnValue } from './common';
import { stackTemplate } from './index';

const PINNED_AMI = 'ami-0123456789abcdef0';
const withBastion = (bastion: Record<string, unknown>) =>
  parseEnvironmentSpec({
    ...REFERENCE_SPEC_INPUT,
    network: { ...REFERENCE_SPEC_INPUT.network, ...bastion },
  });
const spec = withBastion({ bastionImageId: PINNED_AMI });
const unpinned = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const sshBastion = withBastion({
  bastionImageId: PINNED_AMI,
  bastionAccess: 'ssh',
});
const network = stackTemplate(spec, 'network');
const { vpcCidr, podCidr, adminCidr } = spec.network;

type Props = Record<string, any>;

const ofType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({
      id,
      props: (r.Properties ?? {}) as Props,
      resource: r,
    }));

const tagsOf = (props: Props): Record<string, string> =>
  Object.fromEntries(
    (props.Tags as { Key: string; Value: string }[]).map(t => [t.Key, t.Value]),
  );

interface IngressRule {
  group: CfnValue;
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  CidrIpv6?: string;
  SourceSecurityGroupId?: CfnValue;
}

/** Every ingress rule of a template: inline in security groups and standalone. */
function ingressRules(template: CfnTemplate): IngressRule[] {
  const inline = ofType(template, 'AWS::EC2::SecurityGroup').flatMap(
    ({ id, props }) =>
      ((props.SecurityGroupIngress ?? []) as IngressRule[]).map(rule => ({
        ...rule,
        group: { Ref: id },
      })),
  );
  const standalone = ofType(template, 'AWS::EC2::SecurityGroupIngress').map(
    ({ props }) => ({ ...(props as IngressRule), group: props.GroupId }),
  );
  return [...inline, ...standalone];
}

const coversAllPorts = (rule: IngressRule) =>
  rule.IpProtocol === '-1' ||
  String(rule.IpProtocol) === 'all' ||
  ((rule.FromPort ?? 0) <= 0 && (rule.ToPort ?? 65535) >= 65535);

const portsOf = (rule: IngressRule) => `${rule.FromPort}-${rule.ToPort}`;

describe('network stack', () => {
  it('spans the VPC CIDR with DNS, plus the pod CIDR as a secondary block', () => {
    const [vpc] = ofType(network, 'AWS::EC2::VPC');
    expect(vpc.props).toMatchObject({
      CidrBlock: '10.0.0.0/16',
      EnableDnsSupport: true,
      EnableDnsHostnames: true,
    });
    const [pod] = ofType(network, 'AWS::EC2::VPCCidrBlock');
    expect(pod.props).toEqual({
      VpcId: { Ref: 'Vpc' },
      CidrBlock: '100.64.0.0/16',
    });
  });

  it('puts a public, a private and a pod subnet in each of the three zones', () => {
    const subnets = ofType(network, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(9);
    for (const zone of ['us-east-1a', 'us-east-1b', 'us-east-1c']) {
      const names = subnets
        .filter(s => s.props.AvailabilityZone === zone)
        .map(s => tagsOf(s.props).Name)
        .sort();
      expect(names).toEqual([
        `bpa-demo-pods-${zone}`,
        `bpa-demo-private-${zone}`,
        `bpa-demo-public-${zone}`,
      ]);
    }
    const cidrs = (prefix: string) =>
      subnets.filter(s => s.id.startsWith(prefix)).map(s => s.props.CidrBlock);
    expect(cidrs('Public')).toEqual([
      '10.0.0.0/20',
      '10.0.16.0/20',
      '10.0.32.0/20',
    ]);
    expect(cidrs('Private')).toEqual([
      '10.0.48.0/20',
      '10.0.64.0/20',
      '10.0.80.0/20',
    ]);
    expect(cidrs('Pod')).toEqual([
      '100.64.0.0/18',
      '100.64.64.0/18',
      '100.64.128.0/18',
    ]);
  });

  it('tags subnets for Kubernetes load balancers and waits for the pod CIDR', () => {
    for (const { id, props, resource } of ofType(network, 'AWS::EC2::Subnet')) {
      const tags = tagsOf(props);
      expect(tags['kubernetes.io/role/elb']).toBe(
        id.startsWith('Public') ? '1' : undefined,
      );
      expect(tags['kubernetes.io/role/internal-elb']).toBe(
        id.startsWith('Private') ? '1' : undefined,
      );
      expect(resource.DependsOn).toEqual(
        id.startsWith('Pod') ? ['PodCidrBlock'] : undefined,
      );
    }
  });

  it('routes public subnets to the internet gateway and each zone through its own NAT gateway', () => {
    expect(
      ofType(network, 'AWS::EC2::NatGateway').map(n => n.props.SubnetId),
    ).toEqual([
      { Ref: 'PublicSubnet1' },
      { Ref: 'PublicSubnet2' },
      { Ref: 'PublicSubnet3' },
    ]);
    const routes = ofType(network, 'AWS::EC2::Route');
    expect(routes.map(r => r.props)).toEqual([
      {
        RouteTableId: { Ref: 'PublicRouteTable' },
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: { Ref: 'InternetGateway' },
      },
      {
        RouteTableId: { Ref: 'PrivateRouteTable1' },
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: { Ref: 'NatGateway1' },
      },
      {
        RouteTableId: { Ref: 'PrivateRouteTable2' },
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: { Ref: 'NatGateway2' },
      },
      {
        RouteTableId: { Ref: 'PrivateRouteTable3' },
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: { Ref: 'NatGateway3' },
      },
    ]);
    const tableOf = Object.fromEntries(
      ofType(network, 'AWS::EC2::SubnetRouteTableAssociation').map(a => [
        a.props.SubnetId.Ref,
        a.props.RouteTableId.Ref,
      ]),
    );
    expect(tableOf).toEqual({
      PublicSubnet1: 'PublicRouteTable',
      PublicSubnet2: 'PublicRouteTable',
      PublicSubnet3: 'PublicRouteTable',
      PrivateSubnet1: 'PrivateRouteTable1',
      PodSubnet1: 'PrivateRouteTable1',
      PrivateSubnet2: 'PrivateRouteTable2',
      PodSubnet2: 'PrivateRouteTable2',
      PrivateSubnet3: 'PrivateRouteTable3',
      PodSubnet3: 'PrivateRouteTable3',
    });
  });

  describe('security groups', () => {
    const everyStackRule = STACK_KINDS.flatMap(kind =>
      ingressRules(stackTemplate(spec, kind)),
    );

    it('never admit traffic from anywhere', () => {
      expect(everyStackRule.length).toBeGreaterThan(0);
      for (const rule of everyStackRule) {
        expect(rule.CidrIp).not.toBe('0.0.0.0/0');
        expect(rule.CidrIpv6).toBeUndefined();
      }
    });

    it('open all ports only to the pod CIDR and between nodes', () => {
      const open = everyStackRule.filter(coversAllPorts);
      expect(open.map(r => r.CidrIp ?? r.SourceSecurityGroupId)).toEqual([
        podCidr,
        { Ref: 'NodeSecurityGroup' },
      ]);
      expect(
        open.every(
          r => JSON.stringify(r.group) === '{"Ref":"NodeSecurityGroup"}',
        ),
      ).toBe(true);
    });

    it('admit the admin CIDR on 443 and 30101 (load balancer) only, and on 22 only to a bastion reached by SSH', () => {
      const fromAdmin = (template: CfnTemplate) =>
        ingressRules(template)
          .filter(r => r.CidrIp === adminCidr)
          .map(r => `${JSON.stringify(r.group)} tcp ${portsOf(r)}`)
          .sort();
      expect(fromAdmin(network)).toEqual([
        '{"Ref":"AlbSecurityGroup"} tcp 30101-30101',
        '{"Ref":"AlbSecurityGroup"} tcp 443-443',
      ]);
      expect(fromAdmin(stackTemplate(sshBastion, 'network'))).toEqual([
        '{"Ref":"AlbSecurityGroup"} tcp 30101-30101',
        '{"Ref":"AlbSecurityGroup"} tcp 443-443',
        '{"Ref":"BastionSecurityGroup"} tcp 22-22',
      ]);
    });

    it('let the load balancer reach only the ingress controller NodePorts on the nodes', () => {
      const fromAlb = everyStackRule.filter(
        r =>
          JSON.stringify(r.SourceSecurityGroupId) ===
          '{"Ref":"AlbSecurityGroup"}',
      );
      expect(
        fromAlb.map(
          r => `${JSON.stringify(r.group)} ${r.IpProtocol} ${portsOf(r)}`,
        ),
      ).toEqual([
        '{"Ref":"NodeSecurityGroup"} tcp 30443-30443',
        '{"Ref":"NodeSecurityGroup"} tcp 30101-30101',
      ]);
      const [alb] = ofType(network, 'AWS::EC2::SecurityGroup').filter(
        g => g.id === 'AlbSecurityGroup',
      );
      expect(
        alb.props.SecurityGroupEgress.map(
          (e: Props) => `${e.CidrIp} ${e.FromPort}`,
        ),
      ).toEqual([`${vpcCidr} 30443`, `${vpcCidr} 30101`]);
    });

    it('admit PostgreSQL and Atlas PrivateLink from the pod and VPC CIDRs', () => {
      const into = (group: string) =>
        everyStackRule
          .filter(r => JSON.stringify(r.group) === `{"Ref":"${group}"}`)
          .map(r => `${r.CidrIp} ${r.IpProtocol} ${portsOf(r)}`);
      expect(into('RdsSecurityGroup')).toEqual([
        `${podCidr} tcp 5432-5432`,
        `${vpcCidr} tcp 5432-5432`,
      ]);
      expect(into('AtlasEndpointSecurityGroup')).toEqual([
        `${podCidr} tcp 1024-65535`,
        `${vpcCidr} tcp 1024-65535`,
      ]);
    });
  });

  describe('bastion', () => {
    const bastionOf = (template: CfnTemplate) =>
      ofType(template, 'AWS::EC2::Instance')[0];

    it('is a t3.micro on the AMI the request records, with IMDSv2 required', () => {
      expect(bastionOf(network).props).toMatchObject({
        InstanceType: 't3.micro',
        ImageId: PINNED_AMI,
        MetadataOptions: { HttpTokens: 'required' },
      });
    });

    it('never resolves its AMI at an update: no SSM parameter, and an unpinned plan asks for the AMI id itself', () => {
      for (const template of [network, stackTemplate(unpinned, 'network')]) {
        expect(
          Object.values(template.Parameters ?? {}).filter(p =>
            p.Type.startsWith('AWS::SSM::'),
          ),
        ).toEqual([]);
      }
      expect(network.Parameters).toBeUndefined();
      const planOnly = stackTemplate(unpinned, 'network');
      expect(planOnly.Parameters!.BastionImageId).toEqual({
        Type: 'AWS::EC2::Image::Id',
        Description: expect.stringContaining('pinned by bpa:environment:plan'),
      });
      expect(bastionOf(planOnly).props.ImageId).toEqual({
        Ref: 'BastionImageId',
      });
    });

    it('is reached through SSM Session Manager by default: in a private subnet, no public address, no inbound rule', () => {
      expect(spec.network.bastionAccess).toBe('ssm');
      expect(bastionOf(network).props.NetworkInterfaces).toEqual([
        expect.objectContaining({
          SubnetId: { Ref: 'PrivateSubnet1' },
          AssociatePublicIpAddress: false,
          GroupSet: [{ Ref: 'BastionSecurityGroup' }],
        }),
      ]);
      expect(
        ingressRules(network).filter(
          r => JSON.stringify(r.group) === '{"Ref":"BastionSecurityGroup"}',
        ),
      ).toEqual([]);
      const [role] = ofType(network, 'AWS::IAM::Role');
      expect(JSON.stringify(role.props.ManagedPolicyArns)).toContain(
        'AmazonSSMManagedInstanceCore',
      );
      expect(network.Outputs!.BastionPublicIp).toBeUndefined();
      expect(network.Outputs!.BastionInstanceId).toBeDefined();
    });

    it('takes SSH from the admin CIDR, on a public address, when the request asks for it', () => {
      const ssh = stackTemplate(sshBastion, 'network');
      expect(bastionOf(ssh).props.NetworkInterfaces).toEqual([
        expect.objectContaining({
          SubnetId: { Ref: 'PublicSubnet1' },
          AssociatePublicIpAddress: true,
        }),
      ]);
      expect(ssh.Outputs!.BastionPublicIp).toBeDefined();
    });

    it('is left out, with its group, parameter and outputs, when not requested', () => {
      const without = stackTemplate(
        parseEnvironmentSpec({
          ...REFERENCE_SPEC_INPUT,
          network: { ...REFERENCE_SPEC_INPUT.network, bastion: false },
        }),
        'network',
      );
      expect(JSON.stringify(without)).not.toMatch(/Bastion/);
      expect(ingressRules(without).some(r => r.FromPort === 22)).toBe(false);
    });
  });

  it('exports what the other stacks import, under the network stack name', () => {
    expect(
      Object.entries(network.Outputs!).map(([name, o]) => [
        name,
        o.Export?.Name,
      ]),
    ).toEqual([
      ['VpcId', 'bpa-demo-network:VpcId'],
      ['VpcCidr', 'bpa-demo-network:VpcCidr'],
      ['PodCidr', 'bpa-demo-network:PodCidr'],
      ['PublicSubnetIds', 'bpa-demo-network:PublicSubnetIds'],
      ['PrivateSubnetIds', 'bpa-demo-network:PrivateSubnetIds'],
      ['PodSubnetIds', 'bpa-demo-network:PodSubnetIds'],
      ['NodeSecurityGroupId', 'bpa-demo-network:NodeSecurityGroupId'],
      ['RdsSecurityGroupId', 'bpa-demo-network:RdsSecurityGroupId'],
      [
        'AtlasEndpointSecurityGroupId',
        'bpa-demo-network:AtlasEndpointSecurityGroupId',
      ],
      ['AlbSecurityGroupId', 'bpa-demo-network:AlbSecurityGroupId'],
      ['BastionSecurityGroupId', 'bpa-demo-network:BastionSecurityGroupId'],
      ['BastionInstanceId', undefined],
    ]);
    expect(network.Outputs!.PrivateSubnetIds.Value).toEqual({
      'Fn::Join': [
        ',',
        [
          { Ref: 'PrivateSubnet1' },
          { Ref: 'PrivateSubnet2' },
          { Ref: 'PrivateSubnet3' },
        ],
      ],
    });
  });
});
