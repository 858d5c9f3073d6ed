import { computeDora, DoraRow } from './computeDora';
import { DeliveryCalendar } from './DeliveryCalendar';

const H = 3_600_000;
// Mondays 00:00 UTC: two full weeks, then the week in progress.
const W1 = Date.UTC(2026, 9, 26);
const W2 = W1 + 7 * 24 * H;
const W3 = W2 + 7 * 24 * H;
const NOW = W3 + 50 * H;
const sha = (c: string) => c.repeat(40).slice(0, 40);

function row(
  historyId: number,
  start: number,
  result: DoraRow['result'],
  revision: string,
  extra: Partial<DoraRow> = {},
): DoraRow {
  return {
    app: 'web-shop-prod',
    instance: 'argocd-prod',
    historyId,
    revision,
    startedAt: new Date(start),
    finishedAt: result === 'in-progress' ? undefined : new Date(start + H),
    result,
    ...extra,
  };
}

const utcWeeks = (weeks: number, now = NOW) =>
  DeliveryCalendar.create({ now: () => now }).weeks('UTC', weeks);
const dora = (rows: DoraRow[], weeks = 2, now = NOW) =>
  computeDora(rows, {
    subject: 'component:default/web-shop',
    environment: 'prod',
    timeZone: 'UTC',
    window: utcWeeks(weeks, now),
  });

describe('computeDora', () => {
  // A crafted history of two full weeks and a week in progress.
  const history: DoraRow[] = [
    row(1, W1 - 72 * H, 'succeeded', sha('z')), // before the window: context only
    row(2, W1 + 10 * H, 'succeeded', sha('a'), {
      commitDate: new Date(W1 + 8 * H),
    }), // lead 3 h
    row(3, W1 + 20 * H, 'succeeded', sha('b'), {
      commitDate: new Date(W1 + 19 * H),
    }), // lead 2 h; rolled back below
    row(4, W1 + 22 * H, 'rolled-back', sha('a')), // sync back to a: restores b (21 h → 23 h)
    row(-5, W1 + 30 * H, 'failed', sha('c')), // failed sync, restored by d (31 h → 41 h)
    row(6, W1 + 40 * H, 'succeeded', sha('d'), {
      commitDate: new Date(W1 + 36 * H),
    }), // lead 5 h
    row(7, W2 + 10 * H, 'canary-aborted', sha('e')), // restored by the revert (11 h → 21 h)
    row(8, W2 + 12 * H, 'succeeded', sha('f'), {
      commitDate: new Date(W2 + 11 * H),
    }), // lead 2 h; reverted below
    row(9, W2 + 20 * H, 'rolled-back', sha('9'), {
      commitMessage: `Revert "Cache catalogue lookups"\n\nThis reverts commit ${sha(
        'f',
      )}.`,
    }), // restores f (13 h → 21 h)
    row(10, W2 + 25 * H, 'succeeded', sha('g'), {
      commitDate: new Date(W2 + 23 * H),
    }), // lead 3 h
    row(-11, W2 + 30 * H, 'in-progress', sha('h')),
    row(12, W3 + 1 * H, 'succeeded', sha('j')), // the week in progress
    // Another app of the same service: its own sequence.
    row(1, W1 + 50 * H, 'succeeded', sha('x'), {
      app: 'web-shop-prod-eu2',
      commitDate: new Date(W1 + 49 * H),
    }), // lead 2 h
  ];

  it('computes the four keys per full week from a known history', () => {
    const m = dora([...history].reverse());
    expect(m.timeZone).toBe('UTC');
    expect(m.weeks).toEqual([
      {
        weekStart: '2026-10-26T00:00:00.000Z',
        deployments: 5, // a, b, c, d, x: the rollback is no change
        rollbacks: 1,
        changeFailures: 2, // b (rolled back) and c (failed)
        changeFailureRate: 2 / 5,
        leadTimeSeconds: 2.5 * 3600, // median of 2, 2, 3, 5 h
        timeToRestoreSeconds: 6 * 3600, // median of 2 h (rollback) and 10 h (next good deploy)
      },
      {
        weekStart: '2026-11-02T00:00:00.000Z',
        deployments: 4, // e, f, g, and h in flight
        rollbacks: 1,
        changeFailures: 2, // e (aborted canary) and f (reverted)
        changeFailureRate: 2 / 3, // h has not finished
        leadTimeSeconds: 2.5 * 3600, // f 2 h, g 3 h
        timeToRestoreSeconds: 9 * 3600, // e 10 h and f 8 h, both restored by the revert
      },
    ]);
    expect(m.total).toEqual({
      deployments: 9,
      deploymentsPerWeek: 4.5,
      rollbacks: 2,
      changeFailures: 4,
      changeFailureRate: 4 / 8,
      leadTimeSeconds: 2.5 * 3600,
      timeToRestoreSeconds: 9 * 3600, // median of 2, 8, 10, 10 h
    });
    // The week in progress is reported on its own, never in the trend.
    expect(m.weekInProgress).toMatchObject({
      weekStart: '2026-11-09T00:00:00.000Z',
      deployments: 1,
      changeFailures: 0,
    });
  });

  it('counts a sync back to an earlier revision as undoing every deploy since it was live', () => {
    const m = dora([
      row(1, W1 + 1 * H, 'succeeded', sha('a')),
      row(2, W1 + 2 * H, 'succeeded', sha('b')),
      row(3, W1 + 3 * H, 'succeeded', sha('c')),
      row(4, W1 + 5 * H, 'rolled-back', sha('a')),
    ]);
    expect(m.weeks[0]).toMatchObject({
      deployments: 3,
      rollbacks: 1,
      changeFailures: 2,
    });
    // b went live at 3 h, c at 4 h; the rollback at 6 h restored both.
    expect(m.weeks[0].timeToRestoreSeconds).toBe(2.5 * 3600);
  });

  it('counts a revert that names no commit as undoing the deploy just before it', () => {
    const m = dora([
      row(1, W1 + 1 * H, 'succeeded', sha('a')),
      row(2, W1 + 2 * H, 'succeeded', sha('b')),
      row(3, W1 + 4 * H, 'rolled-back', sha('c'), {
        commitMessage: 'Revert "Tune the pool" (#42)',
      }),
    ]);
    expect(m.weeks[0]).toMatchObject({
      deployments: 2,
      changeFailures: 1,
      timeToRestoreSeconds: 2 * 3600,
    });
  });

  it('leaves a failure without a restore yet out of time to restore', () => {
    const m = dora([
      row(1, W1 + 1 * H, 'succeeded', sha('a')),
      row(2, W1 + 2 * H, 'failed', sha('b')),
    ]);
    expect(m.weeks[0]).toMatchObject({
      changeFailures: 1,
      changeFailureRate: 0.5,
    });
    expect(m.weeks[0].timeToRestoreSeconds).toBeUndefined();
  });

  it('has empty weeks, not missing ones, and ignores deploys outside the window', () => {
    const m = dora([row(1, W1 - 30 * 24 * H, 'succeeded', sha('a'))], 3);
    expect(m.weeks.map(w => w.deployments)).toEqual([0, 0, 0]);
    expect(m.weeks.map(w => w.weekStart)).toEqual([
      '2026-10-19T00:00:00.000Z',
      '2026-10-26T00:00:00.000Z',
      '2026-11-02T00:00:00.000Z',
    ]);
    expect(m.weeks[0].changeFailureRate).toBeUndefined();
    expect(m.total.deploymentsPerWeek).toBe(0);
  });

  it("takes frequency from full weeks only: a Monday morning's week in progress is no bad week", () => {
    const monday = W3 + 9 * H;
    const m = dora(
      [
        row(1, W1 + H, 'succeeded', sha('a')),
        row(2, W2 + H, 'succeeded', sha('b')),
        row(3, W2 + 2 * H, 'succeeded', sha('c')),
        row(4, W3 + H, 'succeeded', sha('d')),
      ],
      2,
      monday,
    );
    expect(m.weeks.map(w => w.deployments)).toEqual([1, 2]);
    expect(m.total.deploymentsPerWeek).toBe(1.5);
    expect(m.weekInProgress.deployments).toBe(1);
  });

  it('buckets by the weeks of the requested time zone', () => {
    // Monday 2026-11-02 00:30 in Berlin is still Sunday (23:30) in UTC.
    const deploy = row(
      1,
      Date.parse('2026-11-01T23:30:00Z'),
      'succeeded',
      sha('a'),
    );
    const calendar = DeliveryCalendar.create({ now: () => NOW });
    const berlin = computeDora([deploy], {
      subject: 's',
      environment: 'prod',
      timeZone: 'Europe/Berlin',
      window: calendar.weeks('Europe/Berlin', 2),
    });
    expect(berlin.weeks.map(w => [w.weekStart, w.deployments])).toEqual([
      ['2026-10-25T23:00:00.000Z', 0], // Monday 00:00 CET (after the clocks went back)
      ['2026-11-01T23:00:00.000Z', 1],
    ]);
    expect(dora([deploy]).weeks.map(w => w.deployments)).toEqual([1, 0]);
  });
});
