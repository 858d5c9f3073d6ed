import {
  IdleEnvironment,
  RightsizingRow,
  roundMoney,
} from '@portolan/plugin-finops-common';
import { WorkloadCostRow } from '../database/CostStore';
import { isWeekend } from './days';

export interface RightsizingOptions {
  percentile: number;
  headroom: number;
  currency: string;
}

/** Hours in an average month (8766 / 12), for monthly savings. */
const HOURS_PER_MONTH = 730.5;
const MIN_CPU = 0.01;
const MIN_RAM = 16 * 1024 ** 2;
/** An environment using less than this share of its requested CPU is idle. */
export const IDLE_UTILISATION = 0.05;

const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

const group = (rows: WorkloadCostRow[]) => {
  const map = new Map<string, WorkloadCostRow[]>();
  for (const r of rows) {
    if (r.kind !== 'workload') continue;
    const key = `${r.entityRef ?? ''}|${r.environment}|${r.cluster}|${
      r.namespace
    }|${r.workload}`;
    map.set(key, [...(map.get(key) ?? []), r]);
  }
  return [...map.values()];
};

/**
 * Recommended requests per workload and environment: the chosen percentile
 * of its daily average usage plus headroom, never below the highest daily
 * average used; the monthly saving prices the difference at what the
 * workload paid per core-hour and per byte-hour.
 */
export function rightsize(
  rows: WorkloadCostRow[],
  options: RightsizingOptions,
): RightsizingRow[] {
  const out: RightsizingRow[] = [];
  for (const list of group(rows)) {
    const first = list[0];
    const mean = (f: (r: WorkloadCostRow) => number) =>
      list.reduce((s, r) => s + f(r), 0) / list.length;
    const cpuRequested = mean(r => r.cpuRequest);
    const ramRequested = mean(r => r.ramRequest);
    const cpuUsed = percentile(
      list.map(r => r.cpuUsage),
      options.percentile,
    );
    const ramUsed = percentile(
      list.map(r => r.ramUsage),
      options.percentile,
    );
    const cpuRecommended = Math.max(
      MIN_CPU,
      cpuUsed * (1 + options.headroom),
      Math.max(...list.map(r => r.cpuUsage)),
    );
    const ramRecommended = Math.max(
      MIN_RAM,
      ramUsed * (1 + options.headroom),
      Math.max(...list.map(r => r.ramUsage)),
    );
    const hours = list.reduce((s, r) => s + r.minutes / 60, 0);
    const cpuHours = list.reduce(
      (s, r) => s + Math.max(r.cpuRequest, r.cpuUsage) * (r.minutes / 60),
      0,
    );
    const ramHours = list.reduce(
      (s, r) => s + Math.max(r.ramRequest, r.ramUsage) * (r.minutes / 60),
      0,
    );
    const cpuPrice =
      cpuHours > 0 ? list.reduce((s, r) => s + r.cpuCost, 0) / cpuHours : 0;
    const ramPrice =
      ramHours > 0 ? list.reduce((s, r) => s + r.ramCost, 0) / ramHours : 0;
    const saving =
      Math.max(0, cpuRequested - cpuRecommended) * cpuPrice * HOURS_PER_MONTH +
      Math.max(0, ramRequested - ramRecommended) * ramPrice * HOURS_PER_MONTH;
    const monthlyCost =
      hours > 0
        ? (list.reduce((s, r) => s + r.totalCost, 0) / hours) * HOURS_PER_MONTH
        : 0;
    out.push({
      entityRef: first.entityRef,
      environment: first.environment,
      cluster: first.cluster,
      namespace: first.namespace,
      workload: first.workload,
      cpu: {
        requested: round3(cpuRequested),
        used: round3(cpuUsed),
        recommended: Math.ceil(cpuRecommended * 100) / 100,
      },
      memory: {
        requested: Math.round(ramRequested),
        used: Math.round(ramUsed),
        recommended: Math.ceil(ramRecommended / 1048576) * 1048576,
      },
      monthlyCost: roundMoney(monthlyCost, options.currency),
      monthlySaving: roundMoney(saving, options.currency),
    });
  }
  return out.sort((a, b) => b.monthlySaving - a.monthlySaving);
}

/**
 * Environments that use (almost) nothing of what they request over the
 * rows' days, with what they cost over `costRows` (the last 30 days) and
 * the weekend's share of it.
 */
export function idleEnvironments(
  rows: WorkloadCostRow[],
  costRows: WorkloadCostRow[],
  currency: string,
): IdleEnvironment[] {
  const byEnv = new Map<
    string,
    {
      used: number;
      requested: number;
      days: Set<string>;
      entityRef?: string;
      environment: string;
      cluster: string;
    }
  >();
  for (const r of rows) {
    if (r.kind !== 'workload' || !r.entityRef) continue;
    const key = `${r.entityRef}|${r.environment}|${r.cluster}`;
    const e = byEnv.get(key) ?? {
      used: 0,
      requested: 0,
      days: new Set<string>(),
      entityRef: r.entityRef,
      environment: r.environment,
      cluster: r.cluster,
    };
    e.used += r.cpuUsage * r.minutes;
    e.requested += r.cpuRequest * r.minutes;
    e.days.add(r.day);
    byEnv.set(key, e);
  }
  const out: IdleEnvironment[] = [];
  for (const [key, e] of byEnv) {
    const utilisation = e.requested > 0 ? e.used / e.requested : 0;
    if (utilisation >= IDLE_UTILISATION || e.days.size < 3) continue;
    const cost = costRows.filter(
      r => `${r.entityRef}|${r.environment}|${r.cluster}` === key,
    );
    out.push({
      entityRef: e.entityRef,
      environment: e.environment,
      cluster: e.cluster,
      cpuUtilisation: Math.round(utilisation * 1000) / 1000,
      cost: roundMoney(
        cost.reduce((s, r) => s + r.totalCost, 0),
        currency,
      ),
      weekendCost: roundMoney(
        cost.filter(r => isWeekend(r.day)).reduce((s, r) => s + r.totalCost, 0),
        currency,
      ),
      days: new Set(cost.map(r => r.day)).size,
    });
  }
  return out.sort((a, b) => b.cost - a.cost);
}
