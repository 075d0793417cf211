import {
  Entity,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  RELATION_HAS_PART,
  RELATION_PART_OF,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  catalogApiMock,
  createTestEntityPage,
} from '@backstage/plugin-catalog-react/testUtils';
import {
  environmentEntities,
  parseEnvironmentSpec,
  REFERENCE_SPEC_INPUT,
  REFERENCE_TOPOLOGY,
} from '@internal/backstage-plugin-bpa-common';
import { screen, within } from '@testing-library/react';
import { liveStatus } from './architecture/testFixtures';
import {
  componentEnvironmentCard,
  componentHealthCard,
  environmentArchitectureContent,
  environmentCard,
  environmentComponentsContent,
  environmentStatusCard,
} from './extensions';

/** What the catalog adds when it processes the entities: their relations. */
function withRelations(entities: Entity[]): Entity[] {
  const relations = new Map<string, NonNullable<Entity['relations']>>(
    entities.map(e => [stringifyEntityRef(e), []]),
  );
  const relate = (from: string, type: string, to: string) =>
    relations.get(from)?.push({ type, targetRef: to });
  for (const entity of entities) {
    const ref = stringifyEntityRef(entity);
    if (entity.spec?.system) {
      const system = stringifyEntityRef(
        parseEntityRef(entity.spec.system as string, { defaultKind: 'system' }),
      );
      relate(ref, RELATION_PART_OF, system);
      relate(system, RELATION_HAS_PART, ref);
    }
    for (const target of (entity.spec?.dependsOn ?? []) as string[]) {
      const dependency = stringifyEntityRef(parseEntityRef(target));
      relate(ref, RELATION_DEPENDS_ON, dependency);
      relate(dependency, RELATION_DEPENDENCY_OF, ref);
    }
  }
  return entities.map(e => ({
    ...e,
    relations: relations.get(stringifyEntityRef(e)),
  }));
}

const demo = withRelations(
  environmentEntities(parseEnvironmentSpec(REFERENCE_SPEC_INPUT)),
);
const find = (name: string) => demo.find(e => e.metadata.name === name)!;
const demoSystem = find('bpa-demo');
/** The table row whose first cell reads `name`. */
function rowOf(container: HTMLElement, name: string): HTMLElement {
  const row = within(container)
    .getAllByRole('row')
    .find(r => r.querySelector('td')?.textContent === name);
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

const plainSystem: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'System',
  metadata: { name: 'examples' },
  spec: { owner: 'guests' },
};

describe('BPA environment card', () => {
  it('is shown on environment Systems only', () => {
    const appliesTo = createExtensionTester(environmentCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(appliesTo(demoSystem)).toBe(true);
    expect(appliesTo(plainSystem)).toBe(false);
    expect(appliesTo(find('bpa-demo-kafka'))).toBe(false);
  });

  it('lists where the environment runs, its resources and its components', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentCard,
      ],
      apis: [catalogApiMock({ entities: demo })],
    });

    expect(await screen.findByText('BPA environment')).toBeInTheDocument();
    expect(screen.getByText('us-east-1')).toBeInTheDocument();
    expect(screen.getByText('123456789012')).toBeInTheDocument();

    const resources = (await screen.findByText('Resources')).closest(
      '.MuiPaper-root',
    ) as HTMLElement;
    expect(
      within(rowOf(resources, 'EKS cluster')).getAllByText(
        'kubernetes-cluster',
      ),
    ).toHaveLength(2); // type and role
    expect(
      within(rowOf(resources, 'RDS PostgreSQL')).getByText('database'),
    ).toBeInTheDocument();
    for (const title of [
      'VPC',
      'MongoDB Atlas cluster',
      'ECR repositories',
      'Application Load Balancer',
    ]) {
      expect(
        within(resources).getByRole('link', { name: title }),
      ).toBeInTheDocument();
    }

    const components = screen
      .getByText('BPA components')
      .closest('.MuiPaper-root') as HTMLElement;
    const workflowEngine = rowOf(components, 'Workflow engine (Camunda)');
    expect(
      within(workflowEngine).getByRole('link', { name: /postgres/i }),
    ).toBeInTheDocument();
    expect(
      within(workflowEngine).getByRole('link', { name: /kafka/i }),
    ).toBeInTheDocument();
  });

  it('explains an environment with nothing registered yet', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: { ...demoSystem, relations: [] } }),
        environmentCard,
      ],
      apis: [catalogApiMock({ entities: demo })],
    });
    expect(
      await screen.findByText(/No resources or components of this environment/),
    ).toBeInTheDocument();
  });

  it('shows why the parts could not be loaded', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentCard,
      ],
      apis: [
        catalogApiMock.mock({
          getEntitiesByRefs: jest
            .fn()
            .mockRejectedValue(new Error('catalog is unavailable')),
        }),
      ],
    });
    expect(
      (await screen.findAllByText(/catalog is unavailable/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByText('Resources')).not.toBeInTheDocument();
  });
});

describe('BPA live status card', () => {
  it('is shown on environment Systems only', () => {
    const appliesTo = createExtensionTester(environmentStatusCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(appliesTo(demoSystem)).toBe(true);
    expect(appliesTo(plainSystem)).toBe(false);
    expect(appliesTo(find('bpa-demo-kafka'))).toBe(false);
  });

  it('shows the status the bpa backend answers for the environment', async () => {
    const fetch = jest.fn(
      async () =>
        new Response(
          JSON.stringify({
            entityRef: 'system:default/bpa-demo',
            environment: 'bpa-demo',
            state: 'planned',
            live: false,
            checkedAt: '2025-05-01T10:00:00.000Z',
          }),
          { headers: { 'Content-Type': 'application/json' } },
        ),
    );
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentStatusCard,
      ],
      apis: [
        mockApis.discovery({ baseUrl: 'http://portal.test' }),
        mockApis.fetch({ baseImplementation: fetch }),
      ],
    });
    expect(await screen.findByText('Live status')).toBeInTheDocument();
    expect(await screen.findByText(/^Not applied yet/)).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(
      'http://portal.test/api/bpa/environments/default/bpa-demo/status',
      expect.anything(),
    );
  });
});

describe('BPA components tab', () => {
  it('is a BPA components tab on environment Systems', () => {
    const tester = createExtensionTester(environmentComponentsContent);
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'BPA components',
    );
    const appliesTo = tester.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(appliesTo(demoSystem)).toBe(true);
    expect(appliesTo(plainSystem)).toBe(false);
  });

  it('shows each component with its dependencies and Kubernetes workloads', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentComponentsContent,
      ],
      apis: [catalogApiMock({ entities: demo })],
    });
    await screen.findByText('BPA components of bpa-demo');
    const kafka = rowOf(document.body, 'Kafka');
    expect(within(kafka).getByText('kafka')).toBeInTheDocument();
    expect(within(kafka).getByText('bpa-ns')).toBeInTheDocument();
    expect(
      within(kafka).getByRole('link', { name: /zookeeper/i }),
    ).toBeInTheDocument();
  });
});

describe('BPA component card', () => {
  it('shows the environment and the dependencies of a BPA component', async () => {
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: find('bpa-demo-auth-service') }),
        componentEnvironmentCard,
      ],
      apis: [catalogApiMock({ entities: demo })],
    });
    expect(await screen.findByText('BPA component')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /bpa-demo$/ })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /postgres/i })).toBeInTheDocument();
    expect(
      screen.getByText(
        'backstage.io/kubernetes-id=auth-service in namespace bpa-ns',
      ),
    ).toBeInTheDocument();
  });
});

/** The bpa backend answering `body` for every status request. */
const statusApis = (body: unknown) => {
  const fetch = jest.fn(
    async () =>
      new Response(JSON.stringify(body), {
        headers: { 'Content-Type': 'application/json' },
      }),
  );
  return {
    fetch,
    apis: [
      mockApis.discovery({ baseUrl: 'http://portal.test' }),
      mockApis.fetch({ baseImplementation: fetch }),
      catalogApiMock({ entities: demo }),
    ],
  };
};

/** The box of the architecture picture drawn for `id`. */
const drawn = (id: string) => {
  const box = document.querySelector(`[data-box="${id}"]`);
  if (!box) throw new Error(`no box ${id}`);
  return box;
};

describe('BPA architecture tab', () => {
  it('is an Architecture tab on environment Systems', () => {
    const tester = createExtensionTester(environmentArchitectureContent);
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe(
      'Architecture',
    );
    const appliesTo = tester.get(
      EntityContentBlueprint.dataRefs.filterFunction,
    )!;
    expect(appliesTo(demoSystem)).toBe(true);
    expect(appliesTo(plainSystem)).toBe(false);
  });

  it('draws a planned environment from its plan, every part grey and linked to its entity', async () => {
    const { apis, fetch } = statusApis({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      state: 'planned',
      live: false,
      checkedAt: '2025-05-01T10:00:00.000Z',
      topology: REFERENCE_TOPOLOGY,
    });
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentArchitectureContent,
      ],
      apis,
    });

    expect(
      await screen.findByRole('img', {
        name: 'Planned architecture of bpa-demo (not applied)',
      }),
    ).toBeInTheDocument();
    expect(screen.getByText('Architecture (planned)')).toBeInTheDocument();
    expect(fetch).toHaveBeenCalledWith(
      'http://portal.test/api/bpa/environments/default/bpa-demo/status',
      expect.anything(),
    );
    const states = new Set(
      Array.from(document.querySelectorAll('[data-state]'))
        .filter(e => e.getAttribute('data-kind') !== 'legend')
        .map(e => e.getAttribute('data-state')),
    );
    expect([...states]).toEqual(['planned']);
    // Each part is a link (the test app does not mount the catalog's
    // entity pages, so where they lead is the layout test's to check).
    for (const part of [
      /^Node node-1 · m5.4xlarge in us-east-1a/,
      /^kafka on node-2: planned/,
      /^Application Load Balancer bpa-demo-alb/,
      /^Interface VPC endpoint to the Atlas PrivateLink/,
    ]) {
      expect(screen.getByRole('link', { name: part })).toBeInTheDocument();
    }
    expect(screen.getByText('HTTPS :30101')).toBeInTheDocument();
  });

  it('colours an applied environment by its live state', async () => {
    const { apis } = statusApis(liveStatus());
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentArchitectureContent,
      ],
      apis,
    });

    await screen.findByRole('img', { name: 'Live architecture of bpa-demo' });
    expect(drawn('node/node-1/workflow-engine')).toHaveAttribute(
      'data-state',
      'failing',
    );
    expect(drawn('node/node-1/kafka')).toHaveAttribute('data-state', 'ok');
    expect(drawn('rds/primary')).toHaveAttribute('data-state', 'ok');
    expect(drawn('unplaced/ingress-controller')).toHaveAttribute(
      'data-state',
      'pending',
    );
  });

  it('says when there is no plan to draw', async () => {
    const { apis } = statusApis({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      state: 'unknown',
      live: false,
      checkedAt: '2025-05-01T10:00:00.000Z',
    });
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: demoSystem }),
        environmentArchitectureContent,
      ],
      apis,
    });
    expect(
      await screen.findByText(/There is no plan to draw/),
    ).toBeInTheDocument();
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
  });
});

describe('BPA component health card', () => {
  const camunda = find('bpa-demo-workflow-engine');
  const withEvents = liveStatus({
    workloads: {
      data: [
        {
          kind: 'Deployment',
          name: 'camunda',
          ready: 0,
          desired: 1,
          level: 'error',
          component: 'workflow-engine',
          restarts: 7,
        },
        {
          kind: 'StatefulSet',
          name: 'kafka',
          ready: 3,
          desired: 3,
          level: 'ok',
          component: 'kafka',
          restarts: 0,
        },
      ],
    },
    events: {
      data: [
        {
          object: 'Pod/camunda-1',
          component: 'workflow-engine',
          reason: 'BackOff',
          message: 'Back-off restarting failed container camunda',
          count: 31,
          lastSeen: '2026-12-01T09:59:00.000Z',
        },
        {
          object: 'Pod/kafka-0',
          component: 'kafka',
          reason: 'Unhealthy',
          message: 'Readiness probe failed',
          count: 1,
          lastSeen: '2026-12-01T09:58:00.000Z',
        },
      ],
    },
  });

  it('is shown on BPA components only', () => {
    const appliesTo = createExtensionTester(componentHealthCard).get(
      EntityCardBlueprint.dataRefs.filterFunction,
    )!;
    expect(appliesTo(camunda)).toBe(true);
    expect(appliesTo(demoSystem)).toBe(false);
  });

  it("shows the component's workloads, its pods with their nodes, and its last warning events", async () => {
    const { apis, fetch } = statusApis(withEvents);
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: camunda }),
        componentHealthCard,
      ],
      apis,
    });

    await screen.findByText('Health');
    const workloads = (await screen.findByText('Workloads')).closest(
      '.MuiPaper-root',
    ) as HTMLElement;
    const deployment = rowOf(workloads, 'Deployment/camunda');
    expect(within(deployment).getByText('0/1')).toBeInTheDocument();
    expect(within(deployment).getByTestId('status-error')).toBeInTheDocument();
    expect(within(deployment).getByText('7')).toBeInTheDocument();
    expect(within(workloads).queryByText('StatefulSet/kafka')).toBeNull();

    const pods = screen
      .getByText('Pods')
      .closest('.MuiPaper-root') as HTMLElement;
    const pod = rowOf(pods, 'camunda-1');
    expect(
      within(pod).getByText('ip-10-0-48-11.ec2.internal (node-1)'),
    ).toBeInTheDocument();
    expect(
      within(pod).getByText('CrashLoopBackOff, not ready'),
    ).toBeInTheDocument();

    const events = screen
      .getByText('Last warning events')
      .closest('.MuiPaper-root') as HTMLElement;
    expect(
      within(events).getByText(
        'Back-off restarting failed container camunda (×31)',
      ),
    ).toBeInTheDocument();
    expect(within(events).queryByText(/Readiness probe/)).toBeNull();
    expect(fetch).toHaveBeenCalledWith(
      'http://portal.test/api/bpa/environments/default/bpa-demo/status',
      expect.anything(),
    );
  });

  it('explains a component of an environment that is not applied', async () => {
    const { apis } = statusApis({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      state: 'planned',
      live: false,
      checkedAt: '2025-05-01T10:00:00.000Z',
    });
    renderTestApp({
      extensions: [
        createTestEntityPage({ entity: camunda }),
        componentHealthCard,
      ],
      apis,
    });
    expect(await screen.findByText(/^Not applied yet/)).toBeInTheDocument();
  });
});
