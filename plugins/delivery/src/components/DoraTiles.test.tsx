import { renderInTestApp } from '@backstage/test-utils';
import { fireEvent, screen } from '@testing-library/react';
import {
  DORA_DEFINITIONS,
  DoraMetrics,
} from '@portolan/plugin-delivery-common';
import { DoraTilesView, formatDuration } from './DoraTiles';

const figures = { rollbacks: 0, changeFailures: 0 };
// As the server answers on a Monday morning: two full weeks, and the week
// in progress on its own (one deploy so far, a failure).
const metrics: DoraMetrics = {
  subject: 'component:default/web-shop',
  environment: 'prod',
  timeZone: 'Europe/Berlin',
  weeks: [
    {
      ...figures,
      weekStart: '2026-11-08T23:00:00.000Z',
      deployments: 3,
      leadTimeSeconds: 9000,
      changeFailureRate: 0,
    },
    {
      ...figures,
      weekStart: '2026-11-15T23:00:00.000Z',
      deployments: 5,
      rollbacks: 1,
      changeFailures: 1,
      leadTimeSeconds: 7200,
      changeFailureRate: 0.2,
      timeToRestoreSeconds: 1800,
    },
  ],
  total: {
    deployments: 8,
    deploymentsPerWeek: 4,
    rollbacks: 1,
    changeFailures: 1,
    leadTimeSeconds: 7200,
    changeFailureRate: 0.125,
    timeToRestoreSeconds: 1800,
  },
  weekInProgress: {
    ...figures,
    weekStart: '2026-11-22T23:00:00.000Z',
    deployments: 1,
    changeFailures: 1,
    changeFailureRate: 1,
  },
};

describe('DoraTilesView', () => {
  it("shows the server's full-week figures and trend, and the week in progress apart", async () => {
    await renderInTestApp(<DoraTilesView metrics={metrics} />);
    const tile = (title: string) =>
      screen.getByTestId(`dora-${title}`).textContent ?? '';
    expect(tile('Deployment frequency')).toContain('4.0 / week');
    expect(tile('Deployment frequency')).toContain(
      'Last full week with data: 5 deploys · better than the week before',
    );
    expect(tile('Deployment frequency')).toContain(
      'This week so far: 1 deploy · 1 rollback in 2 weeks',
    );
    expect(tile('Lead time for changes')).toContain(
      'Last full week with data: 2.0 h · better than the week before',
    );
    // The week in progress (100% failed so far) is not the trend.
    expect(tile('Change failure rate')).toContain('13%');
    expect(tile('Change failure rate')).toContain(
      'Last full week with data: 20% · worse than the week before',
    );
    expect(tile('Time to restore')).toContain('30 min');
  });

  it('explains each figure as DORA defines it', async () => {
    await renderInTestApp(<DoraTilesView metrics={metrics} />);
    expect(
      screen.getByLabelText(
        `Change failure rate: ${DORA_DEFINITIONS.changeFailureRate}`,
      ),
    ).toBeInTheDocument();
    fireEvent.mouseOver(screen.getByText('Time to restore'));
    expect(
      await screen.findByText(DORA_DEFINITIONS.timeToRestore),
    ).toBeInTheDocument();
    expect(DORA_DEFINITIONS.changeFailureRate).toMatch(
      /followed by a rollback or revert/,
    );
    expect(DORA_DEFINITIONS.timeToRestore).toMatch(
      /rollback is the restore, not a failure/,
    );
  });

  it('formats durations for people', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(20)).toBe('1 min');
    expect(formatDuration(5400)).toBe('1.5 h');
    expect(formatDuration(3 * 86_400)).toBe('3.0 d');
  });
});
