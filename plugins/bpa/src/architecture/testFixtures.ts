import {
  BPA_COMPONENTS,
  EnvironmentStatus,
  PodStatus,
  REFERENCE_TOPOLOGY,
} from '@internal/backstage-plugin-bpa-common';

/** The catalog entities of the reference environment, by role and component id. */
export const REFERENCE_ENTITY_REFS: Record<string, string> = {
  network: 'resource:default/bpa-demo-vpc',
  'kubernetes-cluster': 'resource:default/bpa-demo-eks',
  postgres: 'resource:default/bpa-demo-postgres',
  'mongodb-atlas': 'resource:default/bpa-demo-mongo',
  'container-registry': 'resource:default/bpa-demo-ecr',
  'load-balancer': 'resource:default/bpa-demo-alb',
  ...Object.fromEntries(
    BPA_COMPONENTS.map(c => [c.id, `component:default/bpa-demo-${c.id}`]),
  ),
};

const NODES = ['node-1', 'node-2', 'node-3', 'node-4'].map((role, i) => ({
  name: `ip-10-0-${48 + (i % 3) * 16}-${11 + i}.ec2.internal`,
  role,
  zone: REFERENCE_TOPOLOGY.nodes[i].zone,
  instanceType: 'm5.4xlarge',
  status: 'Ready',
  level: 'ok' as const,
}));

function pod(
  component: string,
  name: string,
  node: number | undefined,
  overrides: Partial<PodStatus> = {},
): PodStatus {
  return {
    name,
    component,
    workload: `Deployment/${component}`,
    ...(node !== undefined && { node: NODES[node].name }),
    phase: 'Running',
    ready: true,
    restarts: 0,
    level: 'ok',
    ...overrides,
  };
}

/** Every BPA component running, Camunda in a crash loop, and one pod not scheduled. */
export const LIVE_PODS: PodStatus[] = [
  pod('ui', 'bpa-ui-1', 0),
  pod('ui', 'bpa-ui-2', 1),
  pod('api-gateway', 'kong-1', 1),
  pod('api-gateway', 'kong-2', 2),
  pod('auth-service', 'auth-service-1', 2),
  pod('workflow-engine', 'camunda-1', 0, {
    ready: false,
    reason: 'CrashLoopBackOff',
    restarts: 7,
    level: 'error',
  }),
  pod('core-services', 'core-services-1', 1),
  pod('core-services', 'core-services-2', 2),
  pod('common-middleware', 'common-middleware-1', 0),
  pod('sase-service', 'sase-service-1', 1),
  ...[0, 1, 2].flatMap(i => [
    pod('zookeeper', `zookeeper-${i}`, i),
    pod('kafka', `kafka-${i}`, i),
  ]),
  pod('elk', 'elasticsearch-0', 3),
  pod('prometheus', 'prometheus-1', 3),
  pod('grafana', 'grafana-1', 3),
  pod('ingress-controller', 'bpa-rel-ingress-controller-1', 3),
  pod('ingress-controller', 'bpa-rel-ingress-controller-2', undefined, {
    phase: 'Pending',
    ready: false,
    level: 'pending',
  }),
];

/** An applied environment whose every source answered. */
export function liveStatus(
  overrides: Partial<EnvironmentStatus> = {},
): EnvironmentStatus {
  const stack = (kind: string) => ({
    kind: kind as any,
    stackName: `bpa-demo-${kind}`,
    status: 'CREATE_COMPLETE',
    level: 'ok' as const,
  });
  return {
    entityRef: 'system:default/bpa-demo',
    environment: 'bpa-demo',
    state: 'applied',
    live: true,
    checkedAt: '2026-12-01T10:00:00.000Z',
    topology: REFERENCE_TOPOLOGY,
    stacks: {
      data: ['network', 'cluster', 'data', 'registry', 'edge'].map(stack),
    },
    cluster: {
      data: { name: 'bpa-demo-eks', status: 'ACTIVE', level: 'ok' },
    },
    atlas: {
      data: { name: 'bpa-demo-mongo', status: 'IDLE', level: 'ok' },
    },
    database: {
      data: {
        identifier: 'bpa-demo-postgres',
        status: 'available',
        level: 'ok',
        zone: 'us-east-1b',
      },
    },
    privateEndpoint: {
      data: { id: 'vpce-0abc', status: 'available', level: 'ok' },
    },
    nodes: { data: NODES },
    pods: { data: LIVE_PODS },
    ...overrides,
  };
}
