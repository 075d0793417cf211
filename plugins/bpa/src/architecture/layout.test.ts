import {
  ARCHITECTURE_WIDTH,
  ArchitectureLayout,
  LaidBox,
  Rect,
  layoutArchitecture,
} from './layout';
import { REFERENCE_TOPOLOGY } from '@internal/backstage-plugin-bpa-common';
import { REFERENCE_ENTITY_REFS, liveStatus } from './testFixtures';

const planned = () =>
  layoutArchitecture({
    topology: REFERENCE_TOPOLOGY,
    entityRefs: REFERENCE_ENTITY_REFS,
  });
const live = (overrides = {}) =>
  layoutArchitecture({
    topology: REFERENCE_TOPOLOGY,
    status: liveStatus(overrides),
    entityRefs: REFERENCE_ENTITY_REFS,
  });

const intersects = (a: Rect, b: Rect) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const contains = (outer: Rect, inner: Rect) =>
  inner.x >= outer.x - 0.01 &&
  inner.y >= outer.y - 0.01 &&
  inner.x + inner.w <= outer.x + outer.w + 0.01 &&
  inner.y + inner.h <= outer.y + outer.h + 0.01;

const box = (layout: ArchitectureLayout, id: string): LaidBox => {
  const found = layout.boxes.find(b => b.id === id);
  if (!found) throw new Error(`no box ${id} in ${layout.boxes.map(b => b.id)}`);
  return found;
};
const labelsOf = (layout: ArchitectureLayout, id: string) =>
  layout.labels.filter(l => l.box === id).map(l => l.text);
/** Chips of components, by the node (or lane) they are drawn on. */
const chipsOn = (layout: ArchitectureLayout, parent: string) =>
  layout.boxes
    .filter(b => b.kind === 'component' && b.parent === parent)
    .map(b => labelsOf(layout, b.id)[0]);

/** What makes a picture legible: no text over other text, nothing out of its box. */
function expectLegible(layout: ArchitectureLayout) {
  const overlaps: string[] = [];
  layout.labels.forEach((a, i) =>
    layout.labels.slice(i + 1).forEach(b => {
      if (intersects(a.bounds, b.bounds)) {
        overlaps.push(`"${a.text}" and "${b.text}"`);
      }
    }),
  );
  expect(overlaps).toEqual([]);

  for (const label of layout.labels) {
    expect({
      label: label.text,
      inside: contains(box(layout, label.box), label.bounds),
    }).toEqual({
      label: label.text,
      inside: true,
    });
    expect(label.fontSize).toBeGreaterThanOrEqual(11);
  }
  for (const b of layout.boxes) {
    expect(b.w).toBeGreaterThan(0);
    expect(b.h).toBeGreaterThan(0);
    expect(contains({ x: 0, y: 0, w: layout.width, h: layout.height }, b)).toBe(
      true,
    );
    if (b.parent) {
      expect({
        box: b.id,
        inParent: contains(box(layout, b.parent), b),
      }).toEqual({
        box: b.id,
        inParent: true,
      });
    }
  }
  // Siblings never cover each other.
  const siblingOverlaps: string[] = [];
  layout.boxes.forEach((a, i) =>
    layout.boxes.slice(i + 1).forEach(b => {
      if (a.parent === b.parent && intersects(a, b)) {
        siblingOverlaps.push(`${a.id} and ${b.id}`);
      }
    }),
  );
  expect(siblingOverlaps).toEqual([]);
  expect(layout.width).toBe(ARCHITECTURE_WIDTH);
}

describe('layoutArchitecture', () => {
  it('draws a planned environment from its plan, in grey, legibly', () => {
    const layout = planned();

    expectLegible(layout);
    const states = new Set(
      layout.boxes
        .filter(b => b.kind !== 'legend' && b.state)
        .map(b => b.state),
    );
    expect([...states]).toEqual(['planned']);
    expect(labelsOf(layout, 'region')).toEqual(['AWS region us-east-1']);
    expect(labelsOf(layout, 'vpc')).toEqual([
      'VPC 10.0.0.0/16 · pod CIDR 100.64.0.0/16',
    ]);
    expect(labelsOf(layout, 'zone/us-east-1b/public')).toEqual([
      'public 10.0.16.0/20',
    ]);
    expect(labelsOf(layout, 'zone/us-east-1b/private')).toEqual([
      'private 10.0.64.0/20',
    ]);
    expect(labelsOf(layout, 'zone/us-east-1c/pod')).toEqual([
      'pod 100.64.128.0/18',
    ]);
  });

  it('puts each node in its zone with its role, instance type and labels, and the components whose data it holds', () => {
    const layout = planned();

    expect(box(layout, 'node/node-1').parent).toBe('zone/us-east-1a/private');
    expect(box(layout, 'node/node-4').parent).toBe('zone/us-east-1a/private');
    expect(box(layout, 'node/node-3').parent).toBe('zone/us-east-1c/private');
    expect(labelsOf(layout, 'node/node-2')).toEqual([
      'node-2 · m5.4xlarge',
      'name=node-2',
    ]);
    expect(chipsOn(layout, 'node/node-1')).toEqual(['zookeeper', 'kafka']);
    expect(chipsOn(layout, 'node/node-4')).toEqual([
      'elk',
      'prometheus',
      'grafana',
    ]);
    expect(chipsOn(layout, 'unplaced')).toEqual([
      'ui',
      'api-gateway',
      'auth-service',
      'workflow-engine',
      'core-services',
      'common-middleware',
      'sase-service',
      'ingress-controller',
    ]);
  });

  it('shows the load balancer with listeners 443 and 30101, the bastion, the database, PrivateLink to Atlas and ECR, each linking its entity', () => {
    const layout = planned();

    expect(labelsOf(layout, 'alb/443')).toEqual(['HTTPS :443']);
    expect(labelsOf(layout, 'alb/30101')).toEqual(['HTTPS :30101']);
    expect(box(layout, 'alb').entityRef).toBe('resource:default/bpa-demo-alb');
    expect(box(layout, 'bastion').parent).toBe('zone/us-east-1a/public');
    expect(labelsOf(layout, 'rds')[0]).toMatch(
      /^RDS PostgreSQL bpa-demo-postgres · db.m5d.2xlarge · Single-AZ/,
    );
    expect(box(layout, 'privatelink').entityRef).toBe(
      'resource:default/bpa-demo-mongo',
    );
    expect(labelsOf(layout, 'atlas')).toEqual([
      'MongoDB Atlas',
      'bpa-demo-mongo · M30',
      'Atlas-managed, over PrivateLink',
    ]);
    expect(labelsOf(layout, 'ecr')).toEqual([
      'Amazon ECR',
      '2 repositories',
      'bpa/sase-service',
      'bpa/bpa-chart',
    ]);
    expect(layout.edges.map(e => e.id)).toEqual(['privatelink->atlas']);
    const kafka = layout.boxes.find(b => b.id === 'node/node-2/kafka');
    expect(kafka?.entityRef).toBe('component:default/bpa-demo-kafka');
    expect(box(layout, 'node/node-2').entityRef).toBe(
      'resource:default/bpa-demo-eks',
    );
  });

  it('places the running pods on the nodes that run them, coloured by how they are', () => {
    const layout = live();

    expectLegible(layout);
    expect(chipsOn(layout, 'node/node-1')).toEqual([
      'common-middleware',
      'kafka',
      'ui',
      'workflow-engine',
      'zookeeper',
    ]);
    expect(box(layout, 'node/node-1/workflow-engine')).toMatchObject({
      state: 'failing',
      title: expect.stringContaining('CrashLoopBackOff, 7 restarts'),
    });
    expect(box(layout, 'node/node-1/kafka').state).toBe('ok');
    expect(chipsOn(layout, 'node/node-4')).toEqual([
      'elk',
      'grafana',
      'ingress-controller',
      'prometheus',
    ]);
    // The second ingress controller pod waits for a node.
    expect(chipsOn(layout, 'unplaced')).toEqual(['ingress-controller']);
    expect(box(layout, 'unplaced/ingress-controller').state).toBe('pending');
    expect(box(layout, 'node/node-1')).toMatchObject({
      state: 'ok',
      title: expect.stringContaining('ip-10-0-48-11.ec2.internal'),
    });
    // A live node keeps its role's labels beside the name EKS gave it.
    expect(labelsOf(layout, 'node/node-1')).toEqual([
      'node-1 · m5.4xlarge',
      'name=node-1',
      'ip-10-0-48-11.ec2.internal',
    ]);
    expect(box(layout, 'alb').state).toBe('ok');

    const everyPodPlaced = live({
      pods: {
        data: liveStatus().pods!.data!.filter(p => p.node !== undefined),
      },
    });
    expectLegible(everyPodPlaced);
    expect(chipsOn(everyPodPlaced, 'unplaced')).toEqual([]);
    expect(labelsOf(everyPodPlaced, 'unplaced')).toEqual([
      'Every BPA pod runs on a node',
    ]);
  });

  it('draws the database in its zone, and its standby in the other one when Multi-AZ', () => {
    const layout = live({
      topology: {
        ...REFERENCE_TOPOLOGY,
        database: { ...REFERENCE_TOPOLOGY.database, multiAz: true },
      },
      database: {
        data: {
          identifier: 'bpa-demo-postgres',
          status: 'modifying',
          level: 'pending',
          zone: 'us-east-1b',
          standbyZone: 'us-east-1c',
        },
      },
    });

    expectLegible(layout);
    expect(box(layout, 'rds/primary')).toMatchObject({
      parent: 'zone/us-east-1b/private',
      state: 'pending',
    });
    expect(box(layout, 'rds/standby').parent).toBe('zone/us-east-1c/private');
    expect(layout.boxes.some(b => b.id === 'rds')).toBe(false);
  });

  it('shows what could not be checked as unknown, a failed stack as failing and a missing node as failing', () => {
    const status = liveStatus();
    const layout = layoutArchitecture({
      topology: REFERENCE_TOPOLOGY,
      status: {
        ...status,
        stacks: {
          data: status.stacks!.data!.map(s =>
            s.kind === 'edge'
              ? { ...s, status: 'UPDATE_ROLLBACK_COMPLETE', level: 'error' }
              : s,
          ),
        },
        atlas: { error: 'Atlas credentials are not configured' },
        database: { error: 'AWS could not be reached' },
        nodes: { data: status.nodes!.data!.filter(n => n.role !== 'node-3') },
      },
      entityRefs: REFERENCE_ENTITY_REFS,
    });

    expectLegible(layout);
    expect(box(layout, 'alb').state).toBe('failing');
    expect(box(layout, 'atlas')).toMatchObject({
      state: 'unknown',
      title: expect.stringContaining('could not be checked: Atlas credentials'),
    });
    // Its zone is not known: it spans the private subnets.
    expect(box(layout, 'rds').state).toBe('unknown');
    expect(box(layout, 'node/node-3')).toMatchObject({
      state: 'failing',
      title: expect.stringContaining('no node labelled name=node-3'),
    });
    // node-3's pods now run on no known node.
    expect(chipsOn(layout, 'unplaced')).toContain('kafka');
  });

  it('stays legible with two zones, long names and a crowded node', () => {
    const crowded = liveStatus().pods!.data!.map(p =>
      p.node ? { ...p, node: 'ip-10-0-48-11.ec2.internal' } : p,
    );
    const layout = layoutArchitecture({
      topology: {
        ...REFERENCE_TOPOLOGY,
        region: 'ap-southeast-2',
        loadBalancer: {
          name: 'bpa-a-very-long-environment-name-for-testing-alb',
          listeners: [443, 30101],
        },
        zones: REFERENCE_TOPOLOGY.zones.slice(0, 2),
        nodes: REFERENCE_TOPOLOGY.nodes.map((n, i) => ({
          ...n,
          zone: REFERENCE_TOPOLOGY.zones[i % 2].name,
        })),
        registry: {
          repositories: [
            'bpa-prefix-that-is-long/sase-service-with-a-long-name',
            'bpa/bpa-chart',
          ],
        },
      },
      status: liveStatus({ pods: { data: crowded } }),
      entityRefs: REFERENCE_ENTITY_REFS,
    });

    expectLegible(layout);
    expect(chipsOn(layout, 'node/node-1')).toHaveLength(13);
    expect(
      labelsOf(layout, 'alb').find(t => t.startsWith('Application')),
    ).toMatch(/…$/);
  });
});
