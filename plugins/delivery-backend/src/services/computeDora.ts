import { DoraMetrics, DoraWeek, DeploymentResult } from '@portolan/plugin-delivery-common';

/** The fields DORA needs from a deployment. */
export interface DoraRow {
  app: string;
  instance: string;
  startedAt: Date;
  finishedAt?: Date;
  commitDate?: Date;
  result: DeploymentResult;
}

const WEEK = 7 * 86_400_000;
const BAD: ReadonlySet<DeploymentResult> = new Set(['failed', 'rolled-back', 'canary-aborted']);

/** Monday 00:00 UTC of the week containing `t`. */
export function weekStart(t: number): number {
  const d = new Date(t);
  const day = (d.getUTCDay() + 6) % 7;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Bucket {
  deployments: number;
  finished: number;
  bad: number;
  leadTimes: number[];
  restores: number[];
}

const empty = (): Bucket => ({ deployments: 0, finished: 0, bad: 0, leadTimes: [], restores: [] });

function figures(b: Bucket): Omit<DoraWeek, 'weekStart'> {
  return {
    deployments: b.deployments,
    leadTimeSeconds: median(b.leadTimes),
    changeFailureRate: b.finished ? b.bad / b.finished : undefined,
    timeToRestoreSeconds: median(b.restores),
  };
}

/**
 * DORA figures in one pass over the deployments (any order):
 * - deployment frequency: deploys started in the week;
 * - lead time: median commit → finished, of successful deploys;
 * - change failure rate: failed + rolled back + aborted over finished;
 * - time to restore: median time from a bad deploy to the next success of
 *   the same app, counted in the week of the bad deploy.
 */
export function computeDora(
  rows: DoraRow[],
  options: { subject: string; environment: string; weeks: number; now: number },
): DoraMetrics {
  const lastWeek = weekStart(options.now);
  const firstWeek = lastWeek - (options.weeks - 1) * WEEK;
  const buckets = new Map<number, Bucket>();
  for (let w = firstWeek; w <= lastWeek; w += WEEK) buckets.set(w, empty());
  const total = empty();

  const byApp = new Map<string, DoraRow[]>();
  for (const r of rows) {
    const key = `${r.instance}/${r.app}`;
    const list = byApp.get(key) ?? [];
    list.push(r);
    byApp.set(key, list);
  }
  for (const list of byApp.values()) {
    list.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
    let pendingBad: DoraRow[] = [];
    for (const r of list) {
      const bucket = buckets.get(weekStart(r.startedAt.getTime()));
      const targets = bucket ? [bucket, total] : [];
      for (const b of targets) {
        b.deployments++;
        if (r.result !== 'in-progress') b.finished++;
        if (BAD.has(r.result)) b.bad++;
        if (r.result === 'succeeded' && r.commitDate && r.finishedAt) {
          b.leadTimes.push((r.finishedAt.getTime() - r.commitDate.getTime()) / 1000);
        }
      }
      if (BAD.has(r.result)) {
        pendingBad.push(r);
      } else if (r.result === 'succeeded' && pendingBad.length) {
        const restoredAt = (r.finishedAt ?? r.startedAt).getTime();
        for (const bad of pendingBad) {
          const b = buckets.get(weekStart(bad.startedAt.getTime()));
          if (!b) continue;
          const seconds = (restoredAt - (bad.finishedAt ?? bad.startedAt).getTime()) / 1000;
          b.restores.push(seconds);
          total.restores.push(seconds);
        }
        pendingBad = [];
      }
    }
  }
  return {
    subject: options.subject,
    environment: options.environment,
    weeks: [...buckets.entries()].map(([w, b]) => ({ weekStart: new Date(w).toISOString(), ...figures(b) })),
    total: figures(total),
  };
}
