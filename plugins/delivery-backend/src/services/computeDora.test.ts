import { computeDora, DoraRow, weekStart } from './computeDora';

const H = 3_600_000;
// Monday 2026-11-02 00:00 UTC, and the week before.
const W2 = Date.UTC(2026, 10, 2);
const W1 = W2 - 7 * 24 * H;

function row(start: number, result: DoraRow['result'], commitHoursBefore = 2, app = 'web-shop-prod'): DoraRow {
  return {
    app,
    instance: 'argocd-prod',
    startedAt: new Date(start),
    finishedAt: new Date(start + H),
    commitDate: new Date(start - commitHoursBefore * H),
    result,
  };
}

describe('computeDora', () => {
  it('computes the four figures per week from a known history', () => {
    const rows = [
      row(W1 + 10 * H, 'succeeded', 2), // lead 3 h
      row(W1 + 20 * H, 'failed'), // bad, restored by the next success
      row(W1 + 30 * H, 'succeeded', 5), // lead 6 h; restores the failure: finished 21 h → 31 h
      row(W2 + 10 * H, 'canary-aborted'),
      row(W2 + 12 * H, 'rolled-back'),
      row(W2 + 40 * H, 'succeeded', 1), // lead 2 h; restores both: 11 h → 41 h and 13 h → 41 h
      row(W2 + 50 * H, 'in-progress'),
      row(W1 + 1 * H, 'succeeded', 1, 'other-app'), // lead 2 h
    ];
    const m = computeDora(rows, { subject: 'component:default/web-shop', environment: 'prod', weeks: 2, now: W2 + 60 * H });
    expect(m.weeks).toEqual([
      {
        weekStart: new Date(W1).toISOString(),
        deployments: 4,
        leadTimeSeconds: 3 * 3600, // median of 2, 3, 6 h
        changeFailureRate: 1 / 4,
        timeToRestoreSeconds: 10 * 3600,
      },
      {
        weekStart: new Date(W2).toISOString(),
        deployments: 4,
        leadTimeSeconds: 2 * 3600,
        changeFailureRate: 2 / 3, // in-progress is not finished
        timeToRestoreSeconds: 29 * 3600, // median of 30 h and 28 h
      },
    ]);
    expect(m.total).toEqual({
      deployments: 8,
      leadTimeSeconds: 2.5 * 3600,
      changeFailureRate: 3 / 7,
      timeToRestoreSeconds: 28 * 3600, // median of 10, 28, 30 h
    });
  });

  it('has empty weeks, not missing ones, and ignores deploys outside the window', () => {
    const m = computeDora([row(W1 - 30 * 24 * H, 'succeeded')], { subject: 's', environment: 'prod', weeks: 3, now: W2 });
    expect(m.weeks.map(w => w.deployments)).toEqual([0, 0, 0]);
    expect(m.weeks[2].weekStart).toBe(new Date(W2).toISOString());
    expect(m.weeks[0].changeFailureRate).toBeUndefined();
  });

  it('starts weeks on Monday UTC', () => {
    expect(new Date(weekStart(Date.UTC(2026, 10, 8, 23))).toISOString()).toBe('2026-11-02T00:00:00.000Z');
  });
});
