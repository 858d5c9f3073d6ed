import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  BudgetView,
  COST_RESOURCES,
  CostFreshness,
  CostResource,
  DailyCost,
  EntityCostResponse,
  GroupCostSummary,
  MONTHLY_BUDGET_ANNOTATION,
  MonthForecast,
  OrganisationCostResponse,
  PeriodComparison,
  RightsizingResponse,
  ServiceCostSummary,
  TeamCostResponse,
  parseBudgetAnnotation,
  percentChange,
  roundMoney,
} from '@portolan/plugin-finops-common';
import { BudgetStore, StoredBudget } from '../database/BudgetStore';
import { CostStore, EntityInfo, WorkloadCostRow } from '../database/CostStore';
import { forecastDaily, Z_80 } from '../forecast/holtWinters';
import {
  DAY_MS,
  addDays,
  dayOf,
  daysBetween,
  daysInMonth,
  monthOf,
  startOfDay,
} from './days';
import { IDLE_UTILISATION, idleEnvironments, rightsize } from './Rightsizing';

const HISTORY_DAYS = 90;
/** Days of daily figures an entity's answer carries (the card shows 30, and looks a week further back for jumps). */
const ENTITY_DAILY_DAYS = 60;

export interface CostServiceOptions {
  store: CostStore;
  budgets: BudgetStore;
  currency: string;
  clusters: string[];
  rightsizing: { percentile: number; headroom: number; days: number };
  now?: () => number;
}

/** A forecast for the month of `today` from a daily series ending at `asOfDay`. */
export interface MonthEnd {
  forecast: MonthForecast;
  monthToDate: number;
}

/**
 * Reads the cost tables into the answers of the API: per entity, team and
 * organisation. Amounts are rounded here, once, to the currency's minor unit.
 */
export class CostService {
  static create(options: CostServiceOptions) {
    return new CostService(options);
  }

  private constructor(private readonly o: CostServiceOptions) {}

  /**
   * Team series and team answers only change when ingestion stores new
   * data or a budget changes: kept per data version (the clusters' last
   * successful ingestion and the budgets' last change), a few hundred at most.
   */
  private readonly memo = new Map<string, Promise<unknown>>();
  private async memoised<T>(
    key: string,
    version: string,
    compute: () => Promise<T>,
  ): Promise<T> {
    const k = `${version}\u0000${key}`;
    let hit = this.memo.get(k) as Promise<T> | undefined;
    if (!hit) {
      if (this.memo.size > 500) this.memo.clear();
      hit = compute();
      hit.catch(() => this.memo.delete(k));
      this.memo.set(k, hit);
    }
    return hit;
  }

  private async version(freshness: CostFreshness): Promise<string> {
    const budgets = await this.o.budgets.version();
    return `${freshness.clusters
      .map(c => c.lastSuccessAt ?? '')
      .join(',')}|${budgets}|${this.today()}`;
  }

  get currency() {
    return this.o.currency;
  }

  private today() {
    return dayOf(startOfDay(this.o.now?.() ?? Date.now()));
  }

  private money = (v: number) => roundMoney(v, this.o.currency);

  async freshness(): Promise<CostFreshness> {
    const states = await this.o.store.ingestionStates();
    const yesterday = addDays(this.today(), -1);
    const clusters = this.o.clusters.map(cluster => {
      const s = states.find(x => x.cluster === cluster);
      return {
        cluster,
        lastDay: s?.lastDay,
        lastSuccessAt: s?.lastSuccessAt?.toISOString(),
        lastAttemptAt: s?.lastAttemptAt?.toISOString(),
        lastError: s?.lastError,
      };
    });
    const days = clusters
      .map(c => c.lastDay)
      .filter((d): d is string => !!d)
      .sort();
    if (!days.length) {
      const failing = clusters.find(c => c.lastError);
      return {
        status: 'never',
        clusters,
        reason: failing
          ? `${failing.cluster}: ${failing.lastError}`
          : undefined,
      };
    }
    const failing = clusters.find(
      c => c.lastError || !c.lastDay || c.lastDay < yesterday,
    );
    return {
      lastDay: days[days.length - 1],
      status: failing ? 'stale' : 'ok',
      reason: failing
        ? `${failing.cluster}: ${
            failing.lastError ??
            (failing.lastDay
              ? `data only up to ${failing.lastDay}`
              : 'no data yet')
          }`
        : undefined,
      clusters,
    };
  }

  private comparison(
    byDay: Map<string, number>,
    asOfDay: string,
  ): PeriodComparison {
    const sum = (from: string, to: string) =>
      daysBetween(from, to).reduce((s, d) => s + (byDay.get(d) ?? 0), 0);
    const from = addDays(asOfDay, -29);
    const total = sum(from, asOfDay);
    const previous = sum(addDays(asOfDay, -59), addDays(asOfDay, -30));
    return {
      total: this.money(total),
      previous: this.money(previous),
      change: this.money(total - previous),
      changePercent: percentChange(total, previous),
      from,
      to: asOfDay,
    };
  }

  /**
   * The month-end forecast for the month of today: month-to-date actuals
   * plus the Holt-Winters forecast of the days left, with an 80 % interval.
   */
  monthEnd(byDay: Map<string, number>, asOfDay: string): MonthEnd | undefined {
    const today = this.today();
    const month = monthOf(today);
    const firstWithData = [...byDay.keys()].sort()[0];
    if (!firstWithData) return undefined;
    const series = daysBetween(
      firstWithData > addDays(asOfDay, 1 - HISTORY_DAYS)
        ? firstWithData
        : addDays(asOfDay, 1 - HISTORY_DAYS),
      asOfDay,
    ).map(d => byDay.get(d) ?? 0);
    const monthEndDay = `${month}-${String(daysInMonth(month)).padStart(
      2,
      '0',
    )}`;
    const horizonDays =
      asOfDay < monthEndDay
        ? daysBetween(addDays(asOfDay, 1), monthEndDay)
        : [];
    const monthToDate = [...byDay]
      .filter(([d]) => monthOf(d) === month && d <= asOfDay)
      .reduce((s, [, v]) => s + v, 0);
    const f = forecastDaily(series, horizonDays.length);
    if (!f) return undefined;
    // Days of the horizon before this month (data lagging behind) count for
    // the month only from its first day.
    const inMonth = horizonDays
      .map((d, i) => ({ d, i }))
      .filter(x => monthOf(x.d) === month);
    const rest = inMonth.reduce((s, x) => s + f.mean[x.i], 0);
    const spread =
      Z_80 *
      Math.sqrt(
        f.sumVariance * (inMonth.length / Math.max(1, horizonDays.length)),
      );
    return {
      monthToDate,
      forecast: {
        month,
        monthEnd: this.money(monthToDate + rest),
        low: this.money(Math.max(monthToDate, monthToDate + rest - spread)),
        high: this.money(monthToDate + rest + spread),
        interval: 0.8,
        method: f.method,
        daily: horizonDays.map((day, i) => ({
          day,
          value: this.money(f.mean[i]),
          low: this.money(f.low[i]),
          high: this.money(f.high[i]),
        })),
      },
    };
  }

  /** A service's or team's budget: set in Portolan, else its annotation, else (services) its team's. */
  async budgetOf(
    entityRef: string,
    entity?: Entity,
    info?: EntityInfo,
  ): Promise<
    | {
        amount: number;
        source: BudgetView['source'];
        stored?: StoredBudget;
        teamRef?: string;
      }
    | undefined
  > {
    const stored = await this.o.budgets.get(entityRef);
    if (stored) return { amount: stored.amount, source: 'portolan', stored };
    const raw = entity?.metadata.annotations?.[MONTHLY_BUDGET_ANNOTATION];
    if (raw !== undefined) {
      try {
        return {
          amount: parseBudgetAnnotation(raw, this.o.currency).amount,
          source: 'annotation',
        };
      } catch {
        // A processing error on the entity (the catalog module); no budget here.
      }
    } else if (!entity && info?.annotationBudget !== undefined) {
      return { amount: info.annotationBudget, source: 'annotation' };
    }
    const ownerRef = info?.ownerRef;
    if (ownerRef) {
      const team = await this.o.store.entity(ownerRef);
      if (team?.annotationBudget !== undefined)
        return {
          amount: team.annotationBudget,
          source: 'team',
          teamRef: ownerRef,
        };
    }
    return undefined;
  }

  private async teamSeries(
    teamRef: string,
    asOfDay: string,
  ): Promise<Map<string, number>> {
    const rows = await this.o.store.ownerDaily(
      teamRef,
      addDays(asOfDay, 1 - HISTORY_DAYS),
      asOfDay,
    );
    return new Map(rows.map(r => [r.day, r.total]));
  }

  async entityCost(entity: Entity): Promise<EntityCostResponse> {
    const entityRef = stringifyEntityRef(entity);
    // Independent reads, asked at once: the rows of the whole window that
    // can hold data (ingestion's last day is at most yesterday), cut to the
    // last ingested day below.
    const [freshness, stored, windowRows] = await Promise.all([
      this.freshness(),
      this.o.store.entity(entityRef),
      this.o.store.workloadRows(
        entityRef,
        addDays(this.today(), -HISTORY_DAYS),
        this.today(),
      ),
    ]);
    const asOfDay = freshness.lastDay;
    const info = stored ?? { entityRef, ownerRef: undefined };
    const empty: EntityCostResponse = {
      entityRef,
      currency: this.o.currency,
      freshness,
      last30Days: { total: 0, previous: 0, change: 0, from: '', to: '' },
      monthToDate: {
        month: monthOf(this.today()),
        total: 0,
        days: 0,
        daysInMonth: daysInMonth(monthOf(this.today())),
      },
      daily: [],
      requests: [],
      environments: [],
    };
    if (!asOfDay) return empty;
    const historyFrom = addDays(asOfDay, 1 - HISTORY_DAYS);
    const rows =
      historyFrom >= addDays(this.today(), -HISTORY_DAYS)
        ? windowRows.filter(r => r.day >= historyFrom && r.day <= asOfDay)
        : // Data older than the window (ingestion has been failing for days).
          await this.o.store.workloadRows(entityRef, historyFrom, asOfDay);
    const byDay = new Map<string, number>();
    for (const r of rows)
      byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.totalCost);
    const environments = [...new Set(rows.map(r => r.environment))].sort();
    const dailyFrom = addDays(asOfDay, 1 - ENTITY_DAILY_DAYS);
    const daily = this.daily(
      rows.filter(r => r.day >= dailyFrom),
      dailyFrom,
      asOfDay,
    );
    const requests = new Map<
      string,
      { day: string; environment: string; cpuCores: number; ramBytes: number }
    >();
    for (const r of rows) {
      if (r.day < dailyFrom) continue;
      const key = `${r.day}|${r.environment}`;
      const e = requests.get(key) ?? {
        day: r.day,
        environment: r.environment,
        cpuCores: 0,
        ramBytes: 0,
      };
      e.cpuCores += r.cpuRequest;
      e.ramBytes += r.ramRequest;
      requests.set(key, e);
    }
    const month = monthOf(this.today());
    const mtdDays = [...byDay.keys()].filter(d => monthOf(d) === month);
    const end = this.monthEnd(byDay, asOfDay);
    const budget = await this.budgetOf(entityRef, entity, info);
    let budgetView: BudgetView | undefined;
    if (budget) {
      let compare = end?.forecast;
      const teamRef = budget.teamRef;
      if (budget.source === 'team' && teamRef) {
        compare = await this.memoised(
          `team-forecast:${teamRef}`,
          await this.version(freshness),
          async () =>
            this.monthEnd(await this.teamSeries(teamRef, asOfDay), asOfDay)
              ?.forecast,
        );
      }
      budgetView = {
        amount: this.money(budget.amount),
        currency: this.o.currency,
        source: budget.source,
        teamRef: budget.teamRef,
        setBy: budget.stored?.setBy,
        setAt: budget.stored?.setAt.toISOString(),
        forecastBreaks: !!compare && compare.monthEnd > budget.amount,
        forecastMayBreak: !!compare && compare.high > budget.amount,
      };
    }
    return {
      ...empty,
      asOfDay,
      last30Days: this.comparison(byDay, asOfDay),
      monthToDate: {
        month,
        total: this.money(
          end?.monthToDate ??
            mtdDays.reduce((s, d) => s + (byDay.get(d) ?? 0), 0),
        ),
        days: mtdDays.length,
        daysInMonth: daysInMonth(month),
      },
      daily,
      requests: [...requests.values()].map(r => ({
        ...r,
        cpuCores: Math.round(r.cpuCores * 1000) / 1000,
        ramBytes: Math.round(r.ramBytes),
      })),
      environments,
      forecast: end?.forecast,
      budget: budgetView,
    };
  }

  private daily(
    rows: WorkloadCostRow[],
    from: string,
    to: string,
  ): DailyCost[] {
    const byDay = new Map<string, DailyCost>();
    for (const day of daysBetween(from, to)) {
      byDay.set(day, {
        day,
        total: 0,
        byEnvironment: {},
        byResource: Object.fromEntries(
          COST_RESOURCES.map(r => [r, 0]),
        ) as Record<CostResource, number>,
      });
    }
    for (const r of rows) {
      const d = byDay.get(r.day);
      if (!d) continue;
      d.total += r.totalCost;
      d.byEnvironment[r.environment] =
        (d.byEnvironment[r.environment] ?? 0) + r.totalCost;
      d.byResource.cpu += r.cpuCost;
      d.byResource.memory += r.ramCost;
      d.byResource.storage += r.pvCost;
      d.byResource.network += r.networkCost;
      d.byResource.loadBalancer += r.lbCost;
      d.byResource.other += r.otherCost;
    }
    const m = this.money;
    return [...byDay.values()].map(d => ({
      day: d.day,
      total: m(d.total),
      byEnvironment: Object.fromEntries(
        Object.entries(d.byEnvironment).map(([k, v]) => [k, m(v)]),
      ),
      byResource: Object.fromEntries(
        Object.entries(d.byResource).map(([k, v]) => [k, m(v)]),
      ) as Record<CostResource, number>,
    }));
  }

  async rightsizing(entityRef: string): Promise<RightsizingResponse> {
    const freshness = await this.freshness();
    const { percentile, headroom, days } = this.o.rightsizing;
    const method = { percentile, headroom, days };
    if (!freshness.lastDay)
      return {
        currency: this.o.currency,
        method,
        rows: [],
        idle: [],
        totalMonthlySaving: 0,
      };
    const asOfDay = freshness.lastDay;
    const rows = await this.o.store.workloadRows(
      entityRef,
      addDays(asOfDay, -29),
      asOfDay,
    );
    const recent = rows.filter(r => r.day > addDays(asOfDay, -days));
    const sized = rightsize(recent, {
      percentile,
      headroom,
      currency: this.o.currency,
    });
    return {
      currency: this.o.currency,
      method,
      rows: sized,
      idle: idleEnvironments(recent, rows, this.o.currency),
      totalMonthlySaving: this.money(
        sized.reduce((s, r) => s + r.monthlySaving, 0),
      ),
    };
  }

  private periodTotals(asOfDay: string, ownerRef?: string) {
    return this.o.store.periodTotals(
      addDays(asOfDay, -59),
      addDays(asOfDay, -29),
      asOfDay,
      ownerRef,
    );
  }

  private async summaries(
    infos: EntityInfo[],
    asOfDay: string,
    ownerRef?: string,
    prefetched?: Awaited<ReturnType<CostStore['periodTotals']>>,
  ): Promise<ServiceCostSummary[]> {
    const totals = new Map(
      (prefetched ?? (await this.periodTotals(asOfDay, ownerRef))).map(t => [
        t.entityRef,
        { last: t.last, prev: t.previous },
      ]),
    );
    return infos
      .filter(i => totals.has(i.entityRef))
      .map(i => {
        const t = totals.get(i.entityRef)!;
        return {
          entityRef: i.entityRef,
          title: i.title,
          ownerRef: i.ownerRef,
          systemRef: i.systemRef,
          last30Days: this.money(t.last),
          previous30Days: this.money(t.prev),
          change: this.money(t.last - t.prev),
          changePercent: percentChange(t.last, t.prev),
        };
      })
      .sort((a, b) => b.last30Days - a.last30Days);
  }

  private groupBy(
    services: ServiceCostSummary[],
    key: (s: ServiceCostSummary) => string | undefined,
  ): GroupCostSummary[] {
    const map = new Map<string, { last: number; prev: number }>();
    for (const s of services) {
      const k = key(s) ?? 'unknown';
      const g = map.get(k) ?? { last: 0, prev: 0 };
      g.last += s.last30Days;
      g.prev += s.previous30Days;
      map.set(k, g);
    }
    return [...map]
      .map(([ref, g]) => ({
        ref,
        last30Days: this.money(g.last),
        previous30Days: this.money(g.prev),
        change: this.money(g.last - g.prev),
        changePercent: percentChange(g.last, g.prev),
      }))
      .sort((a, b) => b.last30Days - a.last30Days);
  }

  private topMovers(services: ServiceCostSummary[], n = 5) {
    return [...services]
      .filter(s => s.change !== 0)
      .sort((a, b) => Math.abs(b.change) - Math.abs(a.change))
      .slice(0, n);
  }

  /** Budgets and forecasts of the services that have a budget. */
  private async withBudgets(
    services: ServiceCostSummary[],
    infoList: EntityInfo[],
    asOfDay: string,
    storedBudgets?: StoredBudget[],
  ) {
    const stored = new Map(
      (storedBudgets ?? (await this.o.budgets.list())).map(b => [
        b.entityRef,
        b,
      ]),
    );
    const infos = new Map(infoList.map(i => [i.entityRef, i]));
    const budgeted = services.filter(
      s =>
        (stored.get(s.entityRef)?.amount ??
          infos.get(s.entityRef)?.annotationBudget) !== undefined,
    );
    const rows = budgeted.length
      ? await this.o.store.entityDaily(
          addDays(asOfDay, 1 - HISTORY_DAYS),
          asOfDay,
          budgeted.map(s => s.entityRef),
        )
      : [];
    const series = new Map<string, Map<string, number>>();
    for (const r of rows) {
      const byDay = series.get(r.entityRef) ?? new Map<string, number>();
      byDay.set(r.day, r.total);
      series.set(r.entityRef, byDay);
    }
    for (const s of budgeted) {
      const amount =
        stored.get(s.entityRef)?.amount ??
        infos.get(s.entityRef)?.annotationBudget;
      if (amount === undefined) continue;
      const byDay = series.get(s.entityRef) ?? new Map<string, number>();
      const end = this.monthEnd(byDay, asOfDay);
      s.budget = {
        amount: this.money(amount),
        source: stored.has(s.entityRef) ? 'portolan' : 'annotation',
      };
      s.forecast = end?.forecast.monthEnd;
      s.forecastBreaks = !!end && end.forecast.monthEnd > amount;
    }
  }

  async teamCost(teamRef: string): Promise<TeamCostResponse> {
    const freshness = await this.freshness();
    return this.memoised(`team:${teamRef}`, await this.version(freshness), () =>
      this.computeTeamCost(teamRef, freshness),
    );
  }

  private async computeTeamCost(
    teamRef: string,
    freshness: CostFreshness,
  ): Promise<TeamCostResponse> {
    const asOfDay = freshness.lastDay;
    const base: TeamCostResponse = {
      teamRef,
      currency: this.o.currency,
      freshness,
      last30Days: { total: 0, previous: 0, change: 0, from: '', to: '' },
      daily: [],
      services: [],
      bySystem: [],
      topMovers: [],
    };
    if (!asOfDay) return base;
    // Every read the answer needs, at once (each on its own connection).
    const [byDay, infos, team, totals, storedBudgets] = await Promise.all([
      this.teamSeries(teamRef, asOfDay),
      this.o.store.entitiesOwnedBy(teamRef),
      this.o.store.entity(teamRef),
      this.periodTotals(asOfDay, teamRef),
      this.o.budgets.list(),
    ]);
    const services = await this.summaries(infos, asOfDay, teamRef, totals);
    await this.withBudgets(services, infos, asOfDay, storedBudgets);
    const end = this.monthEnd(byDay, asOfDay);
    return {
      ...base,
      asOfDay,
      last30Days: this.comparison(byDay, asOfDay),
      daily: daysBetween(addDays(asOfDay, -29), asOfDay).map(day => ({
        day,
        total: this.money(byDay.get(day) ?? 0),
      })),
      forecast: end?.forecast,
      budget:
        team?.annotationBudget !== undefined
          ? {
              amount: this.money(team.annotationBudget),
              currency: this.o.currency,
              forecastBreaks:
                !!end && end.forecast.monthEnd > team.annotationBudget,
            }
          : undefined,
      services,
      bySystem: this.groupBy(services, s => s.systemRef),
      topMovers: this.topMovers(services),
    };
  }

  async organisationCost(): Promise<OrganisationCostResponse> {
    const freshness = await this.freshness();
    const asOfDay = freshness.lastDay;
    const base: OrganisationCostResponse = {
      currency: this.o.currency,
      freshness,
      last30Days: { total: 0, previous: 0, change: 0, from: '', to: '' },
      daily: [],
      byTeam: [],
      bySystem: [],
      services: [],
      topMovers: [],
      unallocated: { cost: 0, workloads: [] },
      idle: { cost: 0, byCluster: [] },
      idleEnvironments: [],
    };
    if (!asOfDay) return base;
    const split = new Map(
      (
        await this.o.store.organisationDaily(
          addDays(asOfDay, 1 - HISTORY_DAYS),
          asOfDay,
        )
      ).map(d => [d.day, d]),
    );
    const byDay = new Map(
      [...split].map(([day, d]) => [day, d.allocated + d.unallocated + d.idle]),
    );
    const infos = await this.o.store.entities();
    const services = await this.summaries(infos, asOfDay);
    await this.withBudgets(services, infos, asOfDay);
    const byTeam = this.groupBy(
      services,
      s => s.ownerRef,
    ) as OrganisationCostResponse['byTeam'];
    for (const t of byTeam) {
      const team = infos.find(i => i.entityRef === t.ref);
      if (team?.annotationBudget === undefined) continue;
      const end = this.monthEnd(await this.teamSeries(t.ref, asOfDay), asOfDay);
      t.budget = this.money(team.annotationBudget);
      t.forecast = end?.forecast.monthEnd;
      t.forecastBreaks = !!end && end.forecast.monthEnd > team.annotationBudget;
    }
    const from = addDays(asOfDay, -29);
    const unallocated = new Map<
      string,
      {
        cluster: string;
        environment: string;
        namespace: string;
        workload: string;
        cost: number;
      }
    >();
    const idle = new Map<
      string,
      { cluster: string; environment: string; cost: number }
    >();
    for (const r of await this.o.store.unallocatedAndIdle(from, asOfDay)) {
      if (r.kind === 'idle') {
        const i = idle.get(r.cluster) ?? {
          cluster: r.cluster,
          environment: r.environment,
          cost: 0,
        };
        i.cost += r.cost;
        idle.set(r.cluster, i);
      } else {
        unallocated.set(`${r.cluster}|${r.namespace}|${r.workload}`, {
          cluster: r.cluster,
          environment: r.environment,
          namespace: r.namespace,
          workload: r.workload,
          cost: r.cost,
        });
      }
    }
    const idleKeys = (
      await this.o.store.utilisation(
        addDays(asOfDay, 1 - this.o.rightsizing.days),
        asOfDay,
      )
    )
      .filter(
        u =>
          u.requested > 0 &&
          u.used / u.requested < IDLE_UTILISATION &&
          u.days >= 3,
      )
      .map(u => u.entityRef);
    const idleRows = idleKeys.length
      ? await this.o.store.rowsOf([...new Set(idleKeys)], from, asOfDay)
      : [];
    const recent = idleRows.filter(
      r => r.day > addDays(asOfDay, -this.o.rightsizing.days),
    );
    const end = this.monthEnd(byDay, asOfDay);
    const sumMoney = (list: Array<{ cost: number }>) =>
      this.money(list.reduce((s, x) => s + x.cost, 0));
    return {
      ...base,
      asOfDay,
      last30Days: this.comparison(byDay, asOfDay),
      daily: daysBetween(from, asOfDay).map(day => {
        const s = split.get(day) ?? { allocated: 0, unallocated: 0, idle: 0 };
        return {
          day,
          total: this.money(byDay.get(day) ?? 0),
          allocated: this.money(s.allocated),
          unallocated: this.money(s.unallocated),
          idle: this.money(s.idle),
        };
      }),
      forecast: end?.forecast,
      byTeam,
      bySystem: this.groupBy(services, s => s.systemRef),
      services,
      topMovers: this.topMovers(services),
      unallocated: {
        cost: sumMoney([...unallocated.values()]),
        workloads: [...unallocated.values()]
          .map(u => ({ ...u, cost: this.money(u.cost) }))
          .sort((a, b) => b.cost - a.cost),
      },
      idle: {
        cost: sumMoney([...idle.values()]),
        byCluster: [...idle.values()]
          .map(i => ({ ...i, cost: this.money(i.cost) }))
          .sort((a, b) => b.cost - a.cost),
      },
      idleEnvironments: idleEnvironments(recent, idleRows, this.o.currency),
    };
  }

  /** Month-end forecast of an entity's or a team's spend (for budget alerts). */
  async forecastOf(
    ref: string,
    kind: 'entity' | 'team',
  ): Promise<MonthForecast | undefined> {
    const freshness = await this.freshness();
    if (!freshness.lastDay) return undefined;
    const asOfDay = freshness.lastDay;
    const byDay =
      kind === 'team'
        ? await this.teamSeries(ref, asOfDay)
        : new Map(
            (
              await this.o.store.entityDaily(
                addDays(asOfDay, 1 - HISTORY_DAYS),
                asOfDay,
                [ref],
              )
            ).map(r => [r.day, r.total]),
          );
    return this.monthEnd(byDay, asOfDay)?.forecast;
  }
}

export { DAY_MS };
