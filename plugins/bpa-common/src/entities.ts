import {
  ANNOTATION_KUBERNETES_API_SERVER,
  ANNOTATION_KUBERNETES_API_SERVER_CA,
  ANNOTATION_KUBERNETES_AUTH_PROVIDER,
  Entity,
  EntityLink,
} from '@backstage/catalog-model';
import {
  BPA_AWS_ACCOUNT_ANNOTATION,
  BPA_AWS_REGION_ANNOTATION,
  BPA_ENVIRONMENT_ANNOTATION,
  BPA_REQUEST_ANNOTATION,
  BPA_ROLE_ANNOTATION,
  BPA_STATE_ANNOTATION,
} from './annotations';
import { resourceNames } from './naming';
import type { EnvironmentSpec } from './spec';

/** Which workloads of the cluster belong to a component (Backstage's Kubernetes plugin). */
export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
export const KUBERNETES_NAMESPACE_ANNOTATION =
  'backstage.io/kubernetes-namespace';
/** Which objects the Kubernetes plugin shows for an entity, as a label selector (instead of the id). */
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';
/** Limits the Kubernetes plugin's lookup to the environment's own cluster (by cluster name). */
export const KUBERNETES_CLUSTER_ANNOTATION = 'backstage.io/kubernetes-cluster';
/** EKS cluster name the Kubernetes backend signs its STS token for. */
export const KUBERNETES_AWS_CLUSTER_ID_ANNOTATION =
  'kubernetes.io/x-k8s-aws-id';

/** The AWS and Atlas resources of an environment, by their role. */
export const BPA_RESOURCE_ROLES = [
  'network',
  'kubernetes-cluster',
  'postgres',
  'mongodb-atlas',
  'container-registry',
  'load-balancer',
] as const;
export type BpaResourceRole = (typeof BPA_RESOURCE_ROLES)[number];

/** One BPA service as the catalog shows it. */
export interface BpaComponentDefinition {
  /** Suffix of the entity name, its role, and the `backstage.io/kubernetes-id` of its workloads. */
  id: string;
  title: string;
  description: string;
  /** Environment resources it needs besides the cluster and the registry (every component needs those). */
  resources: BpaResourceRole[];
  /** Other BPA components it needs, by id. */
  components: string[];
  /**
   * The node data directories (`cluster.nodes[].dataDirectories`) holding
   * its data: a node with one of them runs it. Stateless components have none.
   */
  dataDirectories?: RegExp;
}

/**
 * BPA 4.x services on the cluster. Data directories follow the reference
 * node layout (ZooKeeper and Kafka on node-1..3, logs and metrics on node-4).
 */
export const BPA_COMPONENTS: BpaComponentDefinition[] = [
  {
    id: 'ui',
    title: 'BPA portal',
    description:
      'Web user interface of BPA: use cases, workflows, forms and dashboards.',
    resources: [],
    components: ['api-gateway', 'ingress-controller'],
  },
  {
    id: 'api-gateway',
    title: 'API gateway (Kong)',
    description:
      'Kong: routes and authorises every call to the BPA services; configuration in the PostgreSQL kong database.',
    resources: ['postgres'],
    components: ['auth-service', 'ingress-controller'],
  },
  {
    id: 'auth-service',
    title: 'Authentication service',
    description: 'Users, roles and sessions of BPA, stored in PostgreSQL.',
    resources: ['postgres'],
    components: [],
  },
  {
    id: 'workflow-engine',
    title: 'Workflow engine (Camunda)',
    description:
      'Camunda process engine running the BPMN workflows of the use cases; state in the PostgreSQL process-engine database.',
    resources: ['postgres'],
    components: ['kafka'],
  },
  {
    id: 'core-services',
    title: 'BPA core services',
    description:
      'Use case, artefact, scheduler and notification services; data in MongoDB Atlas.',
    resources: ['mongodb-atlas'],
    components: ['kafka', 'workflow-engine'],
  },
  {
    id: 'common-middleware',
    title: 'Common integration middleware',
    description:
      'Adapters to controllers, NSO and devices used by workflows; inventory and jobs in MongoDB Atlas.',
    resources: ['mongodb-atlas'],
    components: ['kafka'],
  },
  {
    id: 'sase-service',
    title: 'SASE service',
    description:
      'Secure Access Service Edge use cases of BPA 4.0.3 (the sase-service image).',
    resources: ['mongodb-atlas'],
    components: ['kafka', 'workflow-engine'],
  },
  {
    id: 'zookeeper',
    title: 'ZooKeeper',
    description:
      'ZooKeeper ensemble coordinating Kafka; data on node-1, node-2 and node-3.',
    resources: [],
    components: [],
    dataDirectories: /^zookeeper\d*$/,
  },
  {
    id: 'kafka',
    title: 'Kafka',
    description:
      'Kafka brokers: the event bus between BPA services; data on node-1, node-2 and node-3.',
    resources: [],
    components: ['zookeeper'],
    dataDirectories: /^kafka\d*$/,
  },
  {
    id: 'elk',
    title: 'Logging (Elasticsearch, Logstash, Kibana)',
    description:
      'Collects and indexes the logs of the services; data on node-4.',
    resources: [],
    components: [],
    dataDirectories: /^elk$/,
  },
  {
    id: 'prometheus',
    title: 'Prometheus',
    description: 'Metrics of the BPA services and nodes; data on node-4.',
    resources: [],
    components: [],
    dataDirectories: /^metrices\/prometheus$/,
  },
  {
    id: 'grafana',
    title: 'Grafana',
    description: 'Dashboards over the Prometheus metrics; data on node-4.',
    resources: [],
    components: ['prometheus'],
    dataDirectories: /^metrices\/grafana$/,
  },
  {
    id: 'ingress-controller',
    title: 'Ingress controller',
    description:
      'Ingress controller created by the chart (ingress_controller.create); serves the bpa-certificate-ingress certificate behind the load balancer.',
    resources: ['load-balancer'],
    components: [],
  },
];

/** The BPA components whose data is in these node data directories, by id. */
export function componentsWithDataIn(directories: string[]): string[] {
  return BPA_COMPONENTS.filter(component =>
    directories.some(directory => component.dataDirectories?.test(directory)),
  ).map(component => component.id);
}

/** Values only known once the cluster exists (EKS DescribeCluster). */
export interface EnvironmentEntityOptions {
  cluster?: {
    /** API server endpoint, e.g. `https://ABC.gr7.us-east-1.eks.amazonaws.com`. */
    apiServerUrl: string;
    /** Base64 PEM of the cluster certificate authority (public). */
    certificateAuthorityData: string;
  };
}

const API_VERSION = 'backstage.io/v1alpha1';

/**
 * The catalog entities of an environment: its System, the AWS and Atlas
 * Resources and the BPA Components. Pure: the same spec gives the same
 * entities. Nothing secret is in them, and `spec.bpa.values` is never copied.
 */
export function environmentEntities(
  spec: EnvironmentSpec,
  options: EnvironmentEntityOptions = {},
): Entity[] {
  return [
    systemEntity(spec),
    ...BPA_RESOURCE_ROLES.map(role => resourceEntity(spec, role, options)),
    ...BPA_COMPONENTS.map(component => componentEntity(spec, component)),
  ];
}

/**
 * The entities as the portal registers them: the System also records the
 * environment's state and its validated request (which holds no secrets),
 * read back by the teardown and the live status.
 */
export function registeredEnvironmentEntities(
  spec: EnvironmentSpec,
  state: string,
  options: EnvironmentEntityOptions = {},
): Entity[] {
  return environmentEntities(spec, options).map(e =>
    e.kind === 'System'
      ? {
          ...e,
          metadata: {
            ...e.metadata,
            annotations: {
              ...e.metadata.annotations,
              [BPA_STATE_ANNOTATION]: state,
              [BPA_REQUEST_ANNOTATION]: JSON.stringify(spec),
            },
          },
        }
      : e,
  );
}

/**
 * Catalog names of the environment's resources. Those with an AWS or Atlas
 * name carry exactly that name: the Kubernetes plugin uses the cluster
 * resource's name as the cluster name.
 */
function resourceEntityNames(
  spec: EnvironmentSpec,
): Record<BpaResourceRole, string> {
  const names = resourceNames(spec);
  return {
    network: `${spec.name}-vpc`,
    'kubernetes-cluster': names.eksCluster,
    postgres: names.rdsInstance,
    'mongodb-atlas': names.atlasCluster,
    'container-registry': `${spec.name}-ecr`,
    'load-balancer': names.loadBalancer,
  };
}

function componentEntityName(spec: EnvironmentSpec, componentId: string) {
  return `${spec.name}-${componentId}`;
}

function portalUrl(spec: EnvironmentSpec): string | undefined {
  return spec.ingress.hostname ? `https://${spec.ingress.hostname}` : undefined;
}

function systemEntity(spec: EnvironmentSpec): Entity {
  const url = portalUrl(spec);
  return {
    apiVersion: API_VERSION,
    kind: 'System',
    metadata: {
      name: spec.name,
      description: spec.description,
      annotations: {
        [BPA_ENVIRONMENT_ANNOTATION]: spec.name,
        [BPA_AWS_REGION_ANNOTATION]: spec.aws.region,
        [BPA_AWS_ACCOUNT_ANNOTATION]: spec.aws.accountId,
      },
      ...(url && { links: [{ url, title: 'BPA portal' }] }),
    },
    spec: { owner: spec.owner },
  };
}

interface ResourceParts {
  type: string;
  title: string;
  description: string;
  dependsOn: BpaResourceRole[];
  annotations?: Record<string, string>;
  links?: EntityLink[];
}

function resourceParts(
  spec: EnvironmentSpec,
  role: BpaResourceRole,
  options: EnvironmentEntityOptions,
): ResourceParts {
  const names = resourceNames(spec);
  const region = spec.aws.region;
  const awsConsole = (path: string) =>
    `https://console.aws.amazon.com/${path}?region=${region}`;
  switch (role) {
    case 'network':
      return {
        type: 'network',
        title: 'VPC',
        description: `VPC ${
          spec.network.vpcCidr
        } across ${spec.aws.availabilityZones.join(', ')}; pod CIDR ${
          spec.network.podCidr
        }.`,
        dependsOn: [],
      };
    case 'kubernetes-cluster':
      return {
        type: 'kubernetes-cluster',
        title: 'EKS cluster',
        description: `Amazon EKS ${spec.cluster.kubernetesVersion} with ${
          spec.cluster.nodes.length
        } worker nodes (${spec.cluster.nodes
          .map(node => `${node.name} ${node.instanceType}`)
          .join(', ')}).`,
        dependsOn: ['network'],
        annotations: {
          ...(options.cluster && {
            [ANNOTATION_KUBERNETES_API_SERVER]: options.cluster.apiServerUrl,
            [ANNOTATION_KUBERNETES_API_SERVER_CA]:
              options.cluster.certificateAuthorityData,
          }),
          [ANNOTATION_KUBERNETES_AUTH_PROVIDER]: 'aws',
          [KUBERNETES_AWS_CLUSTER_ID_ANNOTATION]: names.eksCluster,
          // The cluster's Kubernetes tab: every pod and workload of a BPA
          // component (labelled as the components' kubernetes-id), in BPA's
          // namespace of this cluster.
          [KUBERNETES_LABEL_SELECTOR_ANNOTATION]: KUBERNETES_ID_ANNOTATION,
          [KUBERNETES_NAMESPACE_ANNOTATION]: spec.bpa.namespace,
          [KUBERNETES_CLUSTER_ANNOTATION]: names.eksCluster,
        },
        links: [
          {
            url: `${awsConsole('eks/home')}#/clusters/${names.eksCluster}`,
            title: 'EKS console',
          },
        ],
      };
    case 'postgres':
      return {
        type: 'database',
        title: 'RDS PostgreSQL',
        description: `Amazon RDS for PostgreSQL ${spec.rds.engineVersion} (${
          spec.rds.instanceClass
        }, ${spec.rds.allocatedStorageGiB} GiB${
          spec.rds.multiAz ? ', Multi-AZ' : ''
        }); databases ${[spec.rds.root, spec.rds.auth, spec.rds.workflow]
          .map(db => db.database)
          .join(', ')}.`,
        dependsOn: ['network'],
        links: [
          {
            url: `${awsConsole('rds/home')}#database:id=${
              names.rdsInstance
            };is-cluster=false`,
            title: 'RDS console',
          },
        ],
      };
    case 'mongodb-atlas':
      return {
        type: 'database',
        title: 'MongoDB Atlas cluster',
        description: `MongoDB Atlas ${spec.atlas.tier} cluster (MongoDB ${spec.atlas.mongoDBVersion}) reached over AWS PrivateLink.`,
        dependsOn: ['network'],
        links: [
          {
            url: `https://cloud.mongodb.com/v2/${spec.atlas.projectId}#/clusters`,
            title: 'Atlas project',
          },
        ],
      };
    case 'container-registry':
      return {
        type: 'container-registry',
        title: 'ECR repositories',
        description: `Amazon ECR repositories under ${
          spec.ecr.repositoryPrefix
        }/ for the BPA chart and images (${spec.ecr.images
          .map(image => `${image.name}:${image.tag}`)
          .join(', ')}).`,
        dependsOn: [],
        links: [
          {
            url: awsConsole('ecr/private-registry/repositories'),
            title: 'ECR console',
          },
        ],
      };
    case 'load-balancer':
      return {
        type: 'load-balancer',
        title: 'Application Load Balancer',
        description: `Application Load Balancer in front of the BPA ingress (ports 443 and 30101)${
          spec.ingress.hostname ? ` for ${spec.ingress.hostname}` : ''
        }.`,
        dependsOn: ['network', 'kubernetes-cluster'],
      };
    default:
      throw new Error(`Unknown BPA resource role ${role satisfies never}`);
  }
}

function resourceEntity(
  spec: EnvironmentSpec,
  role: BpaResourceRole,
  options: EnvironmentEntityOptions,
): Entity {
  const parts = resourceParts(spec, role, options);
  return {
    apiVersion: API_VERSION,
    kind: 'Resource',
    metadata: {
      name: resourceEntityNames(spec)[role],
      title: parts.title,
      description: parts.description,
      annotations: {
        [BPA_ENVIRONMENT_ANNOTATION]: spec.name,
        [BPA_ROLE_ANNOTATION]: role,
        ...parts.annotations,
      },
      ...(parts.links && { links: parts.links }),
    },
    spec: {
      type: parts.type,
      owner: spec.owner,
      system: spec.name,
      ...(parts.dependsOn.length > 0 && {
        dependsOn: parts.dependsOn.map(
          dependency => `resource:${resourceEntityNames(spec)[dependency]}`,
        ),
      }),
    },
  };
}

function componentEntity(
  spec: EnvironmentSpec,
  component: BpaComponentDefinition,
): Entity {
  const url = component.id === 'ui' ? portalUrl(spec) : undefined;
  const resourceNamesByRole = resourceEntityNames(spec);
  // Every component runs on the cluster from the chart and images in the registry.
  const resources: BpaResourceRole[] = [
    'kubernetes-cluster',
    'container-registry',
    ...component.resources,
  ];
  return {
    apiVersion: API_VERSION,
    kind: 'Component',
    metadata: {
      name: componentEntityName(spec, component.id),
      title: component.title,
      description: component.description,
      annotations: {
        [BPA_ENVIRONMENT_ANNOTATION]: spec.name,
        [BPA_ROLE_ANNOTATION]: component.id,
        [KUBERNETES_ID_ANNOTATION]: component.id,
        [KUBERNETES_NAMESPACE_ANNOTATION]: spec.bpa.namespace,
        [KUBERNETES_CLUSTER_ANNOTATION]:
          resourceNamesByRole['kubernetes-cluster'],
      },
      ...(url && { links: [{ url, title: 'BPA portal' }] }),
    },
    spec: {
      type: 'service',
      lifecycle: 'production',
      owner: spec.owner,
      system: spec.name,
      dependsOn: [
        ...resources.map(role => `resource:${resourceNamesByRole[role]}`),
        ...component.components.map(
          id => `component:${componentEntityName(spec, id)}`,
        ),
      ],
    },
  };
}
