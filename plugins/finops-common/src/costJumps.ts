import type { DailyCost, DailyRequests, Day } from './types';

/** A deploy as the delivery API lists it (the fields this needs). */
export interface DeployMarker {
  revision: string;
  environment: string;
  startedAt: string;
  result?: string;
  message?: string;
}

export interface CostJump {
  revision: string;
  environment: string;
  day: Day;
  /** Mean daily cost in the week before and the week after. */
  before: number;
  after: number;
  /** (after − before) / before, in percent. */
  changePercent: number;
  message?: string;
  /** Requested CPU before → after, when requests moved with the cost. */
  cpuCores?: { before: number; after: number };
}

const DAY_MS = 86_400_000;
const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);
const addDays = (day: Day, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS)
    .toISOString()
    .slice(0, 10);

function mean(values: number[]) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * The deploys after which an environment's daily cost moved by more than
 * `thresholdPercent`: the mean of the 7 full days after the deploy's day
 * against the 7 before it (whole weeks, so weekly seasonality cancels).
 * Deploys close together see the same step; only the one with the largest
 * change within a week is kept. Needs at least 3 days on each side.
 */
export function findCostJumps(
  daily: DailyCost[],
  deploys: DeployMarker[],
  options: { thresholdPercent?: number; requests?: DailyRequests[] } = {},
): CostJump[] {
  const threshold = options.thresholdPercent ?? 25;
  const cost = new Map<string, number>();
  for (const d of daily)
    for (const [env, v] of Object.entries(d.byEnvironment))
      cost.set(`${env}|${d.day}`, v);
  const cores = new Map<string, number>();
  for (const r of options.requests ?? [])
    cores.set(`${r.environment}|${r.day}`, r.cpuCores);
  const window = (
    env: string,
    from: Day,
    step: 1 | -1,
    source: Map<string, number>,
  ) => {
    const values: number[] = [];
    for (let i = 1; i <= 7; i++) {
      const v = source.get(`${env}|${addDays(from, step * i)}`);
      if (v !== undefined) values.push(v);
    }
    return values;
  };
  const candidates: CostJump[] = [];
  for (const d of deploys) {
    if (
      d.result &&
      !['succeeded', 'rolled-back', 'canary-aborted'].includes(d.result)
    )
      continue;
    const day = dayOf(d.startedAt);
    const before = window(d.environment, day, -1, cost);
    const after = window(d.environment, day, 1, cost);
    if (before.length < 3 || after.length < 3) continue;
    const b = mean(before);
    const a = mean(after);
    if (!(b > 0)) continue;
    const changePercent = Math.round(((a - b) / b) * 1000) / 10;
    if (Math.abs(changePercent) < threshold) continue;
    const cb = window(d.environment, day, -1, cores);
    const ca = window(d.environment, day, 1, cores);
    const cpu =
      cb.length &&
      ca.length &&
      Math.abs(mean(ca) - mean(cb)) / Math.max(mean(cb), 1e-9) >=
        threshold / 100
        ? {
            before: Math.round(mean(cb) * 100) / 100,
            after: Math.round(mean(ca) * 100) / 100,
          }
        : undefined;
    candidates.push({
      revision: d.revision,
      environment: d.environment,
      day,
      before: b,
      after: a,
      changePercent,
      message: d.message?.split('\n')[0],
      cpuCores: cpu,
    });
  }
  candidates.sort(
    (x, y) => Math.abs(y.changePercent) - Math.abs(x.changePercent),
  );
  const kept: CostJump[] = [];
  for (const c of candidates) {
    const near = kept.some(
      k =>
        k.environment === c.environment &&
        Math.abs(Date.parse(k.day) - Date.parse(c.day)) <= 7 * DAY_MS,
    );
    if (!near) kept.push(c);
  }
  return kept.sort((x, y) => x.day.localeCompare(y.day));
}
