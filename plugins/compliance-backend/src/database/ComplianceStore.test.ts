import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { readComplianceConfig } from '../config/ComplianceConfig';
import { NOW, SERVICE, facts, stats } from '../__testUtils__/facts';
import { ServiceFacts } from '../facts/ServiceFacts';
import { ComplianceEvaluator } from '../services/ComplianceEvaluator';
import { ComplianceService } from '../services/ComplianceService';
import { ComplianceStore } from './ComplianceStore';

jest.setTimeout(120_000);

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const settings = readComplianceConfig(new ConfigReader({}));

describe('ComplianceStore', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

  async function setUp(databaseId: Parameters<typeof databases.init>[0]) {
    const knex = await databases.init(databaseId);
    const store = await ComplianceStore.create({
      database: mockServices.database({ knex, migrations: { skip: false } }),
    });
    let now = NOW;
    let current: ServiceFacts[] = [facts()];
    const service = ComplianceService.create({
      store,
      settings,
      now: () => now,
    });
    const evaluator = ComplianceEvaluator.create({
      collector: {
        collect: async () => ({ services: current, stats: stats() }),
      },
      store,
      service,
      settings,
      logger: mockServices.logger.mock(),
      now: () => now,
    });
    return {
      knex,
      store,
      service,
      evaluate: async (at: number, services?: ServiceFacts[]) => {
        now = at;
        if (services) current = services;
        await evaluator.run();
      },
      setNow: (at: number) => {
        now = at;
      },
    };
  }

  it.each(databases.eachSupportedId())(
    'stores results as stretches of unchanged status, on %p',
    async databaseId => {
      const { knex, store, evaluate } = await setUp(databaseId);
      await evaluate(NOW - 2 * DAY);
      await evaluate(NOW - DAY);
      const runbook = () =>
        store
          .resultsBetween(new Date(0), new Date(NOW + DAY))
          .then(r => r.filter(x => x.checkId === 'catalog.runbook'));
      // Same status twice: one stretch, extended.
      expect(await runbook()).toEqual([
        expect.objectContaining({
          status: 'fail',
          firstSeen: new Date(NOW - 2 * DAY),
          lastSeen: new Date(NOW - DAY),
        }),
      ]);
      // Fixed: the old stretch closes, a new one starts; evidence kept.
      await evaluate(NOW, [
        facts({ links: [{ url: 'https://rb', title: 'Runbook' }] }),
      ]);
      expect(await runbook()).toEqual([
        expect.objectContaining({
          status: 'fail',
          lastSeen: new Date(NOW - DAY),
        }),
        expect.objectContaining({
          status: 'pass',
          firstSeen: new Date(NOW),
          evidence: [{ source: 'catalog', fact: 'runbook link https://rb' }],
        }),
      ]);
      const currentRunbook = (await store.currentResults([SERVICE])).filter(
        r => r.checkId === 'catalog.runbook',
      );
      expect(currentRunbook.map(r => r.status)).toEqual(['pass']);
      // A time range before the fix sees only the failing stretch.
      expect(
        (
          await store.resultsBetween(
            new Date(NOW - 3 * DAY),
            new Date(NOW - DAY),
          )
        )
          .filter(r => r.checkId === 'catalog.runbook')
          .map(r => r.status),
      ).toEqual(['fail']);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'keeps one score and one KPI snapshot per week, 52 weeks of them, on %p',
    async databaseId => {
      const { knex, store, evaluate } = await setUp(databaseId);
      const start = NOW - 60 * WEEK;
      // Weekly evaluations over 60 weeks, two in the last week.
      for (let w = 0; w <= 60; w++) {
        await evaluate(start + w * WEEK);
      }
      await evaluate(NOW + DAY);
      const history = await store.scoreHistory(SERVICE, '0000-00-00');
      expect(history).toHaveLength(52);
      expect(history[0].week).toBe('2025-03-17');
      expect(history.at(-1)).toMatchObject({
        week: '2026-03-09',
        // No allowed registries configured: that check fails too.
        score: 90,
        level: 'Gold',
        pass: 18,
        fail: 2,
      });
      const org = await store.kpiTrend('organisation', '0000-00-00');
      expect(org.map(s => s.week)).toEqual(history.map(h => h.week));
      expect(org.at(-1)).toMatchObject({
        services: 1,
        counts: { pass: 18, fail: 2, waived: 0, unknown: 0 },
      });
      expect(
        await store.kpiTrend('group:default/team-payments', '2026-03-01'),
      ).toHaveLength(2);
      await knex.destroy();
    },
  );

  it.each(databases.eachSupportedId())(
    'stores waivers, decides a pending one once, and lets an approved one expire by the clock, on %p',
    async databaseId => {
      const { knex, store, service, evaluate, setNow } = await setUp(
        databaseId,
      );
      await evaluate(NOW);
      const waiver = {
        id: '6f1c3f4e-0000-4000-8000-000000000001',
        entityRef: SERVICE,
        checkId: 'catalog.runbook',
        reason: 'moving wiki',
        expiresAt: new Date(NOW + 3 * DAY).toISOString(),
        status: 'pending' as const,
        requestedBy: 'user:default/barbara',
        requestedAt: new Date(NOW).toISOString(),
      };
      await store.insertWaiver(waiver);
      expect(await store.waiver(waiver.id)).toEqual(waiver);
      const decision = {
        status: 'approved' as const,
        decidedBy: 'user:default/margaret',
        decidedAt: new Date(NOW + 1000),
        comment: 'ok',
      };
      expect(await store.decideWaiver(waiver.id, decision)).toBe(true);
      // Already decided: not again.
      expect(
        await store.decideWaiver(waiver.id, {
          ...decision,
          status: 'rejected',
        }),
      ).toBe(false);
      expect(await store.waiver(waiver.id)).toMatchObject({
        status: 'approved',
        decidedBy: 'user:default/margaret',
        decidedAt: new Date(NOW + 1000).toISOString(),
      });
      expect(await store.waivers({ status: 'pending' })).toEqual([]);
      expect(await store.waivers({ from: new Date(NOW + 4 * DAY) })).toEqual(
        [],
      );

      await service.rescore();
      const runbookOf = async () =>
        (await service.service(SERVICE)).checks.find(
          c => c.checkId === 'catalog.runbook',
        );
      expect(await runbookOf()).toMatchObject({ status: 'waived' });
      // Past its expiry the same stored result reads fail again.
      setNow(NOW + 3 * DAY + 1);
      expect(await runbookOf()).toMatchObject({ status: 'fail' });
      expect((await service.waivers())[0].status).toBe('expired');
      await knex.destroy();
    },
  );
});
