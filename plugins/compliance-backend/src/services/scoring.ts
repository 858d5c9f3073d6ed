import {
  CheckStatus,
  KpiSnapshot,
  StatusCounts,
  Waiver,
} from '@portolan/plugin-compliance-common';
import { ComplianceSettings, levelOf } from '../config/ComplianceConfig';

const DAY = 86_400_000;

/** Monday 00:00 UTC of the ISO week of a time, as YYYY-MM-DD. */
export function weekOf(t: number): string {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  const monday =
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - day * DAY;
  return new Date(monday).toISOString().slice(0, 10);
}

/** The week 52 weeks before a time's week: the start of the retained history. */
export function retentionStartWeek(t: number): string {
  return weekOf(t - 51 * 7 * DAY);
}

export const emptyCounts = (): StatusCounts => ({
  pass: 0,
  fail: 0,
  waived: 0,
  unknown: 0,
});

/** Approved, unexpired waivers by `entityRef\0checkId`. */
export function activeWaivers(
  waivers: Waiver[],
  now: number,
): Map<string, Waiver> {
  const map = new Map<string, Waiver>();
  for (const w of waivers) {
    if (w.status === 'approved' && Date.parse(w.expiresAt) > now) {
      map.set(`${w.entityRef}\u0000${w.checkId}`, w);
    }
  }
  return map;
}

/** A failing check under an active waiver reads `waived` (never `pass`). */
export function effectiveStatus(
  status: CheckStatus,
  entityRef: string,
  checkId: string,
  waivers: Map<string, Waiver>,
): CheckStatus {
  return status === 'fail' && waivers.has(`${entityRef}\u0000${checkId}`)
    ? 'waived'
    : status;
}

/** Share of decided checks that pass (waived and unknown left out), 0–100. */
export function scoreOf(counts: StatusCounts): number | null {
  const decided = counts.pass + counts.fail;
  return decided ? Math.round((counts.pass / decided) * 1000) / 10 : null;
}

/** KPIs of a set of services from their per-check effective statuses. */
export function snapshotOf(
  week: string,
  services: Array<{
    statuses: Array<{ checkId: string; status: CheckStatus }>;
  }>,
  settings: ComplianceSettings,
): KpiSnapshot {
  const counts = emptyCounts();
  const checks: Record<string, StatusCounts> = {};
  const levels: Record<string, number> = {};
  let scoreSum = 0;
  let scored = 0;
  for (const s of services) {
    const own = emptyCounts();
    for (const { checkId, status } of s.statuses) {
      own[status]++;
      counts[status]++;
      (checks[checkId] ??= emptyCounts())[status]++;
    }
    const score = scoreOf(own);
    if (score !== null) {
      scoreSum += score;
      scored++;
    }
    const level = levelOf(score, settings.levels);
    levels[level] = (levels[level] ?? 0) + 1;
  }
  return {
    week,
    services: services.length,
    averageScore: scored ? Math.round((scoreSum / scored) * 10) / 10 : null,
    levels,
    counts,
    checks,
  };
}
