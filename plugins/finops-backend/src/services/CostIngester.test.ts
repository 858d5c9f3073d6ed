import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { findCostJumps } from '@portolan/plugin-finops-common';
import { RunningSandbox } from '@portolan/sandbox';
import { startTestSandbox, T0 } from '@portolan/sandbox/src/testing';
import { ManualClock } from '@portolan/sandbox';
import { BudgetStore } from '../database/BudgetStore';
import { CostStore } from '../database/CostStore';
import { backtest } from '../forecast/holtWinters';
import { OpenCostClient } from '../opencost/OpenCostClient';
import { sandboxEntities } from '../__testUtils__/sandboxCatalog';
import { CostIngester } from './CostIngester';
import { CostService } from './CostService';
import { addDays, dayOf, daysBetween } from './days';

jest.setTimeout(120_000);
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'cost ingestion from the OpenCost stand-in, %p',
  databaseId => {
    let sandbox: RunningSandbox & { clock: ManualClock };
    let store: CostStore;
    let costs: CostService;
    let ingester: CostIngester;
    let clients: OpenCostClient[];

    beforeAll(async () => {
      sandbox = await startTestSandbox();
      const knex = await databases.init(databaseId);
      const database = { getClient: async () => knex };
      store = await CostStore.create({ database });
      const budgets = await BudgetStore.create({
        database,
        skipMigrations: true,
      });
      clients = sandbox.info.opencost!.clusters.map(
        c =>
          new OpenCostClient({ cluster: c.name, url: c.url, timeoutMs: 5000 }),
      );
      const entities = sandboxEntities(sandbox.world);
      const now = () => sandbox.clock.now();
      ingester = CostIngester.create({
        clients,
        store,
        catalog: catalogServiceMock({ entities }),
        auth: mockServices.auth(),
        logger: mockServices.logger.mock(),
        currency: 'USD',
        backfillDays: 90,
        daysPerCall: 15,
        now,
      });
      costs = CostService.create({
        store,
        budgets,
        currency: 'USD',
        clusters: clients.map(c => c.cluster),
        rightsizing: { percentile: 95, headroom: 0.2, days: 14 },
        now,
      });
    });
    afterAll(() => sandbox?.stop());

    const calls = () =>
      [...sandbox.opencost.values()].reduce((n, o) => n + o.calls.length, 0);
    const checkout = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'checkout-service', namespace: 'default' },
    } as any;

    it('backfills 90 days with at most one call per cluster per day, then re-reads only the last day', async () => {
      const before = calls();
      const summary = await ingester.run();
      expect(summary.clusters.every(c => c.ok && c.days === 90)).toBe(true);
      // 90 days in windows of 15: 6 calls per cluster.
      expect(calls() - before).toBe(18);
      const yesterday = dayOf(T0 - 86_400_000);
      expect(await costs.freshness()).toMatchObject({
        status: 'ok',
        lastDay: yesterday,
      });
      const first = await costs.entityCost(checkout);
      expect(first.last30Days.total).toBeGreaterThan(0);
      expect(first.environments).toEqual(['dev', 'prod', 'staging']);

      const again = calls();
      await ingester.run();
      expect(calls() - again).toBe(3);
      // Re-ingesting a day replaces it: nothing is counted twice.
      const second = await costs.entityCost(checkout);
      expect(second.last30Days.total).toBe(first.last30Days.total);
      expect(second.daily).toEqual(first.daily);
    });

    it('counts workloads no entity claims as unallocated and lists them, with the idle capacity', async () => {
      const org = await costs.organisationCost();
      const names = org.unallocated.workloads.map(
        w => `${w.cluster}/${w.namespace}/${w.workload}`,
      );
      expect(names).toEqual(
        expect.arrayContaining([
          'prod-eu/payments/legacy-reports',
          'dev/kube-system/coredns',
          'dev/default/__unallocated__',
        ]),
      );
      expect(org.unallocated.cost).toBeGreaterThan(0);
      expect(org.idle.byCluster.map(c => c.cluster).sort()).toEqual([
        'dev',
        'prod-eu',
        'staging',
      ]);
      const last = org.daily[org.daily.length - 1];
      expect(last.allocated + last.unallocated + last.idle).toBeCloseTo(
        last.total,
        1,
      );
      expect(org.byTeam.map(t => t.ref)).toContain(
        'group:default/team-payments',
      );
      expect(
        org.idleEnvironments.map(e => `${e.entityRef}/${e.environment}`),
      ).toContain('component:default/fraud-detector/dev');
    });

    it('shows the scale-out deploy as a cost jump attributed to it', async () => {
      const scaleOut = sandbox.info.opencost!.scaleOuts[0];
      const invoice = await costs.entityCost({
        ...checkout,
        metadata: { name: 'invoice-service', namespace: 'default' },
      });
      const app = sandbox.world.apps.find(a => a.name === scaleOut.app)!;
      const deploys = app.deploys.map(d => ({
        revision: d.revision,
        environment: app.environment,
        startedAt: new Date(d.startedAt).toISOString(),
        result: d.result,
      }));
      const jumps = findCostJumps(invoice.daily, deploys, {
        thresholdPercent: 25,
        requests: invoice.requests,
      });
      expect(jumps).toHaveLength(1);
      expect(jumps[0]).toMatchObject({
        revision: scaleOut.revision,
        environment: 'prod',
      });
      // CPU and memory double; network and the load balancer do not.
      expect(jumps[0].changePercent).toBeGreaterThan(50);
      expect(jumps[0].cpuCores!.after / jumps[0].cpuCores!.before).toBeCloseTo(
        2,
        0,
      );
    });

    it('forecasts the month with an interval; backtested on the series, Holt-Winters beats the naive mean and stays within 10 %', async () => {
      const c = await costs.entityCost(checkout);
      expect(c.forecast!.low).toBeLessThanOrEqual(c.forecast!.monthEnd);
      expect(c.forecast!.high).toBeGreaterThanOrEqual(c.forecast!.monthEnd);
      expect(c.forecast!.monthEnd).toBeGreaterThanOrEqual(c.monthToDate.total);
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
      expect(mean(r => r.holtWinters)).toBeLessThanOrEqual(10);
      expect(mean(r => r.holtWinters)).toBeLessThan(mean(r => r.naive));
    });

    it('recommends requests from usage, never below it, with a monthly saving for over-provisioned workloads', async () => {
      const services = [...new Set(sandbox.world.apps.map(a => a.service))];
      let withSaving = 0;
      for (const name of services) {
        const r = await costs.rightsizing(`component:default/${name}`);
        for (const row of r.rows) {
          expect(row.cpu.recommended).toBeGreaterThanOrEqual(row.cpu.used);
          expect(row.memory.recommended).toBeGreaterThanOrEqual(
            row.memory.used,
          );
          if (row.monthlySaving > 0) withSaving++;
        }
      }
      expect(withSaving).toBeGreaterThan(0);
      const fraud = await costs.rightsizing('component:default/fraud-detector');
      expect(fraud.idle).toEqual([
        expect.objectContaining({ environment: 'dev', cluster: 'dev' }),
      ]);
      expect(fraud.idle[0].weekendCost).toBeGreaterThan(0);
    });

    it('keeps the last data with the reason while OpenCost is down, and backfills the gap when it returns', async () => {
      const lastDay = (await costs.freshness()).lastDay!;
      const dev = sandbox.opencost.get('dev')!;
      dev.setAvailable(false);
      sandbox.clock.advance(2 * 86_400_000);
      const down = await ingester.run();
      expect(down.clusters.find(c => c.cluster === 'dev')).toMatchObject({
        ok: false,
      });
      const fresh = await costs.freshness();
      expect(fresh.status).toBe('stale');
      expect(fresh.reason).toMatch(/^dev: OpenCost for cluster dev: HTTP 503/);
      expect(
        (await costs.entityCost(checkout)).last30Days.total,
      ).toBeGreaterThan(0);

      dev.setAvailable(true);
      const before = dev.calls.length;
      const back = await ingester.run();
      expect(back.clusters.find(c => c.cluster === 'dev')).toMatchObject({
        ok: true,
        days: 3,
        calls: 1,
      });
      expect(dev.calls.length - before).toBe(1);
      expect(await costs.freshness()).toMatchObject({
        status: 'ok',
        lastDay: addDays(lastDay, 2),
      });
    });
  },
);
