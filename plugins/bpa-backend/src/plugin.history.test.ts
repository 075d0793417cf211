import { createServiceFactory } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { ScaffolderTask } from '@backstage/plugin-scaffolder-common';
import { scaffolderServiceRef } from '@backstage/plugin-scaffolder-node';
import {
  REFERENCE_SPEC_INPUT,
  parseEnvironmentSpec,
} from '@internal/backstage-plugin-bpa-common';
import {
  environmentSystem,
  simulatedAwsClients,
  startStatusBackend,
} from './__testUtils__/backend';

const spec = parseEnvironmentSpec(REFERENCE_SPEC_INPUT);
const system = environmentSystem(spec, 'planned');
const noSources = () => ({
  aws: simulatedAwsClients(spec.aws.accountId),
  kubernetes: {
    connect: async () => {
      throw new Error('not used');
    },
  },
});

/** A task as the scaffolder's list answers it. */
function task(
  id: string,
  options: {
    template: string;
    title?: string;
    parameters: Record<string, unknown>;
    actions: Array<string | { action: string; input: Record<string, unknown> }>;
    status?: string;
    createdBy?: string;
  },
): ScaffolderTask & { createdBy?: string } {
  return {
    id,
    status: (options.status ?? 'completed') as ScaffolderTask['status'],
    createdAt: `2026-12-0${id.slice(-1)}T10:00:00.000Z`,
    lastHeartbeatAt: `2026-12-0${id.slice(-1)}T10:05:00.000Z`,
    createdBy: options.createdBy,
    spec: {
      apiVersion: 'scaffolder.backstage.io/v1beta3',
      parameters: options.parameters,
      output: {},
      steps: options.actions.map((a, i) => ({
        id: `step-${i}`,
        name: `step ${i}`,
        ...(typeof a === 'string'
          ? { action: a, input: { spec: '${{ parameters.spec }}' } }
          : a),
      })),
      templateInfo: {
        entityRef: options.template,
        ...(options.title && {
          entity: { metadata: { name: 'x', title: options.title } },
        }),
      },
    } as ScaffolderTask['spec'],
  };
}

/** Newest first, as the scaffolder lists them. */
const TASKS = [
  task('task-6', {
    template: 'template:default/bpa-environment-teardown',
    title: 'Tear down a BPA environment',
    parameters: {
      environment: 'system:default/bpa-demo',
      confirmation: 'bpa-demo',
    },
    actions: ['bpa:environment:describe', 'bpa:aws:teardown'],
    status: 'failed',
    createdBy: 'user:default/sam',
  }),
  task('task-5', {
    template: 'template:default/bpa-environment',
    title: 'BPA environment on Amazon EKS',
    parameters: { name: 'bpa-other', mode: 'apply' },
    actions: ['bpa:environment:plan', 'bpa:aws:deploy'],
  }),
  task('task-4', {
    template: 'template:default/service',
    title: 'A service',
    parameters: { name: 'bpa-demo' },
    actions: ['publish:github'],
  }),
  task('task-3', {
    template: 'template:default/custom',
    parameters: {},
    actions: [
      { action: 'bpa:helm:release', input: { spec: { name: 'bpa-demo' } } },
    ],
    createdBy: 'user:default/ada',
  }),
  task('task-2', {
    template: 'template:default/bpa-environment',
    title: 'BPA environment on Amazon EKS',
    parameters: { name: 'bpa-demo', mode: 'apply' },
    actions: ['bpa:environment:plan', 'bpa:aws:deploy'],
    createdBy: 'user:default/pat',
  }),
  task('task-1', {
    template: 'template:default/bpa-environment',
    title: 'BPA environment on Amazon EKS',
    parameters: { name: 'bpa-demo', mode: 'plan' },
    actions: ['bpa:environment:plan', 'bpa:catalog:register'],
    createdBy: 'user:default/pat',
  }),
];

function fakeScaffolder(tasks = TASKS) {
  const listTasks = jest.fn(
    async (request: { limit?: number; offset?: number }, _options: unknown) => {
      const offset = request.offset ?? 0;
      const items = tasks.slice(offset, offset + (request.limit ?? 100));
      return { items, totalItems: tasks.length };
    },
  );
  return {
    listTasks,
    factory: createServiceFactory({
      service: scaffolderServiceRef,
      deps: {},
      factory: () => ({ listTasks } as any),
    }),
  };
}

describe('GET /api/bpa/environments/:namespace/:name/history', () => {
  it('lists the tasks that ran BPA actions on the environment, newest first: who, when, what, result', async () => {
    const scaffolder = fakeScaffolder();
    const backend = await startStatusBackend({
      entities: [system],
      sources: noSources,
      services: [scaffolder.factory],
    });

    const response = await backend.get(
      '/environments/default/bpa-demo/history',
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      entityRef: 'system:default/bpa-demo',
      environment: 'bpa-demo',
      scanned: 6,
      tasks: [
        {
          taskId: 'task-6',
          createdAt: '2026-12-06T10:00:00.000Z',
          lastHeartbeatAt: '2026-12-06T10:05:00.000Z',
          createdBy: 'user:default/sam',
          status: 'failed',
          template: 'Tear down a BPA environment',
          what: 'teardown',
          canOpen: true,
        },
        expect.objectContaining({
          taskId: 'task-3',
          createdBy: 'user:default/ada',
          template: 'template:default/custom',
          what: 'bpa:helm:release',
        }),
        expect.objectContaining({
          taskId: 'task-2',
          createdBy: 'user:default/pat',
          template: 'BPA environment on Amazon EKS',
          what: 'plan and apply',
        }),
        expect.objectContaining({ taskId: 'task-1', what: 'plan only' }),
      ],
    });
    // Every task is read with the plugin's own credentials; the route has
    // checked the caller's.
    expect(scaffolder.listTasks).toHaveBeenCalledWith(
      { limit: 100, offset: 0 },
      {
        credentials: expect.objectContaining({
          principal: expect.objectContaining({ type: 'service' }),
        }),
      },
    );
  });

  it('looks at bpa.history.scanTasks of the most recent tasks, a page at a time', async () => {
    const many = Array.from({ length: 250 }, (_, i) =>
      task(`task-${i}`, {
        template: 'template:default/bpa-environment',
        parameters: { name: i % 2 ? 'bpa-demo' : 'bpa-other', mode: 'plan' },
        actions: ['bpa:environment:plan'],
      }),
    );
    const scaffolder = fakeScaffolder(many);
    const backend = await startStatusBackend({
      entities: [system],
      sources: noSources,
      services: [scaffolder.factory],
      config: { bpa: { history: { scanTasks: 150 } } },
    });

    const body = await (
      await backend.get('/environments/default/bpa-demo/history')
    ).json();

    expect(body.scanned).toBe(150);
    expect(body.tasks).toHaveLength(75);
    expect(scaffolder.listTasks.mock.calls.map(c => c[0])).toEqual([
      { limit: 100, offset: 0 },
      { limit: 50, offset: 100 },
    ]);
  });

  it("says which tasks the caller may open, asking scaffolder.task.read of each with the caller's credentials", async () => {
    const scaffolder = fakeScaffolder();
    // As the portal's policy: Pat reads the environment and opens the tasks
    // Pat created, not Sam's or Ada's.
    const mine = new Set(['task-2', 'task-1']);
    const permissions = mockServices.permissions.mock({
      authorize: jest.fn(async requests =>
        requests.map(r => ({
          result:
            r.permission.name === 'bpa.environment.read' ||
            mine.has((r as { resourceRef?: string }).resourceRef ?? '')
              ? AuthorizeResult.ALLOW
              : AuthorizeResult.DENY,
        })),
      ),
    });
    const backend = await startStatusBackend({
      entities: [system],
      sources: noSources,
      services: [scaffolder.factory, permissions.factory],
    });

    const body = await (
      await backend.get(
        '/environments/default/bpa-demo/history',
        'user:default/pat',
      )
    ).json();

    expect(
      body.tasks.map((t: { taskId: string; canOpen: boolean }) => [
        t.taskId,
        t.canOpen,
      ]),
    ).toEqual([
      ['task-6', false],
      ['task-3', false],
      ['task-2', true],
      ['task-1', true],
    ]);
    expect(permissions.authorize).toHaveBeenLastCalledWith(
      ['task-6', 'task-3', 'task-2', 'task-1'].map(resourceRef => ({
        permission: expect.objectContaining({ name: 'scaffolder.task.read' }),
        resourceRef,
      })),
      {
        credentials: expect.objectContaining({
          principal: expect.objectContaining({
            userEntityRef: 'user:default/pat',
          }),
        }),
      },
    );
  });

  it('answers 403 naming bpa.environment.read to a caller the policy refuses, for the history and the status', async () => {
    const scaffolder = fakeScaffolder();
    const permissions = mockServices.permissions.mock({
      authorize: jest.fn(async requests =>
        requests.map(() => ({ result: AuthorizeResult.DENY })),
      ),
    });
    const backend = await startStatusBackend({
      entities: [system],
      sources: noSources,
      services: [scaffolder.factory, permissions.factory],
    });

    for (const path of ['history', 'status']) {
      const response = await backend.get(
        `/environments/default/bpa-demo/${path}`,
        'user:default/sam',
      );
      expect(response.status).toBe(403);
      expect((await response.json()).error).toMatchObject({
        name: 'NotAllowedError',
        message: 'You may not bpa.environment.read on system:default/bpa-demo',
      });
    }
    expect(permissions.authorize).toHaveBeenCalledWith(
      [
        {
          permission: expect.objectContaining({ name: 'bpa.environment.read' }),
          resourceRef: 'system:default/bpa-demo',
        },
      ],
      {
        credentials: expect.objectContaining({
          principal: expect.objectContaining({
            userEntityRef: 'user:default/sam',
          }),
        }),
      },
    );
    expect(scaffolder.listTasks).not.toHaveBeenCalled();
  });
});
