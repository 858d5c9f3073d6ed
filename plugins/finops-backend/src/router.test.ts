import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  TestDatabaseId,
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  finopsBudgetSetPermission,
  finopsCostReadPermission,
} from '@portolan/plugin-finops-common';
import express from 'express';
import request from 'supertest';
import { BudgetStore } from './database/BudgetStore';
import { CostStore } from './database/CostStore';
import { createFinopsRouter } from './router';
import { BudgetService } from './services/BudgetService';
import { CostService } from './services/CostService';

jest.setTimeout(60_000);

const OWNER = 'user:default/barbara.liskov';
const OUTSIDER = 'user:default/grace.hopper';
const NOW = Date.parse('2026-11-02T12:00:00Z');

const service: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'invoice-service', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};
const path = '/entities/component/default/invoice-service';

describe('finops API', () => {
  const databases = TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
  });

  async function setUp(databaseId: TestDatabaseId) {
    const knex = await databases.init(databaseId);
    const database = {
      getClient: async () => knex,
      migrations: { skip: false },
    };
    const store = await CostStore.create({ database });
    const budgetStore = await BudgetStore.create({
      database,
      skipMigrations: true,
    });
    const costs = CostService.create({
      store,
      budgets: budgetStore,
      currency: 'EUR',
      clusters: ['prod-eu'],
      rightsizing: { percentile: 95, headroom: 0.2, days: 14 },
      now: () => NOW,
    });
    // The policy's rules as the permission backend applies them: everyone
    // reads costs; only the owning team's members set a service's budget.
    const authorized: Array<{ permission: string; user?: string }> = [];
    const permissions = mockServices.permissions.mock({
      authorize: async (requests, options) =>
        requests.map(r => {
          const user = (
            options.credentials.principal as { userEntityRef?: string }
          ).userEntityRef;
          authorized.push({ permission: r.permission.name, user });
          if (r.permission.name === finopsCostReadPermission.name)
            return { result: AuthorizeResult.ALLOW };
          return {
            result:
              r.permission.name === finopsBudgetSetPermission.name &&
              (r as { resourceRef?: string }).resourceRef ===
                'component:default/invoice-service' &&
              user === OWNER
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          };
        }),
    });
    const audits: Array<{ eventId: string; outcome?: string; meta?: any }> = [];
    const budgets = BudgetService.create({
      budgets: budgetStore,
      store,
      costs,
      permissions,
      auditor: {
        createEvent: async options => {
          const entry: (typeof audits)[number] = {
            eventId: options.eventId,
            meta: options.meta,
          };
          audits.push(entry);
          return {
            success: async () => {
              entry.outcome = 'success';
            },
            fail: async () => {
              entry.outcome = 'fail';
            },
          };
        },
      },
      logger: mockServices.logger.mock(),
      currency: 'EUR',
      now: () => NOW,
    });
    const app = express();
    app.use(
      createFinopsRouter({
        costs,
        budgets,
        catalog: catalogServiceMock({ entities: [service] }),
        httpAuth: mockServices.httpAuth({
          defaultCredentials: mockCredentials.none(),
        }),
        permissions,
        costJumpThresholdPercent: 25,
      }),
    );
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );
    return { app, budgetStore, audits, authorized };
  }

  const as = (user: string) => mockCredentials.user.header(user);

  it.each(databases.eachSupportedId())(
    'refuses every route to anonymous callers (401), %p',
    async databaseId => {
      const { app, budgetStore } = await setUp(databaseId);
      for (const url of [
        `${path}/costs`,
        `${path}/rightsizing`,
        '/teams/default/team-payments',
        '/organisation',
      ]) {
        expect((await request(app).get(url)).status).toBe(401);
      }
      const put = await request(app).put(`${path}/budget`).send({ amount: 10 });
      expect(put.status).toBe(401);
      expect(await budgetStore.get('component:default/invoice-service')).toBe(
        undefined,
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'answers a bad budget with 400 naming the problem, and stores nothing, %p',
    async databaseId => {
      const { app, budgetStore } = await setUp(databaseId);
      for (const body of [
        { amount: -5 },
        { amount: 0 },
        { amount: '100' },
        { amount: 1e13 },
        {},
        { amount: 10, currency: 'USD' },
      ]) {
        const res = await request(app)
          .put(`${path}/budget`)
          .set('Authorization', as(OWNER))
          .send(body);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(/amount|currency/);
      }
      expect(await budgetStore.get('component:default/invoice-service')).toBe(
        undefined,
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'lets an owner set a budget, audited; refuses another team (403), audited, nothing stored, %p',
    async databaseId => {
      const { app, budgetStore, audits, authorized } = await setUp(databaseId);
      const refused = await request(app)
        .put(`${path}/budget`)
        .set('Authorization', as(OUTSIDER))
        .send({ amount: 900 });
      expect(refused.status).toBe(403);
      expect(await budgetStore.get('component:default/invoice-service')).toBe(
        undefined,
      );
      expect(audits).toEqual([
        expect.objectContaining({ eventId: 'budget-set', outcome: 'fail' }),
      ]);
      // The permission was asked about the entity of the path, for that user.
      expect(authorized).toContainEqual({
        permission: finopsBudgetSetPermission.name,
        user: OUTSIDER,
      });

      const set = await request(app)
        .put(`${path}/budget`)
        .set('Authorization', as(OWNER))
        .send({ amount: 1234.567 });
      expect(set.status).toBe(200);
      expect(
        await budgetStore.get('component:default/invoice-service'),
      ).toMatchObject({ amount: 1234.57, currency: 'EUR', setBy: OWNER });
      expect(audits[1]).toMatchObject({
        eventId: 'budget-set',
        outcome: 'success',
        meta: { entityRef: 'component:default/invoice-service' },
      });

      const removed = await request(app)
        .put(`${path}/budget`)
        .set('Authorization', as(OWNER))
        .send({ amount: null });
      expect(removed.status).toBe(200);
      expect(await budgetStore.get('component:default/invoice-service')).toBe(
        undefined,
      );
    },
  );

  it.each(databases.eachSupportedId())(
    'answers an unknown entity with 404 and bad names with 400, %p',
    async databaseId => {
      const { app } = await setUp(databaseId);
      const missing = await request(app)
        .get('/entities/component/default/nope/costs')
        .set('Authorization', as(OWNER));
      expect(missing.status).toBe(404);
      const bad = await request(app)
        .get('/teams/default/team%20payments')
        .set('Authorization', as(OWNER));
      expect(bad.status).toBe(400);
      const empty = await request(app)
        .get(`${path}/costs`)
        .set('Authorization', as(OWNER));
      expect(empty.status).toBe(200);
      // Nothing ingested yet: an honest empty answer, not zeros dressed as data.
      expect(empty.body).toMatchObject({
        entityRef: 'component:default/invoice-service',
        currency: 'EUR',
        daily: [],
      });
      expect(empty.body.freshness.status).toBe('never');
    },
  );
});
