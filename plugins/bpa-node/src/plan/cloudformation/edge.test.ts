import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { INGRESS_NODE_PORTS, stackTemplate } from './index';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const edge = stackTemplate(spec, 'edge');
const props = (id: string) =>
  edge.Resources[id].Properties as Record<string, any>;

describe('edge stack', () => {
  it('is an internet-facing application load balancer in the public subnets, behind the ALB group', () => {
    expect(props('LoadBalancer')).toMatchObject({
      Name: 'bpa-demo-alb',
      Type: 'application',
      Scheme: 'internet-facing',
      Subnets: {
        'Fn::Split': [
          ',',
          { 'Fn::ImportValue': 'bpa-demo-network:PublicSubnetIds' },
        ],
      },
      SecurityGroups: [
        { 'Fn::ImportValue': 'bpa-demo-network:AlbSecurityGroupId' },
      ],
    });
  });

  it('terminates HTTPS on 443 and 30101 with the certificate parameter and forwards to the NodePorts', () => {
    const listeners = Object.values(edge.Resources)
      .filter(r => r.Type === 'AWS::ElasticLoadBalancingV2::Listener')
      .map(l => {
        const p = l.Properties as Record<string, any>;
        const targetGroup = p.DefaultActions[0].TargetGroupArn.Ref;
        return {
          port: p.Port,
          protocol: p.Protocol,
          certificates: p.Certificates,
          action: p.DefaultActions[0].Type,
          targetPort: props(targetGroup).Port,
        };
      });
    const certificates = [{ CertificateArn: { Ref: 'CertificateArn' } }];
    expect(listeners).toEqual([
      {
        port: 443,
        protocol: 'HTTPS',
        certificates,
        action: 'forward',
        targetPort: 30443,
      },
      {
        port: 30101,
        protocol: 'HTTPS',
        certificates,
        action: 'forward',
        targetPort: 30101,
      },
    ]);
    expect(Object.values(INGRESS_NODE_PORTS)).toEqual([30443, 30101]);
  });

  it('targets node instances over HTTPS, with health checks on the same port', () => {
    for (const id of ['HttpsTargetGroup', 'Port30101TargetGroup']) {
      expect(props(id)).toMatchObject({
        TargetType: 'instance',
        Protocol: 'HTTPS',
        VpcId: { 'Fn::ImportValue': 'bpa-demo-network:VpcId' },
        HealthCheckEnabled: true,
        HealthCheckProtocol: 'HTTPS',
        HealthCheckPort: 'traffic-port',
      });
    }
  });

  it('takes only the certificate ARN as a parameter, checked for shape', () => {
    expect(Object.keys(edge.Parameters!)).toEqual(['CertificateArn']);
    const pattern = new RegExp(edge.Parameters!.CertificateArn.AllowedPattern!);
    expect(
      pattern.test(
        'arn:aws:acm:us-east-1:123456789012:certificate/0b1f6c8e-2b9a-4c5d-9e7f-1a2b3c4d5e6f',
      ),
    ).toBe(true);
    expect(
      pattern.test('arn:aws:iam::123456789012:server-certificate/bpa'),
    ).toBe(false);
  });

  it('outputs the DNS name, the ARN and the target groups the apply registers the nodes in', () => {
    expect(edge.Outputs).toMatchObject({
      LoadBalancerDnsName: {
        Value: { 'Fn::GetAtt': ['LoadBalancer', 'DNSName'] },
      },
      LoadBalancerArn: { Value: { Ref: 'LoadBalancer' } },
      HttpsTargetGroupArn: { Value: { Ref: 'HttpsTargetGroup' } },
      Port30101TargetGroupArn: { Value: { Ref: 'Port30101TargetGroup' } },
    });
  });
});
