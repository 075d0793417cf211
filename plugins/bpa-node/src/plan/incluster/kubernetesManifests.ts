import { createHash } from 'node:crypto';
import { Document } from 'yaml';
import {
  BPA_ENVIRONMENT_ANNOTATION,
  EnvironmentSpec,
  PlanArtifact,
} from '@internal/backstage-plugin-bpa-common';
import { renderDatabaseBootstrapSql } from './bootstrapSql';
import { ENVIRONMENT_SECRET, ENVIRONMENT_TXT_PATH } from './environmentTxt';
import {
  BPA_SYSTEM_NAMESPACE,
  nodePreparationDaemonSetName,
  renderNodePreparationScript,
} from './nodePreparation';
import { describeReference, formatReference, Reference } from './references';
import { inClusterSources } from './sources';

export const INGRESS_CERTIFICATE_SECRET = 'bpa-certificate-ingress';
export const POSTGRES_BINDING_SECRET = 'bpa-binding-postgres';
export const MONGODB_BINDING_SECRET = 'bpa-binding-mongodb';
/** What the database bootstrap Job connects with and the passwords it sets. */
export const DATABASE_BOOTSTRAP_SECRET = 'bpa-database-bootstrap-credentials';
export const DATABASE_BOOTSTRAP_CONFIGMAP = 'bpa-database-bootstrap';
export const NODE_PREPARATION_CONFIGMAP = 'bpa-node-preparation';

/**
 * Annotation on each Secret naming where each of its keys gets its value at
 * apply time (JSON: key -> source). Sources: `secretsmanager:<name>:<key>`,
 * `cloudformation:<stack>:<output>` and `stack-secret:<stack>/<output>:<key>`
 * (references without their `${}`, read with `parseReference`),
 * `literal:<value>` (a non-secret value from the request), `plan:<path>`
 * (that plan artifact with its references resolved), `derived:<how>`
 * (computed by the apply step from the Secret's other keys), `generated:` and
 * `input:` (the certificate, made or given at apply time).
 */
export const VALUE_SOURCES_ANNOTATION = 'bpa.cisco.com/value-sources';

/** Small public images, pinned to a version. */
export const BUSYBOX_IMAGE = 'public.ecr.aws/docker/library/busybox:1.36';
/** psql of the server's major version: the client is then never older than the server. */
const postgresClientImage = (engineVersion: string) =>
  `public.ecr.aws/docker/library/postgres:${
    engineVersion.split('.')[0]
  }-alpine`;

/** The uid of the `postgres` user in the Alpine postgres image. */
const POSTGRES_IMAGE_UID = 70;
const PREPARED_MARKER_DIR = '/run/bpa-node-prep';
const PREPARED_MARKER = `${PREPARED_MARKER_DIR}/prepared`;

type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
} & Record<string, unknown>;

const shortHash = (text: string) =>
  createHash('sha256').update(text).digest('hex').slice(0, 10);

function commonLabels(spec: EnvironmentSpec): Record<string, string> {
  return {
    'app.kubernetes.io/managed-by': 'backstage-bpa',
    'app.kubernetes.io/part-of': 'bpa',
    [BPA_ENVIRONMENT_ANNOTATION]: spec.name,
  };
}

/** Multi-document YAML; the header comment opens the file. */
function yamlDocuments(header: string[], objects: KubeObject[]): string {
  return objects
    .map((object, i) => {
      const doc = new Document(object, { aliasDuplicateObjects: false });
      if (i === 0)
        doc.commentBefore = header.map(line => ` ${line}`).join('\n');
      return doc.toString({ lineWidth: 0 });
    })
    .join('---\n');
}

function namespaces(spec: EnvironmentSpec): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: spec.bpa.namespace, labels: commonLabels(spec) },
    },
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: BPA_SYSTEM_NAMESPACE,
        labels: {
          ...commonLabels(spec),
          // Node preparation writes to the host: say so to Pod Security Admission.
          'pod-security.kubernetes.io/enforce': 'privileged',
        },
      },
    },
  ];
}

function eniConfigs(spec: EnvironmentSpec): KubeObject[] {
  const sources = inClusterSources(spec);
  return spec.aws.availabilityZones.map((zone, i) => ({
    apiVersion: 'crd.k8s.amazonaws.com/v1alpha1',
    kind: 'ENIConfig',
    metadata: { name: zone, labels: commonLabels(spec) },
    spec: {
      subnet: formatReference(sources.podSubnetIds, i),
      securityGroups: sources.podSecurityGroupIds.map(ref =>
        formatReference(ref),
      ),
    },
  }));
}

/**
 * The default StorageClass: encrypted gp3 volumes of the EBS CSI driver
 * (EKS has had no in-tree EBS provisioner since Kubernetes 1.23, so without
 * it claims stay Pending). A volume is made in the zone of the pod that
 * first uses it, and kept when its claim is deleted: data goes only when
 * someone deletes the volume itself.
 */
function storageClass(spec: EnvironmentSpec): KubeObject[] {
  return [
    {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {
        name: 'gp3',
        labels: commonLabels(spec),
        annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
      },
      provisioner: 'ebs.csi.aws.com',
      parameters: { type: 'gp3', encrypted: 'true' },
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowVolumeExpansion: true,
    },
  ];
}

function nodePreparation(spec: EnvironmentSpec): KubeObject[] {
  const scripts = renderNodePreparationScript(spec);
  const labels = commonLabels(spec);
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: NODE_PREPARATION_CONFIGMAP,
      namespace: BPA_SYSTEM_NAMESPACE,
      labels,
    },
    data: Object.fromEntries(
      spec.cluster.nodes.map((role, i) => [
        `${role.name}.sh`,
        scripts[i].content,
      ]),
    ),
  };
  const daemonSets = spec.cluster.nodes.map((role, i): KubeObject => {
    const selector = {
      'app.kubernetes.io/name': 'bpa-node-prep',
      'bpa.cisco.com/node-role': role.name,
    };
    return {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: {
        name: nodePreparationDaemonSetName(role.name),
        namespace: BPA_SYSTEM_NAMESPACE,
        labels: { ...labels, ...selector },
      },
      spec: {
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...labels, ...selector },
            // A changed script changes the pod template, so the pods rerun it.
            annotations: {
              'bpa.cisco.com/script-sha256': shortHash(scripts[i].content),
            },
          },
          spec: {
            nodeSelector: role.labels,
            automountServiceAccountToken: false,
            terminationGracePeriodSeconds: 5,
            initContainers: [
              {
                name: 'prepare',
                image: BUSYBOX_IMAGE,
                command: ['sh', '/node-prep/prepare.sh'],
                env: [{ name: 'PREPARED_MARKER', value: PREPARED_MARKER }],
                // Writes host directories and a host-wide kernel setting.
                securityContext: { privileged: true },
                volumeMounts: [
                  { name: 'script', mountPath: '/node-prep', readOnly: true },
                  // Same path as on the host, so the script runs unchanged.
                  { name: 'data-root', mountPath: spec.cluster.dataRoot },
                  { name: 'state', mountPath: PREPARED_MARKER_DIR },
                ],
              },
            ],
            containers: [
              {
                name: 'prepared',
                image: BUSYBOX_IMAGE,
                // Stays up so that "Ready" reports the preparation as done.
                command: [
                  'sh',
                  '-c',
                  'trap "exit 0" TERM; while true; do sleep 3600 & wait $!; done',
                ],
                readinessProbe: {
                  exec: { command: ['test', '-f', PREPARED_MARKER] },
                  periodSeconds: 10,
                },
                resources: {
                  requests: { cpu: '1m', memory: '8Mi' },
                  limits: { memory: '16Mi' },
                },
                securityContext: {
                  runAsUser: 65534,
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  {
                    name: 'state',
                    mountPath: PREPARED_MARKER_DIR,
                    readOnly: true,
                  },
                ],
              },
            ],
            volumes: [
              {
                name: 'script',
                configMap: {
                  name: NODE_PREPARATION_CONFIGMAP,
                  items: [{ key: `${role.name}.sh`, path: 'prepare.sh' }],
                },
              },
              // Only the data root, not the whole mount: the least host access the work needs.
              {
                name: 'data-root',
                hostPath: {
                  path: spec.cluster.dataRoot,
                  type: 'DirectoryOrCreate',
                },
              },
              { name: 'state', emptyDir: {} },
            ],
          },
        },
      },
    };
  });
  return [configMap, ...daemonSets];
}

/** A Secret without values: its keys, and where each value comes from at apply time. */
function secretShape(
  spec: EnvironmentSpec,
  namespace: string,
  name: string,
  valueSources: Record<string, string>,
  type = 'Opaque',
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace,
      labels: commonLabels(spec),
      annotations: { [VALUE_SOURCES_ANNOTATION]: JSON.stringify(valueSources) },
    },
    type,
    stringData: Object.fromEntries(
      Object.keys(valueSources).map(key => [key, '']),
    ),
  };
}

function secrets(spec: EnvironmentSpec): KubeObject[] {
  const sources = inClusterSources(spec);
  const from = (ref: Reference) => describeReference(ref);
  const certificateSource =
    spec.ingress.certificate === 'self-signed'
      ? `generated:self-signed certificate for ${
          spec.ingress.hostname ?? 'the load balancer'
        }`
      : 'input:certificate given at apply time';
  const ns = spec.bpa.namespace;
  return [
    secretShape(spec, ns, ENVIRONMENT_SECRET, {
      'environment.txt': `plan:${ENVIRONMENT_TXT_PATH}`,
    }),
    secretShape(spec, ns, POSTGRES_BINDING_SECRET, {
      host: from(sources.postgresHost),
      port: from(sources.postgresPort),
      database: `literal:${spec.rds.root.database}`,
      username: `literal:${spec.rds.root.user}`,
      password: from(sources.rootPassword),
      uri: 'derived:postgresql://<username>:<password>@<host>:<port>/<database>?sslmode=require, each part URL-encoded',
    }),
    secretShape(spec, ns, MONGODB_BINDING_SECRET, {
      connectionString: from(sources.mongoConnectionString),
      username: from(sources.mongoUsername),
      password: from(sources.mongoPassword),
    }),
    secretShape(
      spec,
      ns,
      INGRESS_CERTIFICATE_SECRET,
      { 'tls.crt': certificateSource, 'tls.key': certificateSource },
      'kubernetes.io/tls',
    ),
  ];
}

function databaseBootstrap(spec: EnvironmentSpec): KubeObject[] {
  const sources = inClusterSources(spec);
  const from = (ref: Reference) => describeReference(ref);
  const sql = renderDatabaseBootstrapSql(spec).content;
  const labels = {
    ...commonLabels(spec),
    'app.kubernetes.io/name': 'bpa-database-bootstrap',
  };
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: DATABASE_BOOTSTRAP_SECRET, key } },
  });
  return [
    // Filled by bpa:database:bootstrap itself, each time it runs the Job: RDS rotates the master password, so an earlier copy may be stale.
    secretShape(spec, BPA_SYSTEM_NAMESPACE, DATABASE_BOOTSTRAP_SECRET, {
      host: from(sources.postgresHost),
      port: from(sources.postgresPort),
      'master-username': `literal:${spec.rds.masterUsername}`,
      'master-password': from(sources.masterPassword),
      'root-password': from(sources.rootPassword),
      'auth-password': from(sources.authPassword),
      'workflow-password': from(sources.workflowPassword),
    }),
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: DATABASE_BOOTSTRAP_CONFIGMAP,
        namespace: BPA_SYSTEM_NAMESPACE,
        labels,
      },
      data: { 'bootstrap.sql': sql },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        // A Job's pod template cannot change: a changed script is a new Job.
        name: `bpa-database-bootstrap-${shortHash(sql)}`,
        namespace: BPA_SYSTEM_NAMESPACE,
        labels,
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        ttlSecondsAfterFinished: 86400,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: {
              runAsUser: POSTGRES_IMAGE_UID,
              runAsGroup: POSTGRES_IMAGE_UID,
              runAsNonRoot: true,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: 'psql',
                image: postgresClientImage(spec.rds.engineVersion),
                command: [
                  'sh',
                  '-c',
                  'exec psql -v ON_ERROR_STOP=1 -v admin_password="$ADMIN_PASSWORD" -v kong_password="$KONG_PASSWORD" -v camunda_password="$CAMUNDA_PASSWORD" -f /bootstrap/bootstrap.sql',
                ],
                env: [
                  secretEnv('PGHOST', 'host'),
                  secretEnv('PGPORT', 'port'),
                  secretEnv('PGUSER', 'master-username'),
                  secretEnv('PGPASSWORD', 'master-password'),
                  // Exists on every server; the root database may not exist yet.
                  { name: 'PGDATABASE', value: 'postgres' },
                  // RDS for PostgreSQL 15 and later refuses unencrypted connections.
                  { name: 'PGSSLMODE', value: 'require' },
                  { name: 'PGCONNECT_TIMEOUT', value: '10' },
                  secretEnv('ADMIN_PASSWORD', 'root-password'),
                  secretEnv('KONG_PASSWORD', 'auth-password'),
                  secretEnv('CAMUNDA_PASSWORD', 'workflow-password'),
                ],
                resources: {
                  requests: { cpu: '50m', memory: '32Mi' },
                  limits: { memory: '128Mi' },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'sql', mountPath: '/bootstrap', readOnly: true },
                ],
              },
            ],
            volumes: [
              {
                name: 'sql',
                configMap: { name: DATABASE_BOOTSTRAP_CONFIGMAP },
              },
            ],
          },
        },
      },
    },
  ];
}

const REFERENCE_HELP = [
  'Values written ${<source>:<name>:<key>} are references: the apply step replaces them',
  '(resolveReferences) before applying. ${cloudformation:<stack>:<output>} is an output of a',
  'CloudFormation stack; a trailing [n] inside the braces takes item n (from 0) of a',
  'comma-separated output.',
];

/**
 * The in-cluster bootstrap as Kubernetes manifests, in apply order: the
 * namespaces, custom pod networking, node preparation, Secret shapes, and
 * the database bootstrap Job.
 */
export function renderKubernetesManifests(
  spec: EnvironmentSpec,
): PlanArtifact[] {
  const file = (
    name: string,
    description: string,
    header: string[],
    objects: KubeObject[],
  ): PlanArtifact => ({
    path: `kubernetes/${name}.yaml`,
    kind: 'kubernetes',
    description,
    content: yamlDocuments(header, objects),
    resources: objects.length,
  });
  return [
    file(
      '00-namespaces',
      `Namespaces ${spec.bpa.namespace} (BPA) and ${BPA_SYSTEM_NAMESPACE} (node preparation, database bootstrap)`,
      [`Namespaces of BPA environment ${spec.name}.`],
      namespaces(spec),
    ),
    file(
      '10-eni-configs',
      'ENIConfig per availability zone: pods on the pod CIDR subnets',
      [
        `Custom pod networking of BPA environment ${spec.name}: one ENIConfig per availability zone,`,
        "named after the zone; the VPC CNI picks a node's ENIConfig by its",
        'topology.kubernetes.io/zone label (ENI_CONFIG_LABEL_DEF), with',
        'AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG=true. Nodes started before these exist keep',
        'their pods on the node subnets until they are replaced.',
        ...REFERENCE_HELP,
      ],
      eniConfigs(spec),
    ),
    file(
      '15-storage-class',
      'Default StorageClass gp3: encrypted EBS volumes of the EBS CSI driver add-on, kept when their claim goes',
      [
        `Storage of BPA environment ${spec.name}: the default StorageClass, encrypted gp3 volumes`,
        'made by the EBS CSI driver (the cluster stack installs its add-on), in the zone of the',
        'first pod that uses them, kept (reclaimPolicy Retain) when their claim is deleted.',
      ],
      storageClass(spec),
    ),
    file(
      '20-node-preparation',
      'Node preparation DaemonSets, one per node role (data directories, vm.max_map_count)',
      [
        `Node preparation of BPA environment ${spec.name}: one DaemonSet per node role, running`,
        "that role's script (the plan's nodes/<role>/prepare.sh) in a privileged init container.",
        'A pod is Ready once its node is prepared.',
      ],
      nodePreparation(spec),
    ),
    file(
      '30-secrets',
      'Secret shapes without values: environment.txt, PostgreSQL and MongoDB bindings, ingress TLS',
      [
        `Secrets of BPA environment ${spec.name}, without values: the apply step fills each key`,
        `from the source its ${VALUE_SOURCES_ANNOTATION} annotation names. Sources:`,
        'secretsmanager:<secret>:<key>, cloudformation:<stack>:<output>, stack-secret:<stack>/<output>:<key>,',
        'literal:<value>, plan:<artifact path> (references resolved), derived:<how>, generated:<what>,',
        'input:<what>.',
      ],
      secrets(spec),
    ),
    file(
      '40-database-bootstrap',
      'Database bootstrap credentials (Secret shape without values) and the Job running database/bootstrap.sql with psql',
      [
        `Database bootstrap of BPA environment ${spec.name}: a Job running the plan's`,
        'database/bootstrap.sql (idempotent) with psql against RDS, as the RDS master user,',
        `with the credentials of Secret ${DATABASE_BOOTSTRAP_SECRET}, which the step fills`,
        `(${VALUE_SOURCES_ANNOTATION} sources, read when the Job runs: RDS rotates the master`,
        'password) right before it runs the Job.',
      ],
      databaseBootstrap(spec),
    ),
  ];
}
