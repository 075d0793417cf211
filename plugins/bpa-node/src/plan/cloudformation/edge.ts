import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnResource,
  CfnTemplate,
  INGRESS_NODE_PORTS,
  LISTENER_PORTS,
  cfnTags,
  getAtt,
  importList,
  importValue,
  ref,
} from './common';
import { NETWORK_EXPORTS } from './network';

/** TLS 1.2/1.3 only. */
export const LISTENER_SSL_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

/**
 * A target is healthy when the ingress controller answers at all: without a
 * matching host the controller returns 404, which still proves it is up.
 */
const HEALTHY_HTTP_CODES = '200-499';

/** Each listener forwards to one ingress controller NodePort on the nodes. */
const ENTRY_POINTS = [
  {
    id: 'Https',
    listenerPort: LISTENER_PORTS.https,
    nodePort: INGRESS_NODE_PORTS.https,
  },
  {
    id: 'Port30101',
    listenerPort: LISTENER_PORTS.port30101,
    nodePort: INGRESS_NODE_PORTS.port30101,
  },
];

/**
 * Outputs of the edge stack naming its target groups: the apply attaches
 * the node groups' Auto Scaling groups to each.
 */
export const EDGE_TARGET_GROUP_OUTPUTS = ENTRY_POINTS.map(
  e => `${e.id}TargetGroupArn`,
);

/**
 * The edge stack: an internet-facing application load balancer in the public
 * subnets, reachable from the admin CIDR (its security group), terminating TLS
 * with the ACM certificate and re-encrypting to BPA's ingress controller on
 * the nodes' NodePorts. Target groups are of instance type; EKS owns the node
 * groups' Auto Scaling groups, so the apply attaches them to these target
 * groups (outputs `*TargetGroupArn`) once the node groups exist.
 */
export function edgeStackTemplate(spec: EnvironmentSpec): CfnTemplate {
  const resources: Record<string, CfnResource> = {
    LoadBalancer: {
      Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
      Properties: {
        Name: resourceNames(spec).loadBalancer,
        Type: 'application',
        Scheme: 'internet-facing',
        IpAddressType: 'ipv4',
        Subnets: importList(spec, 'network', NETWORK_EXPORTS.publicSubnetIds),
        SecurityGroups: [
          importValue(spec, 'network', NETWORK_EXPORTS.albSecurityGroupId),
        ],
        LoadBalancerAttributes: [
          {
            Key: 'routing.http.drop_invalid_header_fields.enabled',
            Value: 'true',
          },
        ],
        Tags: cfnTags(spec),
      },
    },
  };
  for (const entry of ENTRY_POINTS) {
    resources[`${entry.id}TargetGroup`] = {
      Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
      Properties: {
        TargetType: 'instance',
        VpcId: importValue(spec, 'network', NETWORK_EXPORTS.vpcId),
        Protocol: 'HTTPS',
        Port: entry.nodePort,
        HealthCheckEnabled: true,
        HealthCheckProtocol: 'HTTPS',
        HealthCheckPort: 'traffic-port',
        HealthCheckPath: '/',
        Matcher: { HttpCode: HEALTHY_HTTP_CODES },
        HealthCheckIntervalSeconds: 15,
        HealthyThresholdCount: 2,
        UnhealthyThresholdCount: 3,
        Tags: cfnTags(spec),
      },
    };
    resources[`${entry.id}Listener`] = {
      Type: 'AWS::ElasticLoadBalancingV2::Listener',
      Properties: {
        LoadBalancerArn: ref('LoadBalancer'),
        Port: entry.listenerPort,
        Protocol: 'HTTPS',
        SslPolicy: LISTENER_SSL_POLICY,
        Certificates: [{ CertificateArn: ref('CertificateArn') }],
        DefaultActions: [
          { Type: 'forward', TargetGroupArn: ref(`${entry.id}TargetGroup`) },
        ],
        // No Tags: CloudFormation's registry schema of the listener has none (cfn-lint E3002), although the CDK's specification lists them.
      },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `BPA environment ${
      spec.name
    }: application load balancer, HTTPS listeners ${ENTRY_POINTS.map(
      e => e.listenerPort,
    ).join(' and ')}`,
    Parameters: {
      CertificateArn: {
        Type: 'String',
        Description: 'ACM certificate of the HTTPS listeners',
        AllowedPattern:
          '^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+$',
        ConstraintDescription: 'an ACM certificate ARN',
      },
    },
    Resources: resources,
    Outputs: {
      LoadBalancerDnsName: {
        Description:
          'DNS name of the load balancer (point the BPA hostname here)',
        Value: getAtt('LoadBalancer', 'DNSName'),
      },
      LoadBalancerArn: {
        Description: 'Load balancer ARN',
        Value: ref('LoadBalancer'),
      },
      LoadBalancerHostedZoneId: {
        Description:
          'Route 53 hosted zone of the load balancer, for an alias record',
        Value: getAtt('LoadBalancer', 'CanonicalHostedZoneID'),
      },
      ...Object.fromEntries(
        ENTRY_POINTS.map((e, i) => [
          EDGE_TARGET_GROUP_OUTPUTS[i],
          {
            Description: `Target group of NodePort ${e.nodePort}; the node groups' Auto Scaling groups are attached at apply`,
            Value: ref(`${e.id}TargetGroup`),
          },
        ]),
      ),
    },
  };
}
