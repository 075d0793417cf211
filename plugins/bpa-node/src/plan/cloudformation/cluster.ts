import {
  EnvironmentSpec,
  resourceNames,
} from '@internal/backstage-plugin-bpa-common';
import {
  CfnOutput,
  CfnResource,
  CfnTemplate,
  CfnValue,
  assumableBy,
  assumableByPods,
  base64,
  cfnTags,
  environmentTags,
  getAtt,
  importList,
  importValue,
  logicalId,
  managedPolicyArn,
  nameTag,
  ref,
  select,
  sub,
} from './common';
import { nodeEcrPullPolicy } from './iam';
import { NETWORK_EXPORTS } from './network';
import { DATA_VOLUME_VARIABLE, nodeUserData } from './userData';

type NodeRole = EnvironmentSpec['cluster']['nodes'][number];

/** Outputs of the cluster stack the in-cluster artifacts read. */
export const CLUSTER_STACK_OUTPUTS = {
  clusterSecurityGroupId: 'ClusterSecurityGroupId',
} as const;

/** EKS-optimized Amazon Linux 2023; EKS picks the AMI matching the cluster version. */
export const NODE_AMI_TYPE = 'AL2023_x86_64_STANDARD';

/** Tag naming the node role of a node's instance and data volume. */
const NODE_ROLE_TAG = 'bpa:node-role';

/** Days the control plane's log (api, audit, authenticator) is kept. */
export const CONTROL_PLANE_LOG_RETENTION_DAYS = 90;

/**
 * The EKS add-ons beside the cluster's defaults, and the Kubernetes service
 * account each runs as (EKS User Guide: "Amazon EKS add-ons", "Retrieve IAM
 * information about an Amazon EKS add-on"). Versions are left to EKS: it
 * installs the default version of each for the cluster's Kubernetes version.
 */
const ADDONS = {
  podIdentityAgent: 'eks-pod-identity-agent',
  vpcCni: { name: 'vpc-cni', serviceAccount: 'aws-node' },
  ebsCsiDriver: {
    name: 'aws-ebs-csi-driver',
    serviceAccount: 'ebs-csi-controller-sa',
  },
} as const;

/** Root volume of each node: container images of BPA are large. */
const ROOT_VOLUME_GIB = 100;

/**
 * VPC CNI custom networking: pods get addresses from the pod subnets, chosen
 * by the node's zone. The ENIConfig objects (one per zone, named after the
 * zone, with that zone's pod subnet, and the cluster security group EKS
 * creates plus the network stack's node group: `inClusterSources`) are
 * created in the cluster by the bootstrap step, as CloudFormation cannot
 * create Kubernetes objects.
 */
export const VPC_CNI_CONFIGURATION = {
  env: {
    AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG: 'true',
    ENI_CONFIG_LABEL_DEF: 'topology.kubernetes.io/zone',
  },
};

/** Who may reach the API server's public endpoint: administrators and the portal's backend. */
export const publicApiCidrs = (spec: EnvironmentSpec): string[] => [
  ...new Set([
    spec.network.adminCidr,
    ...(spec.network.portalEgressCidrs ?? []),
  ]),
];

const nodeResourceId = (role: NodeRole, kind: string) =>
  logicalId(role.name, kind);

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map(k => [k, labels[k]]),
  );
}

/**
 * The role's data volume (ZooKeeper, Kafka, Elasticsearch, Prometheus): its
 * own resource, in the role's zone, so that it outlives every node the role
 * runs on (an instance type, AMI or user data change replaces the node);
 * the node attaches it at boot. Deleting the stack or replacing the volume
 * leaves a snapshot.
 */
function dataVolume(spec: EnvironmentSpec, role: NodeRole): CfnResource {
  return {
    Type: 'AWS::EC2::Volume',
    DeletionPolicy: 'Snapshot',
    UpdateReplacePolicy: 'Snapshot',
    Properties: {
      AvailabilityZone: role.availabilityZone,
      Size: role.dataVolumeGiB,
      VolumeType: 'gp3',
      Encrypted: true,
      Tags: cfnTags(spec, {
        ...nameTag(spec, `${role.name}-data`),
        [NODE_ROLE_TAG]: role.name,
      }),
    },
  };
}

function launchTemplate(spec: EnvironmentSpec, role: NodeRole): CfnResource {
  const instanceName = nameTag(spec, role.name);
  return {
    Type: 'AWS::EC2::LaunchTemplate',
    Properties: {
      LaunchTemplateName: `${spec.name}-${role.name}`,
      LaunchTemplateData: {
        // Here rather than in the node group: a change is then a new launch template version, which EKS rolls out, not a node group CloudFormation must replace.
        InstanceType: role.instanceType,
        // The root volume only: the data volume is the stack's own (dataVolume).
        BlockDeviceMappings: [
          {
            DeviceName: '/dev/xvda',
            Ebs: {
              VolumeSize: ROOT_VOLUME_GIB,
              VolumeType: 'gp3',
              Encrypted: true,
              DeleteOnTermination: true,
            },
          },
        ],
        MetadataOptions: {
          HttpEndpoint: 'enabled',
          HttpTokens: 'required',
          // One hop: pods (which are not on the host network) cannot borrow the node role's credentials.
          HttpPutResponseHopLimit: 1,
        },
        // With security groups in the launch template EKS no longer adds the cluster security group itself.
        SecurityGroupIds: [
          importValue(spec, 'network', NETWORK_EXPORTS.nodeSecurityGroupId),
          getAtt('Cluster', 'ClusterSecurityGroupId'),
        ],
        UserData: base64({
          'Fn::Sub': [
            nodeUserData(spec, role),
            { [DATA_VOLUME_VARIABLE]: ref(nodeResourceId(role, 'DataVolume')) },
          ],
        }),
        TagSpecifications: ['instance', 'volume'].map(ResourceType => ({
          ResourceType,
          Tags: cfnTags(spec, { ...instanceName, [NODE_ROLE_TAG]: role.name }),
        })),
      },
      TagSpecifications: [
        { ResourceType: 'launch-template', Tags: cfnTags(spec) },
      ],
    },
  };
}

/**
 * One managed node group per node role, of exactly one node: BPA pins its
 * stateful pods to `name=node-N` labels and node-local directories, so each
 * role is one node in one subnet, that of the role's zone (recorded in the
 * request, so adding or removing a role moves no other). Every property
 * CloudFormation would have to replace the group for comes from the role's
 * name and zone only: the instance type is in the launch template and the
 * Kubernetes version updates in place.
 */
function nodeGroup(spec: EnvironmentSpec, role: NodeRole): CfnResource {
  const zoneIndex = spec.aws.availabilityZones.indexOf(role.availabilityZone);
  const template = nodeResourceId(role, 'LaunchTemplate');
  return {
    Type: 'AWS::EKS::Nodegroup',
    // Nodes must start with the CNI already in custom networking mode.
    DependsOn: ['VpcCniAddon'],
    Properties: {
      ClusterName: ref('Cluster'),
      NodegroupName: role.name,
      NodeRole: getAtt('NodeRole', 'Arn'),
      AmiType: NODE_AMI_TYPE,
      Version: spec.cluster.kubernetesVersion,
      Subnets: [
        select(
          zoneIndex,
          importList(spec, 'network', NETWORK_EXPORTS.privateSubnetIds),
        ),
      ],
      ScalingConfig: { MinSize: 1, MaxSize: 1, DesiredSize: 1 },
      // The old node goes first, so that its data volume is free for the new one (the default starts the new node first).
      UpdateConfig: { MaxUnavailable: 1, UpdateStrategy: 'MINIMAL' },
      LaunchTemplate: {
        Id: ref(template),
        Version: getAtt(template, 'LatestVersionNumber'),
      },
      Labels: sortedLabels(role.labels),
      Tags: environmentTags(spec),
    },
  };
}

/**
 * What the node boot script may do with the node role: attach the
 * environment's data volumes, to the environment's instances (both tagged
 * by the stack). EC2 authorizes AttachVolume on the volume and on the
 * instance, hence two statements.
 */
function attachDataVolumePolicy(spec: EnvironmentSpec): CfnValue {
  const arn = (resource: string) =>
    sub(
      `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:${resource}`,
    );
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TheEnvironmentsDataVolumes',
        Effect: 'Allow',
        Action: 'ec2:AttachVolume',
        Resource: spec.cluster.nodes.map(role =>
          arn(`volume/\${${nodeResourceId(role, 'DataVolume')}}`),
        ),
      },
      {
        Sid: 'ToTheEnvironmentsNodes',
        Effect: 'Allow',
        Action: 'ec2:AttachVolume',
        Resource: arn('instance/*'),
        Condition: {
          StringEquals: { 'aws:ResourceTag/bpa:environment': spec.name },
        },
      },
    ],
  };
}

function clusterResources(spec: EnvironmentSpec): Record<string, CfnResource> {
  return {
    ClusterRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: assumableBy('eks.amazonaws.com'),
        ManagedPolicyArns: [managedPolicyArn('AmazonEKSClusterPolicy')],
        Tags: cfnTags(spec),
      },
    },
    // EKS writes the control plane log into this group when it exists; otherwise it creates one that never expires and outlives the stack.
    ClusterLogGroup: {
      Type: 'AWS::Logs::LogGroup',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        LogGroupName: `/aws/eks/${resourceNames(spec).eksCluster}/cluster`,
        RetentionInDays: CONTROL_PLANE_LOG_RETENTION_DAYS,
        Tags: cfnTags(spec),
      },
    },
    Cluster: {
      Type: 'AWS::EKS::Cluster',
      DependsOn: ['ClusterLogGroup'],
      Properties: {
        Name: resourceNames(spec).eksCluster,
        Version: spec.cluster.kubernetesVersion,
        RoleArn: getAtt('ClusterRole', 'Arn'),
        ResourcesVpcConfig: {
          SubnetIds: importList(
            spec,
            'network',
            NETWORK_EXPORTS.privateSubnetIds,
          ),
          // Nodes and pods use the private endpoint; the public one (IAM-authenticated) serves the portal's apply steps and status, and administrators.
          EndpointPrivateAccess: true,
          EndpointPublicAccess: true,
          PublicAccessCidrs: publicApiCidrs(spec),
        },
        KubernetesNetworkConfig: {
          IpFamily: 'ipv4',
          ServiceIpv4Cidr: spec.network.serviceCidr,
        },
        AccessConfig: {
          AuthenticationMode: 'API_AND_CONFIG_MAP',
          // The portal gets its access through the explicit access entry below; a bootstrap entry for the same principal would collide with it.
          BootstrapClusterCreatorAdminPermissions: false,
        },
        Logging: {
          ClusterLogging: {
            EnabledTypes: ['api', 'audit', 'authenticator'].map(Type => ({
              Type,
            })),
          },
        },
        Tags: cfnTags(spec),
      },
    },
    PortalAccessEntry: {
      Type: 'AWS::EKS::AccessEntry',
      Properties: {
        ClusterName: ref('Cluster'),
        PrincipalArn: ref('PortalPrincipalArn'),
        Type: 'STANDARD',
        AccessPolicies: [
          {
            PolicyArn: sub(
              'arn:${AWS::Partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
            ),
            AccessScope: { Type: 'cluster' },
          },
        ],
        Tags: cfnTags(spec),
      },
    },
    NodeRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: assumableBy('ec2.amazonaws.com'),
        // No CNI rights here: the VPC CNI has its own role (VpcCniRole); the worker policy covers the Pod Identity agent.
        ManagedPolicyArns: [
          managedPolicyArn('AmazonEKSWorkerNodePolicy'),
          managedPolicyArn('AmazonSSMManagedInstanceCore'),
        ],
        Policies: [
          { PolicyName: 'ecr-pull', PolicyDocument: nodeEcrPullPolicy(spec) },
          {
            PolicyName: 'attach-data-volume',
            PolicyDocument: attachDataVolumePolicy(spec),
          },
        ],
        Tags: cfnTags(spec),
      },
    },
    ...podIdentityRole(spec, 'VpcCniRole', 'AmazonEKS_CNI_Policy'),
    ...podIdentityRole(
      spec,
      'EbsCsiDriverRole',
      'service-role/AmazonEBSCSIDriverPolicy',
    ),
    // Hands the add-ons' pods the credentials of their roles (EKS Pod Identity).
    PodIdentityAgentAddon: {
      Type: 'AWS::EKS::Addon',
      Properties: {
        ClusterName: ref('Cluster'),
        AddonName: ADDONS.podIdentityAgent,
        Tags: cfnTags(spec),
      },
    },
    VpcCniAddon: {
      Type: 'AWS::EKS::Addon',
      DependsOn: ['PodIdentityAgentAddon'],
      Properties: {
        ClusterName: ref('Cluster'),
        AddonName: ADDONS.vpcCni.name,
        // EKS installs a self-managed vpc-cni with the cluster; the add-on takes it over.
        ResolveConflicts: 'OVERWRITE',
        ConfigurationValues: JSON.stringify(VPC_CNI_CONFIGURATION),
        PodIdentityAssociations: [
          {
            ServiceAccount: ADDONS.vpcCni.serviceAccount,
            RoleArn: getAtt('VpcCniRole', 'Arn'),
          },
        ],
        Tags: cfnTags(spec),
      },
    },
  };
}

/** A role the add-on's pods get through EKS Pod Identity, with one AWS managed policy. */
function podIdentityRole(
  spec: EnvironmentSpec,
  id: string,
  policy: string,
): Record<string, CfnResource> {
  return {
    [id]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: assumableByPods(),
        ManagedPolicyArns: [managedPolicyArn(policy)],
        Tags: cfnTags(spec),
      },
    },
  };
}

/**
 * The EBS CSI driver, so that PersistentVolumeClaims bind (EKS has no
 * in-tree EBS provisioner since Kubernetes 1.23); the plan's default gp3
 * StorageClass uses it. After the node groups: its controller runs on them,
 * and the add-on is not active until it does.
 */
function ebsCsiDriverAddon(spec: EnvironmentSpec): CfnResource {
  return {
    Type: 'AWS::EKS::Addon',
    DependsOn: [
      'PodIdentityAgentAddon',
      ...spec.cluster.nodes.map(role => nodeResourceId(role, 'NodeGroup')),
    ],
    Properties: {
      ClusterName: ref('Cluster'),
      AddonName: ADDONS.ebsCsiDriver.name,
      ResolveConflicts: 'OVERWRITE',
      PodIdentityAssociations: [
        {
          ServiceAccount: ADDONS.ebsCsiDriver.serviceAccount,
          RoleArn: getAtt('EbsCsiDriverRole', 'Arn'),
        },
      ],
      Tags: cfnTags(spec),
    },
  };
}

function clusterOutputs(): Record<string, CfnOutput> {
  return {
    ClusterName: { Description: 'EKS cluster name', Value: ref('Cluster') },
    ClusterArn: {
      Description: 'EKS cluster ARN',
      Value: getAtt('Cluster', 'Arn'),
    },
    ClusterEndpoint: {
      Description: 'Kubernetes API server endpoint',
      Value: getAtt('Cluster', 'Endpoint'),
    },
    [CLUSTER_STACK_OUTPUTS.clusterSecurityGroupId]: {
      Description:
        'Security group EKS created for the control plane; the nodes and (through the ENIConfigs) the pods carry it too',
      Value: getAtt('Cluster', 'ClusterSecurityGroupId'),
    },
    NodeRoleArn: {
      Description: 'IAM role of the worker nodes',
      Value: getAtt('NodeRole', 'Arn'),
    },
    OidcIssuerUrl: {
      Description:
        'OIDC issuer of the cluster (for IAM roles for service accounts)',
      Value: getAtt('Cluster', 'OpenIdConnectIssuerUrl'),
    },
  };
}

/**
 * The cluster stack: EKS with API access entries, the VPC CNI in custom
 * networking mode, and one single-node managed node group per node role with
 * its launch template (data volume, node preparation, IMDSv2).
 */
export function clusterStackTemplate(spec: EnvironmentSpec): CfnTemplate {
  const resources = clusterResources(spec);
  for (const role of spec.cluster.nodes) {
    const templateId = nodeResourceId(role, 'LaunchTemplate');
    if (resources[templateId]) {
      throw new Error(
        `node role ${role.name} clashes with another role's CloudFormation resources; use names differing by more than punctuation`,
      );
    }
    resources[nodeResourceId(role, 'DataVolume')] = dataVolume(spec, role);
    resources[templateId] = launchTemplate(spec, role);
    resources[nodeResourceId(role, 'NodeGroup')] = nodeGroup(spec, role);
  }
  resources.EbsCsiDriverAddon = ebsCsiDriverAddon(spec);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `BPA environment ${spec.name}: EKS cluster and its log, add-ons, node groups with their data volumes, IAM roles, portal access entry`,
    Parameters: {
      PortalPrincipalArn: {
        Type: 'String',
        Description:
          'IAM role or user ARN of the portal; gets cluster admin through an EKS access entry',
        AllowedPattern: '^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/.+$',
        ConstraintDescription:
          'an IAM role or user ARN (not an assumed-role session ARN)',
      },
    },
    Resources: resources,
    Outputs: clusterOutputs(),
  };
}
