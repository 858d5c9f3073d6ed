import {
  DeploymentResult,
  DoraFigures,
  DoraMetrics,
  isRevertMessage,
  revertedCommitOf,
} from '@portolan/plugin-delivery-common';
import { WeekWindow } from './DeliveryCalendar';

/** The fields DORA needs from a deployment. */
export interface DoraRow {
  app: string;
  instance: string;
  historyId: number;
  revision: string;
  startedAt: Date;
  finishedAt?: Date;
  commitDate?: Date;
  commitMessage?: string;
  result: DeploymentResult;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Bucket {
  deployments: number;
  rollbacks: number;
  finished: number;
  failures: number;
  leadTimes: number[];
  restores: number[];
}

const empty = (): Bucket => ({
  deployments: 0,
  rollbacks: 0,
  finished: 0,
  failures: 0,
  leadTimes: [],
  restores: [],
});

function figures(b: Bucket): DoraFigures {
  return {
    deployments: b.deployments,
    rollbacks: b.rollbacks,
    changeFailures: b.failures,
    leadTimeSeconds: median(b.leadTimes),
    changeFailureRate: b.finished ? b.failures / b.finished : undefined,
    timeToRestoreSeconds: median(b.restores),
  };
}

const isRollback = (r: DoraRow) => r.result === 'rolled-back';
const wentLive = (r: DoraRow) => (r.finishedAt ?? r.startedAt).getTime();

/**
 * The deploys a rollback undid (indices into one app's deploys, oldest
 * first). A revert naming its commit undoes the deploys from that commit's
 * on; a sync back to an earlier revision undoes the deploys since that
 * revision was last deployed; otherwise the deploy just before it.
 */
function undoneBy(list: DoraRow[], j: number): number[] {
  const r = list[j];
  const changes = (from: number) =>
    list
      .slice(from, j)
      .flatMap((d, k) =>
        isRollback(d) || d.result === 'in-progress' ? [] : [from + k],
      );
  const reverted = revertedCommitOf(r.commitMessage);
  if (reverted) {
    for (let i = j - 1; i >= 0; i--) {
      if (
        !isRollback(list[i]) &&
        list[i].revision.toLowerCase().startsWith(reverted)
      )
        return changes(i);
    }
  } else if (r.revision && !isRevertMessage(r.commitMessage)) {
    for (let i = j - 1; i >= 0; i--) {
      if (list[i].revision === r.revision) {
        const undone = changes(i + 1);
        if (undone.length) return undone;
        break;
      }
    }
  }
  const before = changes(0);
  return before.length ? [before[before.length - 1]] : [];
}

/**
 * DORA's four keys (dora.dev) over a service's or a team's deploys to one
 * environment, in one pass per app:
 * - deployment frequency: deploys of changes started per full week (a
 *   rollback restores an earlier state; it is not a change);
 * - change lead time: median commit → finished, of successful deploys;
 * - change fail rate: deploys that failed, whose canary was aborted (by hand
 *   or by failed analysis), or that a later rollback/revert deploy of the
 *   same app undid, over finished deploys of changes;
 * - failed deployment recovery time: median time from a failing deploy
 *   going live to the deploy that restored service (the rollback, or the
 *   next deploy that is not itself a failure), in the failing deploy's week.
 *
 * `rows` may start before the first week: earlier deploys give rollbacks
 * at the start of the window their context, and are not counted.
 */
export function computeDora(
  rows: DoraRow[],
  options: {
    subject: string;
    environment: string;
    timeZone: string;
    window: WeekWindow;
  },
): DoraMetrics {
  const { fullWeekStarts, currentWeekStart, now } = options.window;
  const weeks = fullWeekStarts.map(empty);
  const inProgress = empty();
  const total = empty();
  const bucketsOf = (t: number): Bucket[] => {
    if (t >= currentWeekStart) return t <= now ? [inProgress] : [];
    if (fullWeekStarts.length === 0 || t < fullWeekStarts[0]) return [];
    let lo = 0;
    let hi = fullWeekStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (fullWeekStarts[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return [weeks[lo], total];
  };

  const byApp = new Map<string, DoraRow[]>();
  for (const r of rows) {
    const key = `${r.instance}\u0000${r.app}`;
    const list = byApp.get(key) ?? [];
    list.push(r);
    byApp.set(key, list);
  }
  for (const list of byApp.values()) {
    list.sort(
      (a, b) =>
        a.startedAt.getTime() - b.startedAt.getTime() ||
        a.historyId - b.historyId,
    );
    const failure = list.map(
      r => r.result === 'failed' || r.result === 'canary-aborted',
    );
    list.forEach((r, j) => {
      if (isRollback(r)) for (const i of undoneBy(list, j)) failure[i] = true;
    });
    // Walking back: when service was next restored after each deploy.
    const restoredAt: Array<number | undefined> = new Array(list.length);
    let next: number | undefined;
    for (let j = list.length - 1; j >= 0; j--) {
      restoredAt[j] = next;
      const r = list[j];
      if (isRollback(r) || (r.result === 'succeeded' && !failure[j]))
        next = wentLive(r);
    }
    list.forEach((r, j) => {
      for (const b of bucketsOf(r.startedAt.getTime())) {
        if (isRollback(r)) {
          b.rollbacks++;
          continue;
        }
        b.deployments++;
        if (r.result !== 'in-progress') b.finished++;
        if (failure[j]) {
          b.failures++;
          const restored = restoredAt[j];
          if (restored !== undefined)
            b.restores.push(Math.max(0, restored - wentLive(r)) / 1000);
        }
        if (r.result === 'succeeded' && r.commitDate && r.finishedAt) {
          b.leadTimes.push(
            Math.max(0, r.finishedAt.getTime() - r.commitDate.getTime()) / 1000,
          );
        }
      }
    });
  }
  const totalFigures = figures(total);
  return {
    subject: options.subject,
    environment: options.environment,
    timeZone: options.timeZone,
    weeks: weeks.map((b, i) => ({
      weekStart: new Date(fullWeekStarts[i]).toISOString(),
      ...figures(b),
    })),
    total: {
      ...totalFigures,
      deploymentsPerWeek: fullWeekStarts.length
        ? totalFigures.deployments / fullWeekStarts.length
        : 0,
    },
    weekInProgress: {
      weekStart: new Date(currentWeekStart).toISOString(),
      ...figures(inProgress),
    },
  };
}
