import {
  EnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  EKS_CLUSTER_SECURITY_GROUP,
  NetworkEndpoint,
  connectionAllowed,
  eksClusterSecurityGroup,
  securityGroupsOf,
} from '@internal/backstage-plugin-bpa-test-utils';
import { parseAllDocuments } from 'yaml';
import { CfnTemplate, CfnValue } from './cloudformation/common';
import { stackTemplate, subnetLayout } from './cloudformation';
import { listReferences, renderKubernetesManifests } from './incluster';

/*
 * Pods live on the pod CIDR with the security groups their zone's ENIConfig
 * names (VPC CNI custom networking). This reads the security groups the
 * network stack defines, the one EKS creates for the cluster, and the
 * ENIConfigs of the plan, and asks what EC2 would: can a pod reach what BPA
 * and Kubernetes need, and can the control plane reach the pods?
 */

/** An address inside a CIDR: its network address plus an offset. */
function hostIn(cidr: string, offset: number): string {
  const [address] = cidr.split('/');
  const n =
    address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0) +
    offset;
  return [24, 16, 8, 0].map(shift => (n >>> shift) & 255).join('.');
}

function podNetwork(spec: EnvironmentSpec) {
  const names = resourceNames(spec);
  const templates: Record<string, CfnTemplate> = {
    [names.stack('network')]: stackTemplate(spec, 'network'),
    [names.stack('cluster')]: stackTemplate(spec, 'cluster'),
    [names.stack('data')]: stackTemplate(spec, 'data'),
  };
  const network = templates[names.stack('network')];
  const cluster = templates[names.stack('cluster')];

  /** The security group a stack output holds. */
  const groupOfOutput = (stack: string, output: string): string => {
    const value = templates[stack]?.Outputs?.[output]?.Value as any;
    if (value?.Ref && stack === names.stack('network')) return value.Ref;
    if (
      JSON.stringify(value) ===
      JSON.stringify({ 'Fn::GetAtt': ['Cluster', 'ClusterSecurityGroupId'] })
    ) {
      return EKS_CLUSTER_SECURITY_GROUP;
    }
    throw new Error(`output ${stack}:${output} is not a security group`);
  };
  /** The security group a template value names: an import, or EKS's cluster group. */
  const groupOf = (value: unknown): string => {
    const imported = (value as any)['Fn::ImportValue'] as string | undefined;
    if (imported) {
      const [stack, output] = imported.split(':');
      return groupOfOutput(stack, output);
    }
    if (
      (value as any)['Fn::GetAtt']?.join('.') ===
      'Cluster.ClusterSecurityGroupId'
    )
      return EKS_CLUSTER_SECURITY_GROUP;
    throw new Error(`not a security group: ${JSON.stringify(value)}`);
  };

  const groups = {
    ...securityGroupsOf(network, groupOf),
    [EKS_CLUSTER_SECURITY_GROUP]: eksClusterSecurityGroup(),
  };
  const layout = subnetLayout(
    spec.network.vpcCidr,
    spec.network.podCidr,
    spec.aws.availabilityZones.length,
  );
  const eniConfigs = parseAllDocuments(
    renderKubernetesManifests(spec).find(
      a => a.path === 'kubernetes/10-eni-configs.yaml',
    )!.content,
  ).map(d => d.toJS());
  const launchTemplate = Object.values(cluster.Resources).find(
    r => r.Type === 'AWS::EC2::LaunchTemplate',
  )!;
  const database = templates[names.stack('data')].Resources.Database;

  const zoneIndex = (zone: string) => spec.aws.availabilityZones.indexOf(zone);
  return {
    groups,
    /** A pod on a node of this zone: an address of the zone's pod subnet, the ENIConfig's groups. */
    pod(zone: string, offset = 10): NetworkEndpoint {
      const eniConfig = eniConfigs.find(e => e.metadata.name === zone);
      if (!eniConfig) throw new Error(`no ENIConfig for ${zone}`);
      return {
        ip: hostIn(layout.pod[zoneIndex(zone)], offset),
        groups: (eniConfig.spec.securityGroups as string[]).map(text => {
          const [ref] = listReferences(text);
          return groupOfOutput(ref.name, ref.key);
        }),
      };
    },
    /** A node's primary interface: the launch template's groups. */
    node(zone: string): NetworkEndpoint {
      const data = launchTemplate.Properties!.LaunchTemplateData as any;
      return {
        ip: hostIn(layout.private[zoneIndex(zone)], 20),
        groups: (data.SecurityGroupIds as CfnValue[]).map(groupOf),
      };
    },
    /** The control plane's interfaces in the private subnets carry EKS's cluster group. */
    controlPlane(zone: string): NetworkEndpoint {
      return {
        ip: hostIn(layout.private[zoneIndex(zone)], 30),
        groups: [EKS_CLUSTER_SECURITY_GROUP],
      };
    },
    rds(zone: string): NetworkEndpoint {
      return {
        ip: hostIn(layout.private[zoneIndex(zone)], 40),
        groups: (database.Properties!.VPCSecurityGroups as CfnValue[]).map(
          groupOf,
        ),
      };
    },
    /** The Atlas interface endpoint gets the network stack's endpoint group (bpa:atlas:private-endpoint). */
    atlasEndpoint(zone: string): NetworkEndpoint {
      return {
        ip: hostIn(layout.private[zoneIndex(zone)], 50),
        groups: [
          groupOfOutput(names.stack('network'), 'AtlasEndpointSecurityGroupId'),
        ],
      };
    },
  };
}

describe('the pod network', () => {
  const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
  const net = podNetwork(spec);
  const [zoneA, zoneB, zoneC] = spec.aws.availabilityZones;
  const reach = (
    from: NetworkEndpoint,
    to: NetworkEndpoint,
    protocol: 'tcp' | 'udp',
    port: number,
  ) => connectionAllowed(net.groups, from, to, protocol, port);
  const allowed = { allowed: true };

  it('lets pods reach the Kubernetes API server (443) in every zone', () => {
    for (const zone of [zoneA, zoneB, zoneC]) {
      expect(reach(net.pod(zone), net.controlPlane(zoneA), 'tcp', 443)).toEqual(
        allowed,
      );
      expect(reach(net.pod(zone), net.controlPlane(zoneC), 'tcp', 443)).toEqual(
        allowed,
      );
    }
  });

  it('lets the control plane reach webhooks served by pods and the kubelets on the nodes', () => {
    expect(reach(net.controlPlane(zoneB), net.pod(zoneA), 'tcp', 443)).toEqual(
      allowed,
    );
    expect(reach(net.controlPlane(zoneB), net.pod(zoneC), 'tcp', 8443)).toEqual(
      allowed,
    );
    expect(
      reach(net.controlPlane(zoneA), net.node(zoneB), 'tcp', 10250),
    ).toEqual(allowed);
  });

  it('lets nodes reach the API server', () => {
    expect(reach(net.node(zoneA), net.controlPlane(zoneB), 'tcp', 443)).toEqual(
      allowed,
    );
  });

  it('lets pods reach CoreDNS (pods on other nodes) on 53 over UDP and TCP', () => {
    const coreDns = net.pod(zoneB, 77);
    for (const protocol of ['udp', 'tcp'] as const) {
      expect(reach(net.pod(zoneA), coreDns, protocol, 53)).toEqual(allowed);
      expect(reach(net.pod(zoneC), coreDns, protocol, 53)).toEqual(allowed);
    }
  });

  it('lets pods reach PostgreSQL (5432) and the Atlas endpoint (1024-65535)', () => {
    expect(reach(net.pod(zoneC), net.rds(zoneA), 'tcp', 5432)).toEqual(allowed);
    for (const port of [1024, 27017, 65535]) {
      expect(
        reach(net.pod(zoneA), net.atlasEndpoint(zoneB), 'tcp', port),
      ).toEqual(allowed);
    }
  });

  it('still refuses what no rule admits', () => {
    const internet = { ip: '198.51.100.7', groups: [] };
    expect(reach(net.pod(zoneA), net.rds(zoneA), 'tcp', 5433)).toMatchObject({
      allowed: false,
    });
    expect(
      connectionAllowed(
        net.groups,
        { ...internet, groups: ['AlbSecurityGroup'] },
        net.rds(zoneA),
        'tcp',
        5432,
      ),
    ).toMatchObject({ allowed: false });
    expect(
      reach(net.pod(zoneA), net.atlasEndpoint(zoneA), 'tcp', 1023),
    ).toMatchObject({
      allowed: false,
    });
  });
});
