import { EnvironmentHistory } from '@internal/backstage-plugin-bpa-common';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { answer, renderCard } from '../__testUtils__/cards';
import { EnvironmentHistoryCard } from './EnvironmentHistoryCard';

const history: EnvironmentHistory = {
  entityRef: 'system:default/bpa-demo',
  environment: 'bpa-demo',
  scanned: 42,
  tasks: [
    {
      taskId: 'b2c3',
      createdAt: '2026-12-02T09:30:00.000Z',
      createdBy: 'user:default/sam',
      status: 'failed',
      template: 'Tear down a BPA environment',
      what: 'teardown',
      canOpen: true,
    },
    {
      taskId: 'a1b2',
      createdAt: '2026-12-01T08:00:00.000Z',
      createdBy: 'user:default/pat',
      status: 'completed',
      template: 'BPA environment on Amazon EKS',
      what: 'plan and apply',
      canOpen: true,
    },
  ],
};

const rowOf = (text: string) =>
  screen
    .getAllByRole('row')
    .find(r => within(r).queryByText(text) !== null) as HTMLElement;

describe('EnvironmentHistoryCard', () => {
  it('lists each task: when, who, what, its result and a link to its page', async () => {
    const fetch = jest.fn(async () => answer(history));
    renderCard(<EnvironmentHistoryCard />, fetch);

    await screen.findByText('teardown');
    expect(fetch).toHaveBeenCalledWith(
      'http://portal.test/api/bpa/environments/default/bpa-demo/history',
      expect.anything(),
    );
    const teardown = rowOf('teardown');
    expect(
      within(teardown).getByText('Tear down a BPA environment'),
    ).toBeInTheDocument();
    expect(within(teardown).getByText('failed')).toBeInTheDocument();
    expect(within(teardown).getByTestId('status-error')).toBeInTheDocument();
    expect(within(teardown).getByRole('link', { name: /sam/ })).toHaveAttribute(
      'href',
      '/catalog/default/user/sam',
    );
    expect(
      within(teardown).getByRole('link', { name: 'Open the task' }),
    ).toHaveAttribute('href', '/create/tasks/b2c3');
    expect(teardown.querySelector('time')).toHaveAttribute(
      'dateTime',
      '2026-12-02T09:30:00.000Z',
    );
    const apply = rowOf('plan and apply');
    expect(within(apply).getByTestId('status-ok')).toBeInTheDocument();
    expect(
      within(apply).getByRole('link', { name: /pat/ }),
    ).toBeInTheDocument();
  });

  it("links no task the viewer may not open, and says whose it is to open", async () => {
    renderCard(
      <EnvironmentHistoryCard />,
      jest.fn(async () =>
        answer({
          ...history,
          tasks: history.tasks.map(t =>
            t.taskId === 'b2c3' ? { ...t, canOpen: false } : t,
          ),
        }),
      ),
    );
    await screen.findByText('teardown');
    const teardown = rowOf('teardown');
    expect(
      within(teardown).queryByRole('link', { name: 'Open the task' }),
    ).not.toBeInTheDocument();
    expect(
      within(teardown).getByText('Its creator and the admins may open it'),
    ).toBeInTheDocument();
    expect(
      within(rowOf('plan and apply')).getByRole('link', {
        name: 'Open the task',
      }),
    ).toHaveAttribute('href', '/create/tasks/a1b2');
  });

  it('says so when no task touched the environment', async () => {
    renderCard(
      <EnvironmentHistoryCard />,
      jest.fn(async () => answer({ ...history, tasks: [] })),
    );
    expect(
      await screen.findByText(
        'No task has touched this environment in the last 42 tasks of the portal.',
      ),
    ).toBeInTheDocument();
  });

  it("shows the backend's refusal, and asks again on refresh", async () => {
    const fetch = jest.fn(async () =>
      answer(
        {
          error: {
            name: 'NotAllowedError',
            message:
              'You may not bpa.environment.read on system:default/bpa-demo',
          },
        },
        403,
      ),
    );
    renderCard(<EnvironmentHistoryCard />, fetch);
    expect(
      await screen.findAllByText(
        /Could not read the history of default\/bpa-demo \(HTTP 403\): You may not bpa.environment.read/,
      ),
    ).not.toHaveLength(0);

    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(fetch).toHaveBeenCalledTimes(2));
  });
});
