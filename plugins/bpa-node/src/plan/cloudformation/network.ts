import { EnvironmentSpec } from '@internal/backstage-plugin-bpa-common';
import {
  CfnOutput,
  CfnParameter,
  CfnResource,
  CfnTemplate,
  CfnValue,
  INGRESS_NODE_PORTS,
  LISTENER_PORTS,
  assumableBy,
  cfnTags,
  exportedOutput,
  getAtt,
  joinList,
  managedPolicyArn,
  nameTag,
  ref,
} from './common';
import { subnetLayout } from './subnets';

/** Outputs of the network stack that other stacks import. */
export const NETWORK_EXPORTS = {
  vpcId: 'VpcId',
  vpcCidr: 'VpcCidr',
  podCidr: 'PodCidr',
  publicSubnetIds: 'PublicSubnetIds',
  privateSubnetIds: 'PrivateSubnetIds',
  podSubnetIds: 'PodSubnetIds',
  nodeSecurityGroupId: 'NodeSecurityGroupId',
  rdsSecurityGroupId: 'RdsSecurityGroupId',
  atlasEndpointSecurityGroupId: 'AtlasEndpointSecurityGroupId',
  albSecurityGroupId: 'AlbSecurityGroupId',
  bastionSecurityGroupId: 'BastionSecurityGroupId',
} as const;

/**
 * Latest Amazon Linux 2023 AMI, published by AWS as a public SSM parameter:
 * where bpa:environment:plan looks the bastion's AMI up, once, when a
 * request planned for apply records none.
 */
export const BASTION_AMI_PARAMETER =
  '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

export const BASTION_INSTANCE_TYPE = 't3.micro';

const POSTGRES_PORT = 5432;

/**
 * Atlas PrivateLink endpoints answer on ports 1024-65535 (Atlas docs, "Port
 * ranges used for private endpoints"; the ports change with the cluster, so
 * MongoDB recommends admitting the whole range).
 */
const ATLAS_ENDPOINT_PORTS: [number, number] = [1024, 65535];

type IngressSource = { CidrIp: string } | { SourceSecurityGroupId: CfnValue };

function tcpIngress(
  ports: number | [number, number],
  source: IngressSource,
  description: string,
): CfnValue {
  const [from, to] = typeof ports === 'number' ? [ports, ports] : ports;
  return {
    IpProtocol: 'tcp',
    FromPort: from,
    ToPort: to,
    ...source,
    Description: description,
  };
}

const zoneNumber = (index: number) => index + 1;

function subnetResources(spec: EnvironmentSpec): Record<string, CfnResource> {
  const zones = spec.aws.availabilityZones;
  const layout = subnetLayout(
    spec.network.vpcCidr,
    spec.network.podCidr,
    zones.length,
  );
  const resources: Record<string, CfnResource> = {};
  const subnet = (
    cidr: string,
    zone: string,
    name: string,
    tags: Record<string, string>,
    dependsOn?: string[],
  ): CfnResource => ({
    Type: 'AWS::EC2::Subnet',
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Properties: {
      VpcId: ref('Vpc'),
      AvailabilityZone: zone,
      CidrBlock: cidr,
      Tags: cfnTags(spec, { ...nameTag(spec, name), ...tags }),
    },
  });
  zones.forEach((zone, i) => {
    const n = zoneNumber(i);
    resources[`PublicSubnet${n}`] = subnet(
      layout.public[i],
      zone,
      `public-${zone}`,
      { 'kubernetes.io/role/elb': '1' },
    );
    resources[`PrivateSubnet${n}`] = subnet(
      layout.private[i],
      zone,
      `private-${zone}`,
      { 'kubernetes.io/role/internal-elb': '1' },
    );
    // A subnet in the secondary CIDR can only be created once the CIDR is attached.
    resources[`PodSubnet${n}`] = subnet(
      layout.pod[i],
      zone,
      `pods-${zone}`,
      {},
      ['PodCidrBlock'],
    );
  });
  return resources;
}

/**
 * Egress: one public route table through the internet gateway; one NAT gateway
 * and private route table per zone. A NAT gateway per zone costs two more
 * gateways than a shared one, but a zone outage then never cuts the other
 * zones' nodes off ECR and the EKS API, and no traffic crosses zones to reach
 * a NAT.
 */
function routingResources(spec: EnvironmentSpec): Record<string, CfnResource> {
  const zones = spec.aws.availabilityZones;
  const resources: Record<string, CfnResource> = {
    InternetGateway: {
      Type: 'AWS::EC2::InternetGateway',
      Properties: { Tags: cfnTags(spec, nameTag(spec, 'igw')) },
    },
    InternetGatewayAttachment: {
      Type: 'AWS::EC2::VPCGatewayAttachment',
      Properties: {
        VpcId: ref('Vpc'),
        InternetGatewayId: ref('InternetGateway'),
      },
    },
    PublicRouteTable: {
      Type: 'AWS::EC2::RouteTable',
      Properties: {
        VpcId: ref('Vpc'),
        Tags: cfnTags(spec, nameTag(spec, 'public')),
      },
    },
    PublicDefaultRoute: {
      Type: 'AWS::EC2::Route',
      // The route is refused until the gateway is attached to the VPC.
      DependsOn: ['InternetGatewayAttachment'],
      Properties: {
        RouteTableId: ref('PublicRouteTable'),
        DestinationCidrBlock: '0.0.0.0/0',
        GatewayId: ref('InternetGateway'),
      },
    },
  };
  zones.forEach((zone, i) => {
    const n = zoneNumber(i);
    resources[`PublicSubnet${n}RouteTableAssociation`] = {
      Type: 'AWS::EC2::SubnetRouteTableAssociation',
      Properties: {
        SubnetId: ref(`PublicSubnet${n}`),
        RouteTableId: ref('PublicRouteTable'),
      },
    };
    resources[`NatGateway${n}Eip`] = {
      Type: 'AWS::EC2::EIP',
      DependsOn: ['InternetGatewayAttachment'],
      Properties: {
        Domain: 'vpc',
        Tags: cfnTags(spec, nameTag(spec, `nat-${zone}`)),
      },
    };
    resources[`NatGateway${n}`] = {
      Type: 'AWS::EC2::NatGateway',
      Properties: {
        AllocationId: getAtt(`NatGateway${n}Eip`, 'AllocationId'),
        SubnetId: ref(`PublicSubnet${n}`),
        Tags: cfnTags(spec, nameTag(spec, `nat-${zone}`)),
      },
    };
    resources[`PrivateRouteTable${n}`] = {
      Type: 'AWS::EC2::RouteTable',
      Properties: {
        VpcId: ref('Vpc'),
        Tags: cfnTags(spec, nameTag(spec, `private-${zone}`)),
      },
    };
    resources[`PrivateRouteTable${n}DefaultRoute`] = {
      Type: 'AWS::EC2::Route',
      Properties: {
        RouteTableId: ref(`PrivateRouteTable${n}`),
        DestinationCidrBlock: '0.0.0.0/0',
        NatGatewayId: ref(`NatGateway${n}`),
      },
    };
    for (const kind of ['Private', 'Pod']) {
      resources[`${kind}Subnet${n}RouteTableAssociation`] = {
        Type: 'AWS::EC2::SubnetRouteTableAssociation',
        Properties: {
          SubnetId: ref(`${kind}Subnet${n}`),
          RouteTableId: ref(`PrivateRouteTable${n}`),
        },
      };
    }
  });
  return resources;
}

/**
 * Security groups. Sources are always the admin CIDR, the VPC or pod CIDR,
 * or another of these groups: the guide's "0-65535 from anywhere" is not
 * reproduced.
 */
function securityGroupResources(
  spec: EnvironmentSpec,
): Record<string, CfnResource> {
  const { vpcCidr, podCidr, adminCidr } = spec.network;
  const securityGroup = (
    name: string,
    description: string,
    rules: Record<string, CfnValue[]>,
  ): CfnResource => ({
    Type: 'AWS::EC2::SecurityGroup',
    Properties: {
      GroupDescription: description,
      VpcId: ref('Vpc'),
      ...rules,
      Tags: cfnTags(spec, nameTag(spec, name)),
    },
  });
  const nodePorts = Object.values(INGRESS_NODE_PORTS);
  const resources: Record<string, CfnResource> = {
    AlbSecurityGroup: securityGroup(
      'alb',
      'BPA load balancer: HTTPS listeners, reachable from the admin CIDR only',
      {
        SecurityGroupIngress: Object.values(LISTENER_PORTS).map(port =>
          tcpIngress(
            port,
            { CidrIp: adminCidr },
            `BPA on ${port} from the admin CIDR`,
          ),
        ),
        // Replaces the default allow-all egress: the load balancer only talks to the ingress controller's NodePorts.
        SecurityGroupEgress: nodePorts.map(port => ({
          IpProtocol: 'tcp',
          FromPort: port,
          ToPort: port,
          CidrIp: vpcCidr,
          Description: `Ingress controller NodePort ${port} on the nodes`,
        })),
      },
    ),
    NodeSecurityGroup: securityGroup(
      'nodes',
      'BPA worker nodes and pod network interfaces',
      {
        SecurityGroupIngress: [
          ...nodePorts.map(port =>
            tcpIngress(
              port,
              { SourceSecurityGroupId: ref('AlbSecurityGroup') },
              `Ingress controller NodePort ${port} from the load balancer`,
            ),
          ),
          {
            IpProtocol: '-1',
            CidrIp: podCidr,
            Description: 'Pods (custom networking) to services on the nodes',
          },
        ],
      },
    ),
    // A group cannot name itself inline, hence a separate rule.
    NodeSecurityGroupFromNodes: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: ref('NodeSecurityGroup'),
        SourceSecurityGroupId: ref('NodeSecurityGroup'),
        IpProtocol: '-1',
        Description: 'Node to node',
      },
    },
    RdsSecurityGroup: securityGroup(
      'rds',
      'BPA PostgreSQL: reachable from pods and nodes',
      {
        SecurityGroupIngress: [
          tcpIngress(
            POSTGRES_PORT,
            { CidrIp: podCidr },
            'PostgreSQL from pods',
          ),
          tcpIngress(
            POSTGRES_PORT,
            { CidrIp: vpcCidr },
            'PostgreSQL from nodes and the bastion',
          ),
        ],
      },
    ),
    AtlasEndpointSecurityGroup: securityGroup(
      'atlas-endpoint',
      'MongoDB Atlas PrivateLink endpoint: reachable from pods and nodes',
      {
        SecurityGroupIngress: [
          tcpIngress(
            ATLAS_ENDPOINT_PORTS,
            { CidrIp: podCidr },
            'Atlas from pods',
          ),
          tcpIngress(
            ATLAS_ENDPOINT_PORTS,
            { CidrIp: vpcCidr },
            'Atlas from nodes and the bastion',
          ),
        ],
      },
    ),
  };
  if (spec.network.bastion) {
    resources.BastionSecurityGroup =
      spec.network.bastionAccess === 'ssh'
        ? securityGroup(
            'bastion',
            'BPA bastion: SSH from the admin CIDR only',
            {
              SecurityGroupIngress: [
                tcpIngress(
                  22,
                  { CidrIp: adminCidr },
                  'SSH from the admin CIDR',
                ),
              ],
            },
          )
        : securityGroup(
            'bastion',
            'BPA bastion: no inbound traffic, reached through SSM Session Manager',
            {},
          );
  }
  return resources;
}

/**
 * The bastion, on the AMI the request records (an update never moves it to
 * a newer one). Reached through SSM Session Manager: in a private subnet,
 * without a public address or any inbound rule, its agent reaching SSM
 * through the zone's NAT gateway; or, when the request asks for SSH, in a
 * public subnet with port 22 open to the admin CIDR and a key pushed by EC2
 * Instance Connect (no key pair is stored).
 */
function bastionResources(spec: EnvironmentSpec): Record<string, CfnResource> {
  const ssh = spec.network.bastionAccess === 'ssh';
  return {
    BastionRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: assumableBy('ec2.amazonaws.com'),
        ManagedPolicyArns: [managedPolicyArn('AmazonSSMManagedInstanceCore')],
        Tags: cfnTags(spec),
      },
    },
    BastionInstanceProfile: {
      Type: 'AWS::IAM::InstanceProfile',
      Properties: { Roles: [ref('BastionRole')] },
    },
    Bastion: {
      Type: 'AWS::EC2::Instance',
      // Without its way out (the gateway, or the NAT route), the address is unreachable and SSM cannot register.
      DependsOn: [
        ssh ? 'InternetGatewayAttachment' : 'PrivateRouteTable1DefaultRoute',
      ],
      Properties: {
        InstanceType: BASTION_INSTANCE_TYPE,
        ImageId: spec.network.bastionImageId ?? ref('BastionImageId'),
        IamInstanceProfile: ref('BastionInstanceProfile'),
        NetworkInterfaces: [
          {
            DeviceIndex: '0',
            SubnetId: ref(ssh ? 'PublicSubnet1' : 'PrivateSubnet1'),
            AssociatePublicIpAddress: ssh,
            GroupSet: [ref('BastionSecurityGroup')],
            DeleteOnTermination: true,
          },
        ],
        MetadataOptions: {
          HttpEndpoint: 'enabled',
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 1,
        },
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              VolumeType: 'gp3',
              Encrypted: true,
              DeleteOnTermination: true,
            },
          },
        ],
        Tags: cfnTags(spec, nameTag(spec, 'bastion')),
      },
    },
  };
}

function networkOutputs(spec: EnvironmentSpec): Record<string, CfnOutput> {
  const zones = spec.aws.availabilityZones.map((_, i) => zoneNumber(i));
  const ids = (kind: string) =>
    joinList(zones.map(n => ref(`${kind}Subnet${n}`)));
  const out = (name: string, description: string, value: CfnValue) =>
    exportedOutput(spec, 'network', name, description, value);
  const outputs: [string, CfnOutput][] = [
    out(NETWORK_EXPORTS.vpcId, 'VPC id', ref('Vpc')),
    out(NETWORK_EXPORTS.vpcCidr, 'VPC CIDR', getAtt('Vpc', 'CidrBlock')),
    out(
      NETWORK_EXPORTS.podCidr,
      'Secondary CIDR for pods',
      spec.network.podCidr,
    ),
    out(
      NETWORK_EXPORTS.publicSubnetIds,
      'Public subnet ids, comma-separated, in zone order',
      ids('Public'),
    ),
    out(
      NETWORK_EXPORTS.privateSubnetIds,
      'Private subnet ids, comma-separated, in zone order',
      ids('Private'),
    ),
    out(
      NETWORK_EXPORTS.podSubnetIds,
      'Pod subnet ids, comma-separated, in zone order (one ENIConfig each)',
      ids('Pod'),
    ),
    out(
      NETWORK_EXPORTS.nodeSecurityGroupId,
      'Node (and pod ENI) security group',
      ref('NodeSecurityGroup'),
    ),
    out(
      NETWORK_EXPORTS.rdsSecurityGroupId,
      'RDS security group',
      ref('RdsSecurityGroup'),
    ),
    out(
      NETWORK_EXPORTS.atlasEndpointSecurityGroupId,
      'Atlas PrivateLink endpoint security group',
      ref('AtlasEndpointSecurityGroup'),
    ),
    out(
      NETWORK_EXPORTS.albSecurityGroupId,
      'Load balancer security group',
      ref('AlbSecurityGroup'),
    ),
  ];
  if (spec.network.bastion) {
    outputs.push(
      out(
        NETWORK_EXPORTS.bastionSecurityGroupId,
        'Bastion security group',
        ref('BastionSecurityGroup'),
      ),
      [
        'BastionInstanceId',
        {
          Description: 'Bastion instance (SSM Session Manager target)',
          Value: ref('Bastion'),
        },
      ],
    );
    if (spec.network.bastionAccess === 'ssh') {
      outputs.push([
        'BastionPublicIp',
        {
          Description: 'Bastion public address',
          Value: getAtt('Bastion', 'PublicIp'),
        },
      ]);
    }
  }
  return Object.fromEntries(outputs);
}

/** The network stack: VPC over the environment's zones, pod CIDR, NAT, security groups, bastion. */
export function networkStackTemplate(spec: EnvironmentSpec): CfnTemplate {
  const parameters: Record<string, CfnParameter> = {};
  if (spec.network.bastion && !spec.network.bastionImageId) {
    // Only in a plan made without AWS: the apply's plan step records the AMI in the request, and the template then names it.
    parameters.BastionImageId = {
      Type: 'AWS::EC2::Image::Id',
      Description: `Bastion AMI, not pinned yet: pinned by bpa:environment:plan in apply mode (the latest Amazon Linux 2023, ${BASTION_AMI_PARAMETER}), or set network.bastionImageId`,
    };
  }
  const resources: Record<string, CfnResource> = {
    Vpc: {
      Type: 'AWS::EC2::VPC',
      Properties: {
        CidrBlock: spec.network.vpcCidr,
        EnableDnsSupport: true,
        EnableDnsHostnames: true,
        Tags: cfnTags(spec, nameTag(spec, 'vpc')),
      },
    },
    PodCidrBlock: {
      Type: 'AWS::EC2::VPCCidrBlock',
      Properties: { VpcId: ref('Vpc'), CidrBlock: spec.network.podCidr },
    },
    ...subnetResources(spec),
    ...routingResources(spec),
    ...securityGroupResources(spec),
    ...(spec.network.bastion ? bastionResources(spec) : {}),
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `BPA environment ${
      spec.name
    }: network (VPC, subnets, NAT, security groups${
      spec.network.bastion ? ', bastion' : ''
    })`,
    ...(Object.keys(parameters).length ? { Parameters: parameters } : {}),
    Resources: resources,
    Outputs: networkOutputs(spec),
  };
}
