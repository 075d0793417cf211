import {
  BPA_COMPONENTS,
  EnvironmentStatus,
  EnvironmentTopology,
  NodeRoleTopology,
  NodeStatus,
  PodStatus,
  StatusLevel,
  StatusSection,
} from '@internal/backstage-plugin-bpa-common';
import { fitText, textWidth } from './text';

/**
 * How a box is drawn: by its live state, or `planned` (grey) when the
 * environment has not been applied.
 */
export type VisualState = 'ok' | 'pending' | 'failing' | 'unknown' | 'planned';

export type BoxKind =
  | 'region'
  | 'vpc'
  | 'zone'
  | 'subnet'
  | 'node'
  | 'component'
  | 'service'
  | 'listener'
  | 'legend';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface LaidBox extends Rect {
  id: string;
  kind: BoxKind;
  /** Absent on pure containers (the region, the zones). */
  state?: VisualState;
  /** The catalog entity the box opens. */
  entityRef?: string;
  /** What the box is and how it is, in words (tooltip and accessible name). */
  title: string;
  parent?: string;
}

export interface LaidLabel {
  id: string;
  /** The box the label belongs to (and must stay inside). */
  box: string;
  text: string;
  /** Left end of the baseline. */
  x: number;
  y: number;
  fontSize: number;
  bold: boolean;
  /** The space the text takes, as estimated by {@link textWidth}. */
  bounds: Rect;
}

export interface LaidEdge {
  id: string;
  points: Array<[number, number]>;
  label?: string;
}

export interface ArchitectureLayout {
  width: number;
  height: number;
  boxes: LaidBox[];
  labels: LaidLabel[];
  edges: LaidEdge[];
}

export interface ArchitectureInput {
  topology: EnvironmentTopology;
  /** The live status; the environment is drawn as planned unless it is live. */
  status?: EnvironmentStatus;
  /**
   * Catalog entities to link: resources by their `bpa.cisco.com/role`
   * (`network`, `kubernetes-cluster`, ...), components by id (`kafka`).
   */
  entityRefs: Record<string, string | undefined>;
}

/** The picture's width in SVG units: it is drawn 1:1 on a 1280 px screen. */
export const ARCHITECTURE_WIDTH = 960;

const MARGIN = 12;
const PAD = 8;
const GAP = 8;
const COLUMN_WIDTH = 200;
const FONT = { title: 13, label: 12, small: 11 };
/** Height of one line of 12 px text, and of a one-line box. */
const LINE = 16;
const HEADER = 22;
const ROW = 28;
const CHIP = { height: 20, gap: 6, pad: 6 };

const LEVEL_STATES: Record<StatusLevel, VisualState> = {
  ok: 'ok',
  pending: 'pending',
  error: 'failing',
  absent: 'unknown',
};
const SEVERITY: VisualState[] = [
  'failing',
  'pending',
  'unknown',
  'ok',
  'planned',
];

/** The state that needs attention first. */
function worst(states: VisualState[]): VisualState {
  return SEVERITY.find(state => states.includes(state)) ?? ('unknown' as const);
}

const levelState = (level: StatusLevel | undefined): VisualState =>
  (level && LEVEL_STATES[level]) ?? 'unknown';

/** How one thing is, for a box: its state and a few words saying why. */
interface Reading {
  state: VisualState;
  words: string;
}

const LEVEL_WORDS: Record<StatusLevel, string> = {
  ok: 'ok',
  pending: 'pending',
  error: 'failing',
  absent: 'not found',
};

function sectionReading<T>(
  live: boolean,
  section: StatusSection<T> | undefined,
  read: (data: T) => { level: StatusLevel; status?: string } | undefined,
): Reading {
  if (!live) return { state: 'planned', words: 'planned' };
  if (section?.error) {
    return {
      state: 'unknown',
      words: `could not be checked: ${section.error}`,
    };
  }
  const found = section?.data === undefined ? undefined : read(section.data);
  if (!found) return { state: 'unknown', words: 'not checked' };
  return {
    state: levelState(found.level),
    words: found.status
      ? `${LEVEL_WORDS[found.level]} (${found.status})`
      : LEVEL_WORDS[found.level],
  };
}

/** Builds the boxes and labels; every position is computed here, none in the view. */
class Canvas {
  boxes: LaidBox[] = [];
  labels: LaidLabel[] = [];
  edges: LaidEdge[] = [];

  box(box: LaidBox): LaidBox {
    this.boxes.push(box);
    return box;
  }

  /** A text line in `box` at `(x, baseline)`, cut to fit `maxWidth`. */
  label(
    box: LaidBox,
    text: string,
    x: number,
    baseline: number,
    options: { fontSize?: number; bold?: boolean; maxWidth?: number } = {},
  ) {
    const fontSize = options.fontSize ?? FONT.label;
    const bold = options.bold ?? false;
    const maxWidth = options.maxWidth ?? box.x + box.w - PAD - x;
    const shown = fitText(text, maxWidth, fontSize, bold);
    if (!shown) return;
    this.labels.push({
      id: `${box.id}:label${this.labels.filter(l => l.box === box.id).length}`,
      box: box.id,
      text: shown,
      x,
      y: baseline,
      fontSize,
      bold,
      bounds: {
        x,
        // Ascenders and descenders of a sans-serif face.
        y: baseline - fontSize * 0.9,
        w: textWidth(shown, fontSize, bold),
        h: fontSize * 1.15,
      },
    });
  }

  /** The box's first line: its name, bold. */
  heading(box: LaidBox, text: string, fontSize = FONT.label) {
    this.label(box, text, box.x + PAD, box.y + PAD + fontSize * 0.9, {
      fontSize,
      bold: true,
    });
  }
}

/** A component on a node (or on none): the chip drawn for it. */
interface Placement {
  component: string;
  pods: PodStatus[];
  state: VisualState;
}

function chipWidth(text: string) {
  return textWidth(text, FONT.small) + 2 * CHIP.pad;
}

function chipText(placement: Placement) {
  return placement.pods.length > 1
    ? `${placement.component} ×${placement.pods.length}`
    : placement.component;
}

/** Rows of chips that fit `width`; each chip at most `width` wide. */
function chipRows(placements: Placement[], width: number): Placement[][] {
  const rows: Placement[][] = [];
  let row: Placement[] = [];
  let used = 0;
  for (const placement of placements) {
    const w = Math.min(chipWidth(chipText(placement)), width);
    if (row.length > 0 && used + CHIP.gap + w > width) {
      rows.push(row);
      row = [];
      used = 0;
    }
    used += (row.length > 0 ? CHIP.gap : 0) + w;
    row.push(placement);
  }
  if (row.length > 0) rows.push(row);
  return rows;
}

const chipsHeight = (rows: number) =>
  rows === 0 ? 0 : rows * CHIP.height + (rows - 1) * CHIP.gap;

function drawChips(
  canvas: Canvas,
  parent: LaidBox,
  rows: Placement[][],
  top: number,
  entityRefs: ArchitectureInput['entityRefs'],
  where: string,
) {
  rows.forEach((row, r) => {
    let x = parent.x + PAD;
    const y = top + r * (CHIP.height + CHIP.gap);
    for (const placement of row) {
      const text = chipText(placement);
      const w = Math.min(chipWidth(text), parent.w - 2 * PAD);
      const pods = placement.pods;
      const chip = canvas.box({
        id: `${parent.id}/${placement.component}`,
        kind: 'component',
        x,
        y,
        w,
        h: CHIP.height,
        state: placement.state,
        entityRef: entityRefs[placement.component],
        title:
          pods.length === 0
            ? `${placement.component} ${where}: planned`
            : `${placement.component} ${where}: ${pods
                .map(
                  p =>
                    `${p.name} ${p.reason ?? p.phase}${
                      p.restarts ? `, ${p.restarts} restarts` : ''
                    }`,
                )
                .join('; ')}`,
        parent: parent.id,
      });
      canvas.label(chip, text, x + CHIP.pad, y + 14, {
        fontSize: FONT.small,
        maxWidth: w - 2 * CHIP.pad,
      });
      x += w + CHIP.gap;
    }
  });
}

/** A node role with what runs on it: planned, or the live node that has its label. */
interface NodePlacement {
  id: string;
  zone: string;
  heading: string;
  /** Lines under the heading: its labels, and the live node's name. */
  details: string[];
  reading: Reading;
  placements: Placement[];
}

const podState = (pods: PodStatus[]) =>
  worst(pods.map(p => levelState(p.level)));

function groupPods(pods: PodStatus[]): Placement[] {
  const byComponent = new Map<string, PodStatus[]>();
  for (const pod of pods) {
    if (!pod.component) continue;
    byComponent.set(pod.component, [
      ...(byComponent.get(pod.component) ?? []),
      pod,
    ]);
  }
  return [...byComponent.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([component, own]) => ({
      component,
      pods: own,
      state: podState(own),
    }));
}

/** Where each node is and which components run on it; the rest are unplaced. */
function placeNodes(
  topology: EnvironmentTopology,
  status: EnvironmentStatus | undefined,
): { nodes: NodePlacement[]; unplaced: Placement[] } {
  const live = status?.live === true;
  const labelsOf = (role: NodeRoleTopology) =>
    Object.entries(role.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  const planned = (role: NodeRoleTopology): NodePlacement => ({
    id: role.role,
    zone: role.zone,
    heading: `${role.role} · ${role.instanceType}`,
    details: [labelsOf(role)],
    reading: { state: 'planned', words: 'planned' },
    placements: role.components.map(component => ({
      component,
      pods: [],
      state: 'planned' as const,
    })),
  });
  if (!live) {
    // Components without data on a node go wherever Kubernetes puts them.
    const pinned = new Set(topology.nodes.flatMap(n => n.components));
    return {
      nodes: topology.nodes.map(planned),
      unplaced: BPA_COMPONENTS.filter(c => !pinned.has(c.id)).map(c => ({
        component: c.id,
        pods: [],
        state: 'planned' as const,
      })),
    };
  }

  const liveNodes: NodeStatus[] = status.nodes?.data ?? [];
  const pods = status.pods?.data ?? [];
  const nodesChecked = status.nodes?.data !== undefined;
  const used = new Set<string>();
  const nodes: NodePlacement[] = topology.nodes.map(role => {
    const node = liveNodes.find(
      n => n.role !== undefined && n.role === role.labels.name,
    );
    if (!node) {
      return {
        ...planned(role),
        placements: [],
        reading: nodesChecked
          ? {
              state: 'failing',
              words: `no node labelled name=${role.labels.name}`,
            }
          : sectionReading(true, status.nodes, () => undefined),
      };
    }
    used.add(node.name);
    return {
      id: role.role,
      zone: node.zone ?? role.zone,
      heading: `${role.role} · ${node.instanceType ?? role.instanceType}`,
      details: [labelsOf(role), node.name],
      reading: {
        state: levelState(node.level),
        words: `${LEVEL_WORDS[node.level]} (${node.status})`,
      },
      placements: groupPods(pods.filter(p => p.node === node.name)),
    };
  });
  // Nodes without a BPA role still run pods: draw them where they are.
  for (const node of liveNodes.filter(n => !used.has(n.name))) {
    nodes.push({
      id: node.name,
      zone: node.zone ?? topology.zones[0]?.name ?? '',
      heading: node.name,
      details: [node.instanceType ?? ''],
      reading: {
        state: levelState(node.level),
        words: `${LEVEL_WORDS[node.level]} (${node.status})`,
      },
      placements: groupPods(pods.filter(p => p.node === node.name)),
    });
  }
  const placedNodes = new Set(liveNodes.map(n => n.name));
  return {
    nodes,
    unplaced: groupPods(pods.filter(p => !p.node || !placedNodes.has(p.node))),
  };
}

const stackOf = (status: EnvironmentStatus | undefined, kind: string) =>
  sectionReading(status?.live === true, status?.stacks, stacks =>
    stacks.find(s => s.kind === kind),
  );

/**
 * Lays out the architecture picture of an environment: the region and its
 * zones with their public, private and pod subnets, the nodes in their
 * zones with the components that run on them, the load balancer and its
 * listeners, the database (and standby), the Atlas PrivateLink endpoint and
 * Atlas, ECR, the bastion and the EKS control plane; every box coloured by
 * its live state, or planned.
 */
export function layoutArchitecture(
  input: ArchitectureInput,
): ArchitectureLayout {
  const { topology, status, entityRefs } = input;
  const live = status?.live === true;
  const canvas = new Canvas();
  const width = ARCHITECTURE_WIDTH;
  const network = stackOf(status, 'network');

  const region = canvas.box({
    id: 'region',
    kind: 'region',
    x: MARGIN,
    y: MARGIN,
    w: width - 2 * MARGIN,
    h: 0,
    title: `AWS region ${topology.region}`,
  });
  canvas.heading(region, `AWS region ${topology.region}`, FONT.title);

  const column = {
    x: region.x + region.w - PAD - COLUMN_WIDTH,
    w: COLUMN_WIDTH,
  };
  const vpc = canvas.box({
    id: 'vpc',
    kind: 'vpc',
    x: region.x + PAD,
    y: region.y + HEADER + PAD,
    w: column.x - GAP - (region.x + PAD),
    h: 0,
    state: network.state,
    entityRef: entityRefs.network,
    title: `VPC ${topology.vpcCidr}, pod CIDR ${topology.podCidr}: ${network.words}`,
    parent: region.id,
  });
  canvas.heading(vpc, `VPC ${topology.vpcCidr} · pod CIDR ${topology.podCidr}`);

  // The load balancer spans the public subnets it is in.
  const edge = stackOf(status, 'edge');
  const alb = canvas.box({
    id: 'alb',
    kind: 'service',
    x: vpc.x + PAD,
    y: vpc.y + HEADER + PAD,
    w: vpc.w - 2 * PAD,
    h: ROW,
    state: edge.state,
    entityRef: entityRefs['load-balancer'],
    title: `Application Load Balancer ${
      topology.loadBalancer.name
    }, listeners ${topology.loadBalancer.listeners.join(', ')}: ${edge.words}`,
    parent: vpc.id,
  });
  let listenerX = alb.x + alb.w - PAD;
  const listeners = [...topology.loadBalancer.listeners].reverse();
  for (const port of listeners) {
    const text = `HTTPS :${port}`;
    const w = chipWidth(text);
    listenerX -= w;
    const listener = canvas.box({
      id: `alb/${port}`,
      kind: 'listener',
      x: listenerX,
      y: alb.y + (ROW - CHIP.height) / 2,
      w,
      h: CHIP.height,
      state: edge.state,
      entityRef: entityRefs['load-balancer'],
      title: `Listener ${port} (HTTPS): ${edge.words}`,
      parent: alb.id,
    });
    canvas.label(listener, text, listener.x + CHIP.pad, listener.y + 14, {
      fontSize: FONT.small,
      maxWidth: w - 2 * CHIP.pad,
    });
    listenerX -= CHIP.gap;
  }
  canvas.label(
    alb,
    `Application Load Balancer ${topology.loadBalancer.name}`,
    alb.x + PAD,
    alb.y + 19,
    { bold: true, maxWidth: listenerX - GAP - (alb.x + PAD) },
  );

  // Zones side by side; the rows (public, private, pod) align across them.
  const zoneCount = Math.max(topology.zones.length, 1);
  const zoneWidth = (vpc.w - 2 * PAD - (zoneCount - 1) * GAP) / zoneCount;
  const subnetWidth = zoneWidth - 2 * PAD;
  const nodeWidth = subnetWidth - 2 * PAD;
  const chipWidthInNode = nodeWidth - 2 * PAD;
  const { nodes, unplaced } = placeNodes(topology, status);
  const database = live ? status.database : undefined;
  const databaseReading = sectionReading(live, status?.database, d => d);
  const primaryZone = database?.data?.zone;
  const standbyZone = database?.data?.standbyZone;
  const databasePlaced = live && primaryZone !== undefined;

  const nodeHeight = (node: NodePlacement) => {
    const rows = chipRows(node.placements, chipWidthInNode).length;
    return (
      PAD +
      (1 + node.details.length) * LINE +
      (rows ? PAD + chipsHeight(rows) : 0) +
      PAD
    );
  };
  const inZone = (zone: string) => ({
    nodes: nodes.filter(n => n.zone === zone),
    databases: databasePlaced
      ? [
          ...(primaryZone === zone ? ['primary'] : []),
          ...(standbyZone === zone ? ['standby'] : []),
        ]
      : [],
  });
  const privateHeight = Math.max(
    ...topology.zones.map(zone => {
      const content = inZone(zone.name);
      return (
        HEADER +
        content.nodes.reduce((h, n) => h + nodeHeight(n) + GAP, 0) +
        content.databases.length * (ROW + GAP) +
        PAD
      );
    }),
    HEADER + PAD,
  );
  const publicHeight =
    HEADER + (topology.bastionZone ? ROW + PAD : 0) + PAD / 2;
  const podHeight = HEADER + PAD / 2;
  const zoneTop = alb.y + alb.h + GAP;
  const zoneHeight =
    HEADER + publicHeight + GAP + privateHeight + GAP + podHeight + PAD;

  topology.zones.forEach((zone, index) => {
    const zoneBox = canvas.box({
      id: `zone/${zone.name}`,
      kind: 'zone',
      x: vpc.x + PAD + index * (zoneWidth + GAP),
      y: zoneTop,
      w: zoneWidth,
      h: zoneHeight,
      title: `Availability zone ${zone.name}`,
      parent: vpc.id,
    });
    canvas.heading(zoneBox, zone.name);
    const subnet = (
      kind: 'public' | 'private' | 'pod',
      cidr: string,
      y: number,
      h: number,
    ) => {
      const box = canvas.box({
        id: `${zoneBox.id}/${kind}`,
        kind: 'subnet',
        x: zoneBox.x + PAD,
        y,
        w: subnetWidth,
        h,
        state: network.state,
        entityRef: entityRefs.network,
        title: `${kind} subnet ${cidr} in ${zone.name}: ${network.words}`,
        parent: zoneBox.id,
      });
      canvas.label(box, `${kind} ${cidr}`, box.x + PAD, box.y + 16, {
        fontSize: FONT.small,
      });
      return box;
    };
    const publicBox = subnet(
      'public',
      zone.publicSubnet,
      zoneBox.y + HEADER,
      publicHeight,
    );
    if (topology.bastionZone === zone.name) {
      const bastion = canvas.box({
        id: 'bastion',
        kind: 'service',
        x: publicBox.x + PAD,
        y: publicBox.y + HEADER,
        w: publicBox.w - 2 * PAD,
        h: ROW,
        state: network.state,
        entityRef: entityRefs.network,
        title: `Bastion host in ${zone.name} (SSH from the admin CIDR, SSM): ${network.words}`,
        parent: publicBox.id,
      });
      canvas.label(bastion, 'Bastion host', bastion.x + PAD, bastion.y + 19);
    }
    const privateBox = subnet(
      'private',
      zone.privateSubnet,
      publicBox.y + publicHeight + GAP,
      privateHeight,
    );
    let y = privateBox.y + HEADER;
    const content = inZone(zone.name);
    for (const node of content.nodes) {
      const h = nodeHeight(node);
      const nodeBox = canvas.box({
        id: `node/${node.id}`,
        kind: 'node',
        x: privateBox.x + PAD,
        y,
        w: nodeWidth,
        h,
        state: node.reading.state,
        entityRef: entityRefs['kubernetes-cluster'],
        title: `Node ${node.heading} in ${zone.name} (${node.details.join(
          ', ',
        )}): ${node.reading.words}`,
        parent: privateBox.id,
      });
      canvas.heading(nodeBox, node.heading);
      node.details.forEach((detail, i) =>
        canvas.label(
          nodeBox,
          detail,
          nodeBox.x + PAD,
          nodeBox.y + PAD + (i + 1) * LINE + 12,
          { fontSize: FONT.small },
        ),
      );
      drawChips(
        canvas,
        nodeBox,
        chipRows(node.placements, chipWidthInNode),
        nodeBox.y + PAD + (1 + node.details.length) * LINE + PAD,
        entityRefs,
        `on ${node.id}`,
      );
      y += h + GAP;
    }
    for (const role of content.databases) {
      const db = canvas.box({
        id: `rds/${role}`,
        kind: 'service',
        x: privateBox.x + PAD,
        y,
        w: nodeWidth,
        h: ROW,
        state: databaseReading.state,
        entityRef: entityRefs.postgres,
        title: `RDS PostgreSQL ${topology.database.identifier} (${role}) in ${zone.name}: ${databaseReading.words}`,
        parent: privateBox.id,
      });
      canvas.label(db, `RDS PostgreSQL ${role}`, db.x + PAD, db.y + 19, {
        bold: true,
      });
      y += ROW + GAP;
    }
    subnet(
      'pod',
      zone.podSubnet,
      privateBox.y + privateHeight + GAP,
      podHeight,
    );
  });

  // Below the zones: what spans them.
  let rowY = zoneTop + zoneHeight + GAP;
  const spanning = (
    id: string,
    text: string,
    reading: Reading,
    entityRef: string | undefined,
    title: string,
  ) => {
    const box = canvas.box({
      id,
      kind: 'service',
      x: vpc.x + PAD,
      y: rowY,
      w: vpc.w - 2 * PAD,
      h: ROW,
      state: reading.state,
      entityRef,
      title: `${title}: ${reading.words}`,
      parent: vpc.id,
    });
    canvas.label(box, text, box.x + PAD, box.y + 19, { bold: true });
    rowY += ROW + GAP;
    return box;
  };
  if (!databasePlaced) {
    const multiAz = topology.database.multiAz
      ? 'Multi-AZ: primary and standby'
      : 'Single-AZ';
    spanning(
      'rds',
      `RDS PostgreSQL ${topology.database.identifier} · ${topology.database.instanceClass} · ${multiAz}, zones chosen by RDS`,
      databaseReading,
      entityRefs.postgres,
      `RDS PostgreSQL ${topology.database.identifier} in the private subnets`,
    );
  }
  const endpointReading = sectionReading(live, status?.privateEndpoint, e => e);
  const endpoint = spanning(
    'privatelink',
    'PrivateLink endpoint to MongoDB Atlas (interface endpoint in the private subnets)',
    endpointReading,
    entityRefs['mongodb-atlas'],
    'Interface VPC endpoint to the Atlas PrivateLink endpoint service',
  );

  const lane = canvas.box({
    id: 'unplaced',
    kind: 'subnet',
    x: vpc.x + PAD,
    y: rowY,
    w: vpc.w - 2 * PAD,
    h: 0,
    state: live ? worst(unplaced.map(p => p.state).concat('ok')) : 'planned',
    entityRef: entityRefs['kubernetes-cluster'],
    title: live
      ? 'Pods of BPA components on no node of the cluster'
      : 'BPA components Kubernetes schedules on any node',
    parent: vpc.id,
  });
  canvas.label(
    lane,
    live
      ? (unplaced.length && 'Not running on a node (pending scheduling)') ||
          'Every BPA pod runs on a node'
      : 'Scheduled by Kubernetes on any node (no data pinned to a node)',
    lane.x + PAD,
    lane.y + 16,
    { fontSize: FONT.small },
  );
  const laneRows = chipRows(unplaced, lane.w - 2 * PAD);
  drawChips(
    canvas,
    lane,
    laneRows,
    lane.y + HEADER,
    entityRefs,
    live ? 'not on a node' : 'on any node',
  );
  lane.h = HEADER + (laneRows.length ? chipsHeight(laneRows.length) + PAD : 0);
  rowY += lane.h + GAP;
  vpc.h = rowY - vpc.y;

  // The right column: AWS-managed services, and Atlas.
  let columnY = vpc.y;
  const service = (
    id: string,
    lines: string[],
    reading: Reading,
    entityRef: string | undefined,
    title: string,
    y = columnY,
  ) => {
    const box = canvas.box({
      id,
      kind: 'service',
      x: column.x,
      y,
      w: column.w,
      h: PAD + lines.length * LINE + PAD,
      state: reading.state,
      entityRef,
      title: `${title}: ${reading.words}`,
      parent: region.id,
    });
    canvas.heading(box, lines[0]);
    lines.slice(1).forEach((line, i) =>
      canvas.label(box, line, box.x + PAD, box.y + PAD + (i + 1) * LINE + 12, {
        fontSize: FONT.small,
      }),
    );
    columnY = box.y + box.h + GAP;
    return box;
  };
  const clusterReading = sectionReading(live, status?.cluster, c => c);
  service(
    'eks',
    ['EKS control plane', status?.cluster?.data?.name ?? 'AWS-managed'],
    clusterReading,
    entityRefs['kubernetes-cluster'],
    'EKS cluster control plane',
  );
  const registry = stackOf(status, 'registry');
  const repositories = topology.registry.repositories;
  service(
    'ecr',
    [
      'Amazon ECR',
      `${repositories.length} repositor${
        repositories.length === 1 ? 'y' : 'ies'
      }`,
      ...repositories,
    ],
    registry,
    entityRefs['container-registry'],
    `ECR repositories ${repositories.join(', ')}`,
  );
  const atlasReading = sectionReading(live, status?.atlas, a => a);
  const atlasY = Math.max(columnY, endpoint.y + endpoint.h / 2 - 22);
  const atlasBox = service(
    'atlas',
    [
      'MongoDB Atlas',
      `${topology.atlas.clusterName} · ${topology.atlas.tier}`,
      'Atlas-managed, over PrivateLink',
    ],
    atlasReading,
    entityRefs['mongodb-atlas'],
    `MongoDB Atlas cluster ${topology.atlas.clusterName}`,
    atlasY,
  );
  const endpointMid = endpoint.y + endpoint.h / 2;
  const atlasMid = atlasBox.y + atlasBox.h / 2;
  const turnX = vpc.x + vpc.w + GAP / 2;
  canvas.edges.push({
    id: 'privatelink->atlas',
    points: [
      [endpoint.x + endpoint.w, endpointMid],
      [turnX, endpointMid],
      [turnX, atlasMid],
      [atlasBox.x, atlasMid],
    ],
  });

  region.h = Math.max(vpc.y + vpc.h, columnY) + PAD - region.y;

  // The legend, under the region.
  const legendY = region.y + region.h + GAP;
  let legendX = MARGIN;
  const legendStates: Array<[VisualState, string]> = [
    ['ok', 'ok'],
    ['pending', 'pending'],
    ['failing', 'failing'],
    ['unknown', 'unknown / not checked'],
    ['planned', 'planned (not applied)'],
  ];
  for (const [state, text] of legendStates) {
    const w = chipWidth(text);
    const swatch = canvas.box({
      id: `legend/${state}`,
      kind: 'legend',
      x: legendX,
      y: legendY,
      w,
      h: CHIP.height,
      state,
      title: `Colour of ${text}`,
    });
    canvas.label(swatch, text, swatch.x + CHIP.pad, swatch.y + 14, {
      fontSize: FONT.small,
      maxWidth: w - 2 * CHIP.pad,
    });
    legendX += w + CHIP.gap;
  }

  return {
    width,
    height: legendY + CHIP.height + MARGIN,
    boxes: canvas.boxes,
    labels: canvas.labels,
    edges: canvas.edges,
  };
}
