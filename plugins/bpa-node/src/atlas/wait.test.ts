import { mockServices } from '@backstage/backend-test-utils';
import { Clock, formatDuration, waitUntil } from './wait';

function fakeClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async ms => {
      now += ms;
    },
  };
}

describe('waitUntil', () => {
  it('formats elapsed time for the log', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(245_000)).toBe('4m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });

  it('returns the value that reached the goal, logging progress on the way', async () => {
    const logger = mockServices.logger.mock();
    const states = ['CREATING', 'CREATING', 'IDLE'];
    const result = await waitUntil(
      {
        subject: 'Atlas cluster c1',
        goal: 'IDLE',
        poll: async () => states.shift()!,
        state: s => s,
        done: s => s === 'IDLE',
      },
      { pollIntervalMs: 30_000, timeoutMs: 600_000 },
      logger,
      fakeClock(),
    );
    expect(result).toBe('IDLE');
    expect(logger.info.mock.calls.map(c => c[0])).toEqual([
      'Atlas cluster c1 is CREATING, waiting for IDLE (0s elapsed)',
      'Atlas cluster c1 is CREATING, waiting for IDLE (30s elapsed)',
      'Atlas cluster c1 is IDLE after 1m 00s',
    ]);
  });

  it('times out with the last state and what to do', async () => {
    await expect(
      waitUntil(
        {
          subject: 'Atlas cluster c1',
          goal: 'IDLE',
          poll: async () => 'CREATING',
          state: s => s,
          done: () => false,
          onTimeout: 'Run the step again to keep waiting.',
        },
        { pollIntervalMs: 60_000, timeoutMs: 300_000 },
        mockServices.logger.mock(),
        fakeClock(),
      ),
    ).rejects.toThrow(
      'Timed out after 5m 00s waiting for Atlas cluster c1 to become IDLE; it is still CREATING. Run the step again to keep waiting.',
    );
  });

  it('stops at once on a state that cannot lead to the goal', async () => {
    await expect(
      waitUntil(
        {
          subject: 'Atlas private endpoint vpce-1',
          goal: 'AVAILABLE',
          poll: async () => 'REJECTED',
          state: s => s,
          done: () => false,
          failure: s => (s === 'REJECTED' ? 'it is REJECTED' : undefined),
        },
        { pollIntervalMs: 1000, timeoutMs: 60_000 },
        mockServices.logger.mock(),
        fakeClock(),
      ),
    ).rejects.toThrow(
      'Atlas private endpoint vpce-1 cannot become AVAILABLE: it is REJECTED',
    );
  });
});
