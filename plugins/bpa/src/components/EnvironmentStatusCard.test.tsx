import { EnvironmentStatus } from '@internal/backstage-plugin-bpa-common';
import {
  act,
  fireEvent,
  screen,
  waitFor,
  within,
} from '@testing-library/react';
import { ENVIRONMENT_SYSTEM, answer, renderCard } from '../__testUtils__/cards';
import { EnvironmentStatusCard } from './EnvironmentStatusCard';

const planned: EnvironmentStatus = {
  entityRef: 'system:default/bpa-demo',
  environment: 'bpa-demo',
  state: 'planned',
  live: false,
  checkedAt: '2025-05-01T10:00:00.000Z',
};

const applied: EnvironmentStatus = {
  entityRef: 'system:default/bpa-demo',
  environment: 'bpa-demo',
  state: 'applied',
  live: true,
  checkedAt: '2025-05-01T10:00:00.000Z',
  stacks: {
    data: [
      {
        kind: 'network',
        stackName: 'bpa-demo-network',
        status: 'CREATE_COMPLETE',
        level: 'ok',
      },
      {
        kind: 'cluster',
        stackName: 'bpa-demo-cluster',
        status: 'UPDATE_ROLLBACK_COMPLETE',
        level: 'error',
        reason: 'NodeGroup: m5.2xlarge is not offered in us-east-1e',
      },
    ],
  },
  cluster: {
    data: {
      name: 'bpa-demo',
      status: 'ACTIVE',
      level: 'ok',
      kubernetesVersion: '1.31',
    },
  },
  atlas: { error: 'Atlas answered 401: the API key is not valid' },
  release: {
    data: {
      name: 'bpa-rel',
      namespace: 'bpa-ns',
      status: 'deployed',
      level: 'ok',
      revision: 3,
    },
  },
  workloads: {
    data: [
      {
        kind: 'StatefulSet',
        name: 'kafka1',
        ready: 1,
        desired: 3,
        level: 'pending',
        component: 'kafka',
        restarts: 0,
      },
    ],
  },
};

const PLANNED_MESSAGE =
  'Not applied yet: nothing is running to watch. Request the environment again with “Plan and apply” to create it.';

/** The table row with a cell reading exactly `text`. */
function rowWith(container: HTMLElement, text: string): HTMLElement {
  const row = within(container)
    .getAllByRole('row')
    .find(r =>
      Array.from(r.querySelectorAll('td')).some(td => td.textContent === text),
    );
  if (!row) throw new Error(`no row with ${text}`);
  return row;
}

const paperOf = (title: string) =>
  screen.getByText(title).closest('.MuiPaper-root') as HTMLElement;

describe('EnvironmentStatusCard', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('asks the bpa backend for the System, with the user’s fetch and encoded names', async () => {
    const fetch = jest.fn(async () => answer(planned));
    renderCard(<EnvironmentStatusCard />, fetch, {
      ...ENVIRONMENT_SYSTEM,
      metadata: {
        ...ENVIRONMENT_SYSTEM.metadata,
        namespace: 'team a/b',
        name: 'bpa#1',
      },
    });
    await screen.findByText(PLANNED_MESSAGE);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch).toHaveBeenCalledWith(
      'http://portal.test/api/bpa/environments/team%20a%2Fb/bpa%231/status',
      expect.anything(),
    );
  });

  it('explains a planned environment instead of showing tables', async () => {
    renderCard(
      <EnvironmentStatusCard />,
      jest.fn(async () => answer(planned)),
    );
    expect(await screen.findByText('Live status')).toBeInTheDocument();
    expect(await screen.findByText(PLANNED_MESSAGE)).toBeInTheDocument();
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
    expect(screen.getByText(/^Checked/).querySelector('time')).toHaveAttribute(
      'dateTime',
      planned.checkedAt,
    );
  });

  it('shows each part of an applied environment, and the parts that could not be read', async () => {
    renderCard(
      <EnvironmentStatusCard />,
      jest.fn(async () => answer(applied)),
    );
    await screen.findByText('AWS stacks');

    const stacks = paperOf('AWS stacks');
    const network = rowWith(stacks, 'bpa-demo-network');
    expect(within(network).getByText('CREATE_COMPLETE')).toBeInTheDocument();
    expect(within(network).getByTestId('status-ok')).toBeInTheDocument();
    const cluster = rowWith(stacks, 'bpa-demo-cluster');
    expect(
      within(cluster).getByText('UPDATE_ROLLBACK_COMPLETE'),
    ).toBeInTheDocument();
    expect(within(cluster).getByTestId('status-error')).toBeInTheDocument();
    expect(
      within(cluster).getByText(
        'NodeGroup: m5.2xlarge is not offered in us-east-1e',
      ),
    ).toBeInTheDocument();

    expect(screen.getByText('ACTIVE, Kubernetes 1.31')).toBeInTheDocument();
    expect(
      screen.getByText(/Atlas answered 401: the API key is not valid/),
    ).toBeInTheDocument();
    expect(screen.getByText('deployed, revision 3')).toBeInTheDocument();

    const kafka = rowWith(paperOf('Workloads'), 'kafka1');
    expect(within(kafka).getByText('StatefulSet')).toBeInTheDocument();
    expect(within(kafka).getByText('1/3')).toBeInTheDocument();
    expect(within(kafka).getByTestId('status-pending')).toBeInTheDocument();
    expect(within(kafka).getByText('kafka')).toBeInTheDocument();
  });

  it('shows the server’s reason when the environment is not found', async () => {
    renderCard(
      <EnvironmentStatusCard />,
      jest.fn(async () =>
        answer(
          {
            error: {
              name: 'NotFoundError',
              message: 'No environment System system:default/bpa-demo',
            },
          },
          404,
        ),
      ),
    );
    expect(
      (await screen.findAllByText(/HTTP 404.*No environment System/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByRole('table')).not.toBeInTheDocument();
  });

  it('asks again every 30 seconds, one request at a time, and stops when unmounted', async () => {
    jest.useFakeTimers();
    const fetch = jest.fn(async () => answer(planned));
    const { unmount } = renderCard(<EnvironmentStatusCard />, fetch);
    await screen.findByText(PLANNED_MESSAGE);
    expect(fetch).toHaveBeenCalledTimes(1);

    await act(async () => {
      jest.advanceTimersByTime(29_000);
    });
    expect(fetch).toHaveBeenCalledTimes(1);
    await act(async () => {
      jest.advanceTimersByTime(1_000);
    });
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));

    unmount();
    await act(async () => {
      jest.advanceTimersByTime(120_000);
    });
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('waits for a slow answer instead of piling requests up', async () => {
    jest.useFakeTimers();
    const fetch = jest.fn(() => new Promise<Response>(() => {}));
    renderCard(<EnvironmentStatusCard />, fetch);
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(1));
    await act(async () => {
      jest.advanceTimersByTime(120_000);
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    });
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('asks at once when Refresh is pressed', async () => {
    const fetch = jest.fn(async () => answer(planned));
    renderCard(<EnvironmentStatusCard />, fetch);
    await screen.findByText(PLANNED_MESSAGE);
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
  });
});
