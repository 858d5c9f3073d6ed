// FinOps benchmarks (issue 14). Run through bin/portal bench finops-ingestion
// | finops-api | finops-forecast. Prints one JSON line per result.
//   ingestion: 90-day backfill for ~1,000 workloads on 3 clusters from the OpenCost stand-in (calls, time)
//   api:       cost card and team API p95 with 1,000 services x 90 days (SQLite; PostgreSQL with BENCH_POSTGRES)
//   forecast:  backtest (last 14 days held out) of every service's series: Holt-Winters vs naive MAPE
import { ManualClock, startSandbox } from '@portolan/sandbox';
import knexFactory, { Knex } from 'knex';
import path from 'node:path';
import { BudgetStore } from '../src/database/BudgetStore';
import { CostStore, WorkloadCostRow } from '../src/database/CostStore';
import { backtest } from '../src/forecast/holtWinters';
import { OpenCostClient } from '../src/opencost/OpenCostClient';
import { CostIngester } from '../src/services/CostIngester';
import { CostService } from '../src/services/CostService';
import { addDays, dayOf, daysBetween } from '../src/services/days';
import { sandboxEntities } from '../src/__testUtils__/sandboxCatalog';

const T0 = Date.parse('2026-11-02T12:00:00Z');
// Plain stand-ins for the backend services (no jest here).
const logger = {
  info() {},
  warn() {},
  error() {},
  debug() {},
  child: () => logger,
} as any;
const auth = {
  getOwnServiceCredentials: async () => ({
    $$type: '@backstage/BackstageCredentials',
    principal: { type: 'service', subject: 'bench' },
  }),
} as any;
const catalogOf = (entities: any[]) =>
  ({ getEntities: async () => ({ items: entities }) } as any);
const p95 = (v: number[]) =>
  [...v].sort((a, b) => a - b)[Math.ceil(0.95 * v.length) - 1];
const p50 = (v: number[]) =>
  [...v].sort((a, b) => a - b)[Math.ceil(0.5 * v.length) - 1];
const sqlite = () =>
  knexFactory({
    client: 'better-sqlite3',
    connection: { filename: ':memory:' },
    useNullAsDefault: true,
  });

async function pg(): Promise<Knex | undefined> {
  const url = process.env.BENCH_POSTGRES;
  if (!url) return undefined;
  const admin = knexFactory({
    client: 'pg',
    connection: `${url.replace(/\/$/, '')}/postgres`,
  });
  const db = `finops_bench_${process.pid}`;
  await admin.raw(`create database ${db}`);
  await admin.destroy();
  return knexFactory({
    client: 'pg',
    connection: `${url.replace(/\/$/, '')}/${db}`,
  });
}

async function ingestionBench() {
  const clock = new ManualClock(T0);
  // 13 catalog services (36 apps) plus generated ones on all 3 clusters: ~1,000 workloads.
  const sandbox = await startSandbox({
    catalogDir: path.resolve(__dirname, '../../../catalog'),
    basePort: 0,
    seed: 7,
    clock,
    extraServices: 322,
  });
  const knex = sqlite();
  const database = { getClient: async () => knex };
  const store = await CostStore.create({ database });
  const clients = sandbox.info.opencost!.clusters.map(
    c => new OpenCostClient({ cluster: c.name, url: c.url }),
  );
  const ingester = CostIngester.create({
    clients,
    store,
    catalog: catalogOf(sandboxEntities(sandbox.world)),
    auth,
    logger,
    currency: 'USD',
    backfillDays: 90,
    daysPerCall: 15,
    now: () => clock.now(),
  });
  const workloads = [...sandbox.opencost.values()].reduce(
    (n, o) => n + o.workloads().length,
    0,
  );
  const t = performance.now();
  const summary = await ingester.run();
  const ms = performance.now() - t;
  const calls = [...sandbox.opencost.values()].reduce(
    (n, o) => n + o.calls.length,
    0,
  );
  const before = calls;
  await ingester.run();
  const steady =
    [...sandbox.opencost.values()].reduce((n, o) => n + o.calls.length, 0) -
    before;
  console.log(
    JSON.stringify({
      bench: 'ingestion',
      workloads,
      clusters: clients.length,
      days: 90,
      calls,
      callsPerClusterPerDay: calls / 3 / 90,
      steadyStateCalls: steady,
      rows: summary.clusters.reduce((s, c) => s + c.rows, 0),
      ms: Math.round(ms),
    }),
  );
  // The forecast backtest runs on these series too.
  const costs = CostService.create({
    store,
    budgets: await BudgetStore.create({ database, skipMigrations: true }),
    currency: 'USD',
    clusters: clients.map(c => c.cluster),
    rightsizing: { percentile: 95, headroom: 0.2, days: 14 },
    now: () => clock.now(),
  });
  const asOf = (await costs.freshness()).lastDay!;
  const rows = await store.entityDaily(addDays(asOf, -89), asOf);
  const refs = [...new Set(rows.map(r => r.entityRef))].filter(r =>
    r.startsWith('component:'),
  );
  const results = refs.map(ref => {
    const byDay = new Map(
      rows.filter(r => r.entityRef === ref).map(r => [r.day, r.total]),
    );
    return backtest(
      daysBetween(addDays(asOf, -89), asOf).map(d => byDay.get(d) ?? 0),
    )!;
  });
  const mean = (f: (r: { holtWinters: number; naive: number }) => number) =>
    results.reduce((s, r) => s + f(r), 0) / results.length;
  const org = new Map<string, number>();
  for (const r of rows) org.set(r.day, (org.get(r.day) ?? 0) + r.total);
  const orgBacktest = backtest(
    daysBetween(addDays(asOf, -89), asOf).map(d => org.get(d) ?? 0),
  )!;
  console.log(
    JSON.stringify({
      bench: 'forecast',
      series: results.length,
      holdoutDays: 14,
      meanMapeHoltWinters: mean(r => r.holtWinters),
      meanMapeNaive: mean(r => r.naive),
      medianMapeHoltWinters: p50(results.map(r => r.holtWinters)),
      servicesBetterThanNaive: results.filter(r => r.holtWinters < r.naive)
        .length,
      organisation: orgBacktest,
    }),
  );
  await sandbox.stop();
  await knex.destroy();
}

async function apiBench(label: string, knex: Knex) {
  const database = { getClient: async () => knex };
  const store = await CostStore.create({ database });
  const budgets = await BudgetStore.create({ database, skipMigrations: true });
  const services = 1000;
  const teams = 10;
  await store.syncEntities([
    ...Array.from({ length: services }, (_, i) => ({
      entityRef: `component:default/svc-${i}`,
      ownerRef: `group:default/team-${i % teams}`,
      systemRef: `system:default/sys-${i % 40}`,
      annotationBudget: i % 50 === 0 ? 100 : undefined,
    })),
    ...Array.from({ length: teams }, (_, i) => ({
      entityRef: `group:default/team-${i}`,
      annotationBudget: 5000,
    })),
  ]);
  const yesterday = dayOf(T0 - 86_400_000);
  const days = daysBetween(addDays(yesterday, -89), yesterday);
  const t = performance.now();
  for (const [ci, cluster] of ['dev', 'staging', 'prod-eu'].entries()) {
    const rows: WorkloadCostRow[] = [];
    for (const day of days)
      for (let i = 0; i < services; i++) {
        const cost =
          (1 + (i % 7)) *
          (ci + 1) *
          (1 + 0.1 * Math.sin(i + Date.parse(day) / 86_400_000));
        rows.push({
          day,
          cluster,
          environment: ['dev', 'staging', 'prod'][ci],
          namespace: `ns-${i % 40}`,
          workload: `svc-${i}`,
          kind: 'workload',
          entityRef: `component:default/svc-${i}`,
          cpuCost: cost * 0.7,
          ramCost: cost * 0.2,
          pvCost: 0,
          networkCost: cost * 0.1,
          lbCost: 0,
          otherCost: 0,
          totalCost: cost,
          cpuRequest: 0.5,
          cpuUsage: 0.2,
          ramRequest: 5e8,
          ramUsage: 2e8,
          minutes: 1440,
        });
      }
    await store.replaceDays(cluster, days, rows);
    await store.recordSuccess(cluster, yesterday, new Date(T0));
  }
  const loadMs = performance.now() - t;
  if (label === 'postgres') await knex.raw('analyze');
  const costs = CostService.create({
    store,
    budgets,
    currency: 'USD',
    clusters: ['dev', 'staging', 'prod-eu'],
    rightsizing: { percentile: 95, headroom: 0.2, days: 14 },
    now: () => T0,
  });
  const time = async (n: number, f: (i: number) => Promise<unknown>) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await f(i);
      out.push(performance.now() - s);
    }
    return out;
  };
  const entity = (i: number) =>
    ({
      apiVersion: 'v1',
      kind: 'Component',
      metadata: { name: `svc-${(i * 37) % services}`, namespace: 'default' },
    } as any);
  await time(10, i => costs.entityCost(entity(i)));
  const card = await time(200, i => costs.entityCost(entity(i)));
  const team = await time(100, i =>
    costs.teamCost(`group:default/team-${i % teams}`),
  );
  const rightsizing = await time(100, i =>
    costs.rightsizing(`component:default/svc-${(i * 37) % services}`),
  );
  const org = await time(10, () => costs.organisationCost());
  console.log(
    JSON.stringify({
      bench: 'api',
      db: label,
      services,
      days: 90,
      rows: services * 90 * 3,
      loadMs: Math.round(loadMs),
      card: { p50: p50(card), p95: p95(card) },
      team: {
        servicesPerTeam: services / teams,
        p50: p50(team),
        p95: p95(team),
      },
      rightsizing: { p95: p95(rightsizing) },
      organisation: { p95: p95(org) },
    }),
  );
  await knex.destroy();
}

async function main() {
  const which = process.argv[2];
  if (which === 'ingestion' || which === 'forecast') await ingestionBench();
  if (which === 'api') {
    await apiBench('sqlite', sqlite());
    const p = await pg();
    if (p) await apiBench('postgres', p);
  }
}

main().then(
  () => process.exit(0),
  e => {
    console.error(e);
    process.exit(1);
  },
);
