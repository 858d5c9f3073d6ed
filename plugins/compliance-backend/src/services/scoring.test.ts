import { ConfigReader } from '@backstage/config';
import { Waiver } from '@portolan/plugin-compliance-common';
import { levelOf, readComplianceConfig } from '../config/ComplianceConfig';
import {
  activeWaivers,
  effectiveStatus,
  retentionStartWeek,
  scoreOf,
  snapshotOf,
  weekOf,
} from './scoring';

const settings = readComplianceConfig(new ConfigReader({}));

describe('scoring', () => {
  it('scores the share of decided checks that pass, leaving waived and unknown out', () => {
    expect(scoreOf({ pass: 9, fail: 1, waived: 3, unknown: 2 })).toBe(90);
    expect(scoreOf({ pass: 2, fail: 1, waived: 0, unknown: 0 })).toBe(66.7);
    expect(scoreOf({ pass: 0, fail: 0, waived: 1, unknown: 4 })).toBeNull();
  });

  it('gives levels by score, best first, and None below them all', () => {
    const { levels } = settings;
    expect(levelOf(100, levels)).toBe('Gold');
    expect(levelOf(90, levels)).toBe('Gold');
    expect(levelOf(89.9, levels)).toBe('Silver');
    expect(levelOf(75, levels)).toBe('Silver');
    expect(levelOf(50, levels)).toBe('Bronze');
    expect(levelOf(49.9, levels)).toBe('None');
    expect(levelOf(null, levels)).toBe('None');
    const custom = readComplianceConfig(
      new ConfigReader({
        compliance: {
          levels: [
            { name: 'A', minScore: 95 },
            { name: 'B', minScore: 60 },
          ],
        },
      }),
    ).levels;
    expect(levelOf(94, custom)).toBe('B');
  });

  it('counts a failing check under an active waiver as waived, never passed, until it expires', () => {
    const now = Date.parse('2026-03-11T12:00:00Z');
    const waiver = (over: Partial<Waiver>): Waiver => ({
      id: 'w',
      entityRef: 'component:default/a',
      checkId: 'catalog.runbook',
      reason: 'r',
      expiresAt: '2026-03-12T00:00:00.000Z',
      status: 'approved',
      requestedBy: 'user:default/x',
      requestedAt: '2026-03-01T00:00:00.000Z',
      ...over,
    });
    const active = activeWaivers(
      [
        waiver({}),
        waiver({ id: 'p', checkId: 'catalog.system', status: 'pending' }),
        waiver({
          id: 'e',
          checkId: 'catalog.oncall',
          expiresAt: '2026-03-11T12:00:00.000Z',
        }),
      ],
      now,
    );
    expect([...active.keys()]).toEqual([
      'component:default/a\u0000catalog.runbook',
    ]);
    const a = 'component:default/a';
    expect(effectiveStatus('fail', a, 'catalog.runbook', active)).toBe(
      'waived',
    );
    expect(effectiveStatus('pass', a, 'catalog.runbook', active)).toBe('pass');
    expect(effectiveStatus('unknown', a, 'catalog.runbook', active)).toBe(
      'unknown',
    );
    expect(effectiveStatus('fail', a, 'catalog.oncall', active)).toBe('fail');
  });

  it('rolls services up into a KPI snapshot', () => {
    const snap = snapshotOf(
      '2026-03-09',
      [
        {
          statuses: [
            { checkId: 'a', status: 'pass' },
            { checkId: 'b', status: 'pass' },
          ],
        },
        {
          statuses: [
            { checkId: 'a', status: 'fail' },
            { checkId: 'b', status: 'waived' },
          ],
        },
        { statuses: [{ checkId: 'a', status: 'unknown' }] },
      ],
      settings,
    );
    expect(snap).toEqual({
      week: '2026-03-09',
      services: 3,
      averageScore: 50,
      levels: { Gold: 1, None: 2 },
      counts: { pass: 2, fail: 1, waived: 1, unknown: 1 },
      checks: {
        a: { pass: 1, fail: 1, waived: 0, unknown: 1 },
        b: { pass: 1, fail: 0, waived: 1, unknown: 0 },
      },
    });
  });

  it('weeks start on Monday (UTC); retention keeps 52 of them', () => {
    expect(weekOf(Date.parse('2026-03-15T23:59:59Z'))).toBe('2026-03-09');
    expect(weekOf(Date.parse('2026-03-16T00:00:00Z'))).toBe('2026-03-16');
    expect(retentionStartWeek(Date.parse('2026-03-11T12:00:00Z'))).toBe(
      '2025-03-17',
    );
  });
});
