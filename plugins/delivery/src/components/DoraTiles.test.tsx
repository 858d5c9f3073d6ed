import { renderInTestApp } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { DoraMetrics } from '@portolan/plugin-delivery-common';
import { DoraTilesView, formatDuration } from './DoraTiles';

// A Monday morning: the week that began today has one deploy so far.
const now = Date.parse('2026-11-23T09:00:00Z');
const metrics: DoraMetrics = {
  subject: 'component:default/web-shop',
  environment: 'prod',
  weeks: [
    { weekStart: '2026-11-09T00:00:00.000Z', deployments: 3, leadTimeSeconds: 9000, changeFailureRate: 0 },
    { weekStart: '2026-11-16T00:00:00.000Z', deployments: 5, leadTimeSeconds: 7200, changeFailureRate: 0.2, timeToRestoreSeconds: 1800 },
    { weekStart: '2026-11-23T00:00:00.000Z', deployments: 1, leadTimeSeconds: 600, changeFailureRate: 1 },
  ],
  total: { deployments: 9, leadTimeSeconds: 7200, changeFailureRate: 0.2, timeToRestoreSeconds: 1800 },
} as DoraMetrics;

describe('DoraTilesView', () => {
  it('takes frequency and trends from full weeks, not the week in progress', async () => {
    await renderInTestApp(<DoraTilesView metrics={metrics} now={now} />);
    const tile = (title: string) => screen.getByTestId(`dora-${title}`).textContent ?? '';
    // (3 + 5) / 2 full weeks; counting this week's 1 would say 3.0.
    expect(tile('Deployment frequency')).toContain('4.0 / week');
    expect(tile('Deployment frequency')).toContain('Last full week with data: 5 deploys · better than the week before');
    expect(tile('Lead time for changes')).toContain('Last full week with data: 2.0 h · better than the week before');
    expect(tile('Change failure rate')).toContain('20%');
    expect(tile('Change failure rate')).toContain('worse than the week before');
    expect(tile('Time to restore')).toContain('30 min');
  });

  it('formats durations for people', () => {
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(20)).toBe('1 min');
    expect(formatDuration(5400)).toBe('1.5 h');
    expect(formatDuration(3 * 86_400)).toBe('3.0 d');
  });
});
