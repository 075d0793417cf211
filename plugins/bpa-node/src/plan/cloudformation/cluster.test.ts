import { spawnSync } from 'node:child_process';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import { CfnTemplate } from './common';
import { nodeEcrPullPolicy, stackTemplate } from './index';
import { nodePreparationScript } from './userData';

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

/** The user data a node boots with: the text CloudFormation base64-encodes. */
function userDataOf(template: CfnTemplate, launchTemplateId: string): string {
  const data = template.Resources[launchTemplateId].Properties!
    .LaunchTemplateData as Props;
  expect(Object.keys(data.UserData)).toEqual(['Fn::Base64']);
  return data.UserData['Fn::Base64'];
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

  it('gives nodes the EKS worker, CNI and SSM policies plus the ECR pull policy', () => {
    const role = props('NodeRole');
    expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(
      /AmazonEKSWorkerNodePolicy.*AmazonEKS_CNI_Policy.*AmazonSSMManagedInstanceCore/,
    );
    expect(role.Policies).toEqual([
      { PolicyName: 'ecr-pull', PolicyDocument: nodeEcrPullPolicy(spec) },
    ]);
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
        expect(p.InstanceTypes).toEqual(['m5.4xlarge']);
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

    it('attach an encrypted gp3 data volume of the role size on /dev/xvdb, and require IMDSv2', () => {
      const template = data('Node4LaunchTemplate');
      expect(template.BlockDeviceMappings).toContainEqual({
        DeviceName: '/dev/xvdb',
        Ebs: {
          VolumeSize: 2000,
          VolumeType: 'gp3',
          Encrypted: true,
          DeleteOnTermination: true,
        },
      });
      expect(template.BlockDeviceMappings[0]).toMatchObject({
        DeviceName: '/dev/xvda',
        Ebs: { Encrypted: true },
      });
      expect(template.MetadataOptions).toMatchObject({
        HttpTokens: 'required',
      });
      expect(template.SecurityGroupIds).toEqual([
        { 'Fn::ImportValue': 'bpa-demo-network:NodeSecurityGroupId' },
        { 'Fn::GetAtt': ['Cluster', 'ClusterSecurityGroupId'] },
      ]);
    });

    it('prepare the data volume at /opt through fstab, by UUID and nofail', () => {
      const script = shellPart(userDataOf(cluster, 'Node1LaunchTemplate'));
      expect(script).toContain('mkfs.xfs');
      expect(script).toMatch(/blkid -o value -s TYPE/);
      expect(script).toContain(
        `printf '%s %s xfs defaults,nofail 0 2\\n' "UUID=$UUID" '/opt' >> /etc/fstab`,
      );
      expect(script).toContain(`mount '/opt'`);
    });

    it("create each node's data directories of the reference deployment and their parents, mode 0777", () => {
      const scripts = ['Node1', 'Node2', 'Node3', 'Node4'].map(n =>
        shellPart(userDataOf(cluster, `${n}LaunchTemplate`)),
      );
      const directories = scripts.map(s =>
        [...s.matchAll(/^chmod 0777 '\/opt\/bpa\/data\/(.+)'$/gm)].map(
          m => m[1],
        ),
      );
      expect(directories).toEqual([
        ['zookeeper1', 'zookeeper4', 'zookeeper5', 'kafka1'],
        ['zookeeper2', 'zookeeper4', 'zookeeper5', 'kafka2'],
        ['zookeeper3', 'zookeeper4', 'zookeeper5', 'kafka3'],
        ['elk', 'metrices', 'metrices/prometheus', 'metrices/grafana'],
      ]);
      expect(scripts[3]).toContain(
        `mkdir -p '/opt/bpa/data/metrices/prometheus'`,
      );
      // Directories are made after the volume is mounted, so they land on it.
      expect(scripts[3].indexOf(`mount '/opt'`)).toBeLessThan(
        scripts[3].indexOf("mkdir -p '/opt/bpa/data/elk'"),
      );
    });

    it('set vm.max_map_count=262144 persistently', () => {
      const script = shellPart(userDataOf(cluster, 'Node2LaunchTemplate'));
      expect(script).toContain(
        `echo 'vm.max_map_count=262144' > /etc/sysctl.d/90-bpa.conf`,
      );
      expect(script).toContain('sysctl -p /etc/sysctl.d/90-bpa.conf');
    });

    it('are MIME multi-part documents EKS can merge its own part into', () => {
      const userData = userDataOf(cluster, 'Node3LaunchTemplate');
      expect(userData).toMatch(
        /^MIME-Version: 1.0\nContent-Type: multipart\/mixed; boundary="[^"]+"\n/,
      );
      expect(userData.trimEnd()).toMatch(/--==BPA-NODE-PREPARATION==--$/);
    });

    it('are valid bash, whatever the directory names contain', () => {
      // Built past validation on purpose: the quoting must hold on its own.
      const hostile = {
        ...spec,
        cluster: {
          ...spec.cluster,
          dataRoot: "/opt/bpa's data",
          nodes: [
            {
              ...spec.cluster.nodes[0],
              dataDirectories: ['$(touch /tmp/owned)', "it's", 'a b'],
            },
          ],
        },
      };
      for (const candidate of [spec, hostile]) {
        for (const role of candidate.cluster.nodes) {
          const syntax = spawnSync('bash', ['-n'], {
            input: nodePreparationScript(candidate, role),
          });
          expect(syntax.stderr.toString()).toBe('');
          expect(syntax.status).toBe(0);
        }
      }
      expect(
        nodePreparationScript(hostile, hostile.cluster.nodes[0]),
      ).toContain(`mkdir -p '/opt/bpa'\\''s data/$(touch /tmp/owned)'`);
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
      expect(sub[0]).toContain('--volume-id ${DataVolumeId}');
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
