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
} from '@internal/backstage-plugin-bpa-common';
import { screen, within } from '@testing-library/react';
import {
  componentEnvironmentCard,
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
