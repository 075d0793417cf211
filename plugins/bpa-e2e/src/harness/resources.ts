import { createHash } from 'node:crypto';
import { STACK_KINDS } from '@internal/backstage-plugin-bpa-common';
import { LabCluster, World } from './world';

/** An environment a test applies: its name, its own Atlas project and lab cluster. */
export interface EnvironmentUnderTest {
  name: string;
  atlasProjectId: string;
  cluster: LabCluster;
}

export function environmentUnderTest(
  name: string,
  cluster: LabCluster,
): EnvironmentUnderTest {
  const atlasProjectId = createHash('sha256')
    .update(name)
    .digest('hex')
    .slice(0, 24);
  return { name, atlasProjectId, cluster };
}

/** Where the API server serves a group's objects, when not at `/apis/<group>/v1`. */
const API_PATHS: Record<string, string> = {
  '': '/api/v1',
  'crd.k8s.amazonaws.com': '/apis/crd.k8s.amazonaws.com/v1alpha1',
};

/** Resource → how many times something happened to it. */
export type Counts = Record<string, number>;

const count = (keys: string[]): Counts => {
  const counts: Counts = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
};

const mentions = (value: unknown, name: string) =>
  JSON.stringify(value).includes(name);

/** AWS calls the backends made that succeeded, for one environment. */
function awsCalls(world: World, env: EnvironmentUnderTest) {
  return world.aws.server.calls.filter(
    c => c.outcome === 'ok' && mentions(c.input, env.name),
  );
}

/** Atlas Admin API calls that succeeded, in the environment's project. */
function atlasCalls(world: World, env: EnvironmentUnderTest) {
  return world.atlas.server.exchanges.filter(
    e => e.status < 300 && e.uri.includes(`/groups/${env.atlasProjectId}/`),
  );
}

/** What the portal did in the environment's cluster (its own user in the audit log), without status subresources. */
function kubernetesRequests(env: EnvironmentUnderTest) {
  return env.cluster.api
    .auditEvents()
    .filter(
      e =>
        e.user.username === env.cluster.portalUser &&
        e.objectRef?.name &&
        !e.objectRef.subresource,
    );
}

const objectKey = (e: ReturnType<typeof kubernetesRequests>[number]) => {
  const ref = e.objectRef!;
  // The audit log gives a Namespace its own name as namespace.
  const namespace = ref.resource === 'namespaces' ? undefined : ref.namespace;
  return `kubernetes ${ref.apiGroup ? `${ref.apiGroup}/` : ''}${ref.resource} ${
    namespace ? `${namespace}/` : ''
  }${ref.name}`;
};

/**
 * Every creation of one of the environment's resources, by resource:
 * CloudFormation change sets created and executed per stack, Secrets
 * Manager secrets created (and values written), VPC endpoints EC2 made,
 * Auto Scaling attachments, Atlas clusters, users, endpoint services and
 * endpoints, and Kubernetes objects the API server answered `201 Created`
 * for (Helm's release revisions among them, as its Secrets). "Created
 * exactly once" is every count 1.
 */
export function creations(world: World, env: EnvironmentUnderTest): Counts {
  // A call the SDK retried with the same idempotency token (its answer was
  // lost) is one request, as AWS counts it: only the first counts.
  const seen = new Set<string>();
  const aws = awsCalls(world, env).filter(c => {
    const token = c.input.ClientRequestToken ?? c.input.ClientToken;
    if (token === undefined) return true;
    const key = `${c.command} ${c.input.StackName ?? ''} ${token}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const keysOf = (command: string, key: (input: any) => string) =>
    aws.filter(c => c.command === command).map(c => key(c.input));
  const atlas = atlasCalls(world, env);
  const atlasKeys = (operationId: string, what: string) =>
    atlas.filter(e => e.operationId === operationId).map(() => `atlas ${what}`);
  return count([
    ...keysOf('CreateChangeSet', i => `aws change set of stack ${i.StackName}`),
    ...keysOf('ExecuteChangeSet', i => `aws execution of stack ${i.StackName}`),
    ...keysOf('CreateSecret', i => `aws secret ${i.Name}`),
    ...keysOf('PutSecretValue', i => `aws secret value of ${i.SecretId}`),
    ...keysOf(
      'AttachLoadBalancerTargetGroups',
      i => `aws target group attachment of ${i.AutoScalingGroupName}`,
    ),
    ...world.aws.vpcEndpoints.endpoints
      .filter(e => e.Tags?.some(t => t.Value === env.name))
      .map(e => `aws vpc endpoint to ${e.ServiceName}`),
    ...atlasKeys('createGroupCluster', 'cluster'),
    ...atlasKeys('createGroupDatabaseUser', 'database user'),
    ...atlasKeys(
      'createGroupPrivateEndpointEndpointService',
      'endpoint service',
    ),
    ...atlasKeys(
      'createGroupPrivateEndpointEndpointServiceEndpoint',
      'private endpoint',
    ),
    ...kubernetesRequests(env)
      .filter(
        e =>
          ['create', 'patch', 'update'].includes(e.verb) &&
          e.responseStatus?.code === 201,
      )
      .map(objectKey),
  ]);
}

/** Every deletion the backends asked for, by resource: a fresh apply deletes nothing. */
export function deletions(world: World, env: EnvironmentUnderTest): Counts {
  const deleting = /^(Delete|Detach)/;
  return count([
    ...awsCalls(world, env)
      .filter(c => deleting.test(c.command))
      .map(c => `aws ${c.command} ${JSON.stringify(c.input)}`),
    ...atlasCalls(world, env)
      .filter(e => e.method === 'DELETE')
      .map(e => `atlas ${e.operationId}`),
    ...kubernetesRequests(env)
      .filter(e => e.verb === 'delete' || e.verb === 'deletecollection')
      .map(objectKey),
  ]);
}

/**
 * What exists of the environment now, ids left out: its stacks and their
 * status, its secrets, VPC endpoints, Atlas resources, and the Kubernetes
 * objects the portal created that are still there. Two applies of the same
 * request, however interrupted, leave the same inventory (with the
 * environment's name as `<env>`).
 */
export async function inventory(
  world: World,
  env: EnvironmentUnderTest,
): Promise<string[]> {
  const atlas = world.atlas.project(env.atlasProjectId);
  const stacks = world.aws.cloudFormation
    .liveStacks()
    .filter(s => s.stackName.startsWith(`${env.name}-`))
    .map(s => `aws stack ${s.stackName} ${s.status}`);
  const secrets = [...world.aws.secretsManager.secrets.keys()]
    .filter(name => name.startsWith(`bpa/${env.name}/`))
    .map(name =>
      world.aws.secretsManager.scheduledForDeletion.has(name)
        ? `aws secret ${name} (scheduled for deletion)`
        : `aws secret ${name}`,
    );
  const endpoints = world.aws.vpcEndpoints
    .live()
    .filter(e => e.Tags?.some(t => t.Value === env.name))
    .map(e => `aws vpc endpoint to ${e.ServiceName} ${e.State}`);
  const atlasResources = [
    ...[...atlas.clusters.values()].map(
      c => `atlas cluster ${c.name} ${c.stateName}`,
    ),
    ...[...atlas.users.keys()].map(u => `atlas database user ${u}`),
    ...[...atlas.services.values()].map(
      s => `atlas endpoint service ${s.status}`,
    ),
    ...[...atlas.endpoints.values()].map(
      e => `atlas private endpoint ${e.connectionStatus}`,
    ),
  ];
  const created = Object.keys(creations(world, env)).filter(k =>
    k.startsWith('kubernetes '),
  );
  const present: string[] = [];
  for (const key of created) {
    const [, resource, where] = key.split(' ');
    const [namespace, name] = where.includes('/')
      ? where.split('/')
      : [undefined, where];
    const [group, plural] = resource.includes('/')
      ? resource.split('/')
      : ['', resource];
    const version = API_PATHS[group] ?? `/apis/${group}/v1`;
    const objectPath = `${version}${
      namespace ? `/namespaces/${namespace}` : ''
    }/${plural}/${name}`;
    const exists = await env.cluster.api.request('GET', objectPath).then(
      () => true,
      () => false,
    );
    if (exists) present.push(key);
  }
  return [...stacks, ...secrets, ...endpoints, ...atlasResources, ...present]
    .map(line => normalize(line, env.name))
    .sort();
}

/** `<env>` for the environment's name and `<id>` for generated ids, so two environments' lists compare. */
export function normalize(line: string, environment: string): string {
  return (
    line
      .split(environment)
      .join('<env>')
      .replace(/\b[0-9a-f]{10}\b/g, '<id>')
      // The simulated stacks' ids end in a counter (arn:…/sim-12).
      .replace(/\bsim-\d+\b/g, 'sim-<n>')
  );
}

/** The stacks an environment has, by kind. */
export const stackNames = (env: EnvironmentUnderTest) =>
  STACK_KINDS.map(kind => `${env.name}-${kind}`);

/**
 * The passwords of the environment's secrets in Secrets Manager (the
 * PostgreSQL users', the Atlas user's): as first created (the CreateSecret
 * the backend sent) and as stored now. A resumed apply that regenerated one
 * would show two different values.
 */
export function secretPasswords(world: World, env: EnvironmentUnderTest) {
  const password = (text: string | undefined) =>
    text === undefined ? undefined : (JSON.parse(text).password as string);
  const first: Record<string, string | undefined> = {};
  for (const call of world.aws.server.calls) {
    if (
      call.command === 'CreateSecret' &&
      call.outcome === 'ok' &&
      String(call.input.Name).startsWith(`bpa/${env.name}/`)
    ) {
      first[call.input.Name] ??= password(call.input.SecretString);
    }
  }
  const now = Object.fromEntries(
    Object.keys(first).map(name => [
      name,
      password(world.aws.secretsManager.secrets.get(name)),
    ]),
  );
  return { first, now };
}
