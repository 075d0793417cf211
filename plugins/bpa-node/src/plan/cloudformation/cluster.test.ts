import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { CfnTemplate } from './common';
import { nodeEcrPullPolicy, stackTemplate } from './index';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const cluster = stackTemplate(spec, 'cluster');

type Props = Record<string, any>;

const ofType = (template: CfnTemplate, type: string) =>
  Object.entries(template.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => ({
      id,
      props: (r.Properties ?? {}) as Props,
      resource: r,
    }));

const props = (id: string) => cluster.Resources[id].Properties as Props;

/** The user data a node boots with: the Fn::Sub body CloudFormation base64-encodes. */
function userDataOf(template: CfnTemplate, launchTemplateId: string): string {
  const data = template.Resources[launchTemplateId].Properties!
    .LaunchTemplateData as Props;
  expect(Object.keys(data.UserData)).toEqual(['Fn::Base64']);
  return data.UserData['Fn::Base64']['Fn::Sub'][0];
}

/** The shell part of a MIME multi-part user data document. */
function shellPart(userData: string): string {
  const boundary = /boundary="([^"]+)"/.exec(userData)![1];
  const part = userData
    .split(`--${boundary}`)
    .find(p => p.includes('Content-Type: text/x-shellscript'))!;
  return part.slice(part.indexOf('#!/bin/bash'));
}

describe('cluster stack', () => {
  it('creates the EKS cluster in the private subnets with the requested version and service CIDR', () => {
    expect(props('Cluster')).toMatchObject({
      Name: 'bpa-demo-eks',
      Version: spec.cluster.kubernetesVersion,
      RoleArn: { 'Fn::GetAtt': ['ClusterRole', 'Arn'] },
      ResourcesVpcConfig: {
        SubnetIds: {
          'Fn::Split': [
            ',',
            { 'Fn::ImportValue': 'bpa-demo-network:PrivateSubnetIds' },
          ],
        },
      },
      KubernetesNetworkConfig: { ServiceIpv4Cidr: '172.20.0.0/16' },
      AccessConfig: { AuthenticationMode: 'API_AND_CONFIG_MAP' },
      Logging: {
        ClusterLogging: {
          EnabledTypes: [
            { Type: 'api' },
            { Type: 'audit' },
            { Type: 'authenticator' },
          ],
        },
      },
    });
  });

  it("opens the API server's public endpoint only to the admin CIDR and the portal's egress, and the private endpoint to the VPC", () => {
    const withPortal = parseEnvironmentSpec({
      ...REFERENCE_SPEC_INPUT,
      network: {
        ...REFERENCE_SPEC_INPUT.network,
        portalEgressCidrs: ['198.51.100.16/28', '192.0.2.10/32'],
      },
    });
    const vpcConfig = (s: typeof spec) =>
      stackTemplate(s, 'cluster').Resources.Cluster.Properties!
        .ResourcesVpcConfig as Props;
    expect(vpcConfig(withPortal)).toMatchObject({
      EndpointPublicAccess: true,
      EndpointPrivateAccess: true,
      PublicAccessCidrs: [
        '203.0.113.0/24',
        '198.51.100.16/28',
        '192.0.2.10/32',
      ],
    });
    expect(vpcConfig(spec).PublicAccessCidrs).toEqual(['203.0.113.0/24']);
  });

  it('keeps the control plane log for a limited time, and deletes it with the stack', () => {
    const [logGroup] = ofType(cluster, 'AWS::Logs::LogGroup');
    expect(logGroup.props).toMatchObject({
      LogGroupName: '/aws/eks/bpa-demo-eks/cluster',
      RetentionInDays: 90,
    });
    expect(logGroup.resource.DeletionPolicy ?? 'Delete').toBe('Delete');
    // EKS writes into the group it finds; created first, it is the stack's.
    expect(cluster.Resources.Cluster.DependsOn).toContain(logGroup.id);
  });

  it('runs the EKS Pod Identity agent, and the VPC CNI and EBS CSI driver add-ons on roles of their own', () => {
    const addons = Object.fromEntries(
      ofType(cluster, 'AWS::EKS::Addon').map(a => [a.props.AddonName, a]),
    );
    expect(Object.keys(addons).sort()).toEqual([
      'aws-ebs-csi-driver',
      'eks-pod-identity-agent',
      'vpc-cni',
    ]);
    const association = (name: string) =>
      addons[name].props.PodIdentityAssociations as Props[];
    expect(association('vpc-cni')).toEqual([
      {
        ServiceAccount: 'aws-node',
        RoleArn: { 'Fn::GetAtt': ['VpcCniRole', 'Arn'] },
      },
    ]);
    expect(association('aws-ebs-csi-driver')).toEqual([
      {
        ServiceAccount: 'ebs-csi-controller-sa',
        RoleArn: { 'Fn::GetAtt': ['EbsCsiDriverRole', 'Arn'] },
      },
    ]);
    for (const [role, policy] of [
      ['VpcCniRole', 'AmazonEKS_CNI_Policy'],
      ['EbsCsiDriverRole', 'service-role/AmazonEBSCSIDriverPolicy'],
    ]) {
      expect(props(role).AssumeRolePolicyDocument.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ]);
      expect(props(role).ManagedPolicyArns).toEqual([
        { 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${policy}` },
      ]);
    }
    // The nodes no longer carry the CNI's rights.
    expect(JSON.stringify(props('NodeRole').ManagedPolicyArns)).not.toContain(
      'AmazonEKS_CNI_Policy',
    );
    // Associations need the agent; the CSI controller needs nodes to run on.
    expect(addons['vpc-cni'].resource.DependsOn).toContain(
      'PodIdentityAgentAddon',
    );
    expect(addons['aws-ebs-csi-driver'].resource.DependsOn).toEqual(
      expect.arrayContaining([
        'PodIdentityAgentAddon',
        ...ofType(cluster, 'AWS::EKS::Nodegroup').map(g => g.id),
      ]),
    );
  });

  it('gives the portal principal cluster admin through an access entry', () => {
    expect(cluster.Parameters!.PortalPrincipalArn.Type).toBe('String');
    expect(props('PortalAccessEntry')).toMatchObject({
      ClusterName: { Ref: 'Cluster' },
      PrincipalArn: { Ref: 'PortalPrincipalArn' },
      AccessPolicies: [
        {
          PolicyArn: {
            'Fn::Sub': expect.stringMatching(
              /:eks::aws:cluster-access-policy\/AmazonEKSClusterAdminPolicy$/,
            ),
          },
          AccessScope: { Type: 'cluster' },
        },
      ],
    });
    const pattern = new RegExp(
      cluster.Parameters!.PortalPrincipalArn.AllowedPattern!,
    );
    expect(pattern.test('arn:aws:iam::123456789012:role/backstage')).toBe(true);
    expect(
      pattern.test('arn:aws:sts::123456789012:assumed-role/backstage/session'),
    ).toBe(false);
  });

  it('gives nodes the EKS worker and SSM policies plus the ECR pull and data volume policies', () => {
    const role = props('NodeRole');
    expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(
      /AmazonEKSWorkerNodePolicy.*AmazonSSMManagedInstanceCore/,
    );
    expect(role.Policies).toContainEqual({
      PolicyName: 'ecr-pull',
      PolicyDocument: nodeEcrPullPolicy(spec),
    });
  });

  it('switches the VPC CNI to custom networking before any node starts', () => {
    const addon = props('VpcCniAddon');
    expect(addon.AddonName).toBe('vpc-cni');
    expect(JSON.parse(addon.ConfigurationValues)).toEqual({
      env: {
        AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
        ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
      },
    });
    for (const group of ofType(cluster, 'AWS::EKS::Nodegroup')) {
      expect(group.resource.DependsOn).toContain('VpcCniAddon');
    }
  });

  describe('node groups', () => {
    const groups = ofType(cluster, 'AWS::EKS::Nodegroup');

    it('keep one node per role, labelled name=node-1 to node-4', () => {
      expect(groups.map(g => [g.props.NodegroupName, g.props.Labels])).toEqual([
        ['node-1', { name: 'node-1' }],
        ['node-2', { name: 'node-2' }],
        ['node-3', { name: 'node-3' }],
        ['node-4', { name: 'node-4' }],
      ]);
      for (const { props: p } of groups) {
        expect(p.ScalingConfig).toEqual({
          MinSize: 1,
          MaxSize: 1,
          DesiredSize: 1,
        });
        expect(p.AmiType).toBe('AL2023_x86_64_STANDARD');
        expect(p.Version).toBe(spec.cluster.kubernetesVersion);
        expect(p.InstanceTypes).toBeUndefined();
      }
    });

    it('spread over the zones round-robin, one private subnet each', () => {
      expect(
        groups.map(g => g.props.Subnets.map((s: Props) => s['Fn::Select'][0])),
      ).toEqual([['0'], ['1'], ['2'], ['0']]);
      expect(groups[0].props.Subnets[0]['Fn::Select'][1]).toEqual({
        'Fn::Split': [
          ',',
          { 'Fn::ImportValue': 'bpa-demo-network:PrivateSubnetIds' },
        ],
      });
    });

    it('boot from their own launch template, latest version', () => {
      expect(groups.map(g => g.props.LaunchTemplate)).toEqual(
        ['Node1', 'Node2', 'Node3', 'Node4'].map(n => ({
          Id: { Ref: `${n}LaunchTemplate` },
          Version: {
            'Fn::GetAtt': [`${n}LaunchTemplate`, 'LatestVersionNumber'],
          },
        })),
      );
    });

    it('keep every label of a role, in a stable order', () => {
      const labelled = {
        ...spec,
        cluster: {
          ...spec.cluster,
          nodes: spec.cluster.nodes.map(role => ({
            ...role,
            labels: { tier: 'data', ...role.labels },
          })),
        },
      };
      const [group] = ofType(
        stackTemplate(labelled, 'cluster'),
        'AWS::EKS::Nodegroup',
      );
      expect(Object.entries(group.props.Labels)).toEqual([
        ['name', 'node-1'],
        ['tier', 'data'],
      ]);
    });
  });

  describe('launch templates', () => {
    const data = (id: string) => props(id).LaunchTemplateData as Props;

    it('carry the instance type, an encrypted root volume, the node and cluster security groups, and require IMDSv2', () => {
      const template = data('Node4LaunchTemplate');
      expect(template.InstanceType).toBe('m5.4xlarge');
      expect(template.BlockDeviceMappings).toEqual([
        {
          DeviceName: '/dev/xvda',
          Ebs: {
            VolumeSize: 100,
            VolumeType: 'gp3',
            Encrypted: true,
            DeleteOnTermination: true,
          },
        },
      ]);
      expect(template.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
      });
      expect(template.SecurityGroupIds).toEqual([
        { 'Fn::ImportValue': 'bpa-demo-network:NodeSecurityGroupId' },
        { 'Fn::GetAtt': ['Cluster', 'ClusterSecurityGroupId'] },
      ]);
    });

    it('boot with a MIME multi-part document EKS can merge its own part into, its only variable the data volume', () => {
      const userData = userDataOf(cluster, 'Node3LaunchTemplate');
      expect(userData).toMatch(
        /^MIME-Version: 1.0\nContent-Type: multipart\/mixed; boundary="[^"]+"\n/,
      );
      expect(userData.trimEnd()).toMatch(/--==BPA-NODE-PREPARATION==--$/);
      expect([...userData.matchAll(/\$\{([^}]*)\}/g)].map(m => m[1])).toEqual([
        'DataVolumeId',
      ]);
    });

    it('leave data directories and vm.max_map_count to the preparation DaemonSet, so changing them replaces no node', () => {
      const script = shellPart(userDataOf(cluster, 'Node4LaunchTemplate'));
      expect(script).not.toContain('/opt/bpa/data');
      expect(script).not.toContain('max_map_count');
      const changed = parseEnvironmentSpec({
        ...REFERENCE_SPEC_INPUT,
        cluster: {
          maxMapCount: 524288,
          nodes: spec.cluster.nodes.map(n => ({
            ...n,
            dataDirectories: [...n.dataDirectories, 'more'],
          })),
        },
      });
      const launchTemplates = (t: CfnTemplate) =>
        ofType(t, 'AWS::EC2::LaunchTemplate').map(l => l.props);
      expect(launchTemplates(stackTemplate(changed, 'cluster'))).toEqual(
        launchTemplates(cluster),
      );
    });
  });

  describe('node data (ZooKeeper, Kafka, Elasticsearch) outlives the node', () => {
    const volumes = ofType(cluster, 'AWS::EC2::Volume');
    const groups = ofType(cluster, 'AWS::EKS::Nodegroup');

    it('is on no volume that goes with the instance', () => {
      for (const t of ofType(cluster, 'AWS::EC2::LaunchTemplate')) {
        const mappings = t.props.LaunchTemplateData
          .BlockDeviceMappings as Props[];
        expect(mappings.map(m => m.DeviceName)).toEqual(['/dev/xvda']);
      }
    });

    it('lives on one encrypted gp3 volume per node role, snapshotted when deleted or replaced', () => {
      expect(volumes.map(v => v.id)).toEqual([
        'Node1DataVolume',
        'Node2DataVolume',
        'Node3DataVolume',
        'Node4DataVolume',
      ]);
      for (const v of volumes) {
        expect(v.resource.DeletionPolicy).toBe('Snapshot');
        expect(v.resource.UpdateReplacePolicy).toBe('Snapshot');
        expect(v.props).toMatchObject({
          Size: 2000,
          VolumeType: 'gp3',
          Encrypted: true,
        });
      }
    });

    it("is in its node's zone", () => {
      const zones = spec.aws.availabilityZones;
      groups.forEach((g, i) => {
        const subnetIndex = Number(g.props.Subnets[0]['Fn::Select'][0]);
        expect(volumes[i].props.AvailabilityZone).toBe(zones[subnetIndex]);
        expect(volumes[i].props.AvailabilityZone).toBe(
          spec.cluster.nodes[i].availabilityZone,
        );
      });
    });

    it('is attached by the node at boot, with a node role that may attach only these volumes', () => {
      const data = props('Node2LaunchTemplate').LaunchTemplateData as Props;
      const sub = data.UserData['Fn::Base64']['Fn::Sub'];
      expect(sub[1]).toEqual({ DataVolumeId: { Ref: 'Node2DataVolume' } });
      expect(sub[0]).toContain('aws ec2 attach-volume');
      expect(sub[0]).toContain("VOLUME_ID='${DataVolumeId}'");
      expect(sub[0]).toContain('--volume-id "$VOLUME_ID"');
      const attach = (props('NodeRole').Policies as Props[]).find(
        p => p.PolicyName === 'attach-data-volume',
      )!.PolicyDocument.Statement as Props[];
      expect(attach).toContainEqual(
        expect.objectContaining({
          Action: 'ec2:AttachVolume',
          Resource: volumes.map(v => ({
            'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:volume/\${${v.id}}`,
          })),
        }),
      );
    });

    it('is freed before the new node starts: node groups terminate the old node first', () => {
      for (const g of groups) {
        expect(g.props.UpdateConfig).toEqual({
          MaxUnavailable: 1,
          UpdateStrategy: 'MINIMAL',
        });
      }
    });
  });

  it('outputs the cluster name, ARN, endpoint, node role and OIDC issuer', () => {
    expect(cluster.Outputs).toMatchObject({
      ClusterName: { Value: { Ref: 'Cluster' } },
      ClusterArn: { Value: { 'Fn::GetAtt': ['Cluster', 'Arn'] } },
      ClusterEndpoint: { Value: { 'Fn::GetAtt': ['Cluster', 'Endpoint'] } },
      NodeRoleArn: { Value: { 'Fn::GetAtt': ['NodeRole', 'Arn'] } },
      OidcIssuerUrl: {
        Value: { 'Fn::GetAtt': ['Cluster', 'OpenIdConnectIssuerUrl'] },
      },
    });
  });
});
