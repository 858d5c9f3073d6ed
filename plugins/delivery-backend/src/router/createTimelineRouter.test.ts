import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import request from 'supertest';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { DeliveryCalendar } from '../services/DeliveryCalendar';
import { createTimelineRouter } from './createTimelineRouter';

jest.setTimeout(60_000);

// The clock is pinned: a Wednesday evening (UTC), already Thursday in Tokyo.
const NOW = Date.parse('2026-11-04T20:00:00Z');

describe('createTimelineRouter', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let app: express.Express;
  const user = mockCredentials.user.header();

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    const store = await DeploymentStore.create({
      database: { getClient: async () => knex, migrations: { skip: false } },
    });
    await store.upsertDeployments(
      Array.from({ length: 5 }, (_, i) => ({
        entityRef: 'component:default/web-shop',
        environment: 'prod',
        instance: 'argocd-prod',
        app: 'web-shop-prod',
        historyId: i + 1,
        revision: `r${i}`,
        startedAt: new Date(Date.UTC(2026, 10, 1, i)),
        result: 'succeeded' as const,
      })),
    );
    await store.upsertDeployments(
      [1, 2].map(i => ({
        entityRef: 'component:default/ledger',
        environment: 'dev',
        instance: 'argocd-nonprod',
        app: 'ledger-dev',
        historyId: i,
        revision: `l${i}`,
        startedAt: new Date(NOW - i),
        result: 'succeeded' as const,
      })),
    );
    // Wednesday noon UTC: today in London, yesterday in Tokyo.
    await store.upsertDeployments([
      {
        entityRef: 'component:default/ledger',
        environment: 'dev',
        instance: 'argocd-nonprod',
        app: 'ledger-dev',
        historyId: 3,
        revision: 'l3',
        startedAt: new Date('2026-11-04T12:00:00Z'),
        result: 'succeeded' as const,
      },
    ]);
    // Six days ago: in the last seven days, not in this week.
    const sixDaysAgo = new Date(NOW - 6 * 86_400_000);
    await store.upsertDeployments([
      {
        entityRef: 'component:default/ledger',
        environment: 'staging',
        instance: 'argocd-nonprod',
        app: 'ledger-staging',
        historyId: 1,
        revision: 'l0',
        startedAt: sixDaysAgo,
        result: 'succeeded' as const,
      },
    ]);
    await store.recordIngestion('argocd-prod', {
      at: new Date('2026-11-02T00:00:00Z'),
    });
    const rolloutActions = await RolloutActionStore.create({
      database: { getClient: async () => knex } as any,
    });
    for (const at of ['2026-11-01T03:30:00Z', '2026-11-01T00:30:00Z']) {
      await rolloutActions.add({
        entityRef: 'component:default/web-shop',
        environment: 'prod',
        cluster: 'prod-eu',
        namespace: 'shop',
        rollout: 'web-shop',
        action: 'promote',
        actor: 'user:default/ada',
        at: new Date(at),
        stepBefore: 1,
        stepAfter: 3,
        phaseBefore: 'Paused',
        phaseAfter: 'Paused',
      });
    }
    app = express();
    app.use(
      createTimelineRouter({
        store,
        rolloutActions,
        catalog: catalogServiceMock({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'web-shop', namespace: 'default' },
              spec: { owner: 'team-storefront', system: 'storefront' },
              relations: [
                { type: 'ownedBy', targetRef: 'group:default/team-storefront' },
                { type: 'partOf', targetRef: 'system:default/storefront' },
              ],
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Component',
              metadata: { name: 'ledger', namespace: 'default' },
              spec: { owner: 'team-payments' },
              relations: [
                { type: 'ownedBy', targetRef: 'group:default/team-payments' },
              ],
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Group',
              metadata: { name: 'team-storefront', namespace: 'default' },
              spec: {},
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'Group',
              metadata: { name: 'team-payments', namespace: 'default' },
              spec: {},
            },
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'System',
              metadata: { name: 'storefront', namespace: 'default' },
              spec: {},
            },
          ],
        }),
        httpAuth: mockServices.httpAuth({
          defaultCredentials: mockCredentials.none(),
        }),
        calendar: DeliveryCalendar.create({ now: () => NOW }),
      }),
    );
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );
  });

  it('pages through an entity timeline and says when data was last ingested', async () => {
    const first = await request(app)
      .get('/entities/component/default/web-shop/deployments?limit=3')
      .set('Authorization', user);
    expect(first.status).toBe(200);
    expect(first.body.items.map((d: any) => d.historyId)).toEqual([5, 4, 3]);
    expect(first.body.lastIngestedAt).toBe('2026-11-02T00:00:00.000Z');
    const second = await request(app)
      .get(
        `/entities/component/default/web-shop/deployments?limit=3&cursor=${first.body.nextCursor}`,
      )
      .set('Authorization', user);
    expect(second.body.items.map((d: any) => d.historyId)).toEqual([2, 1]);
    // Canary actions come with the page covering their time.
    expect(first.body.actions.map((a: any) => a.at)).toEqual([
      '2026-11-01T03:30:00.000Z',
    ]);
    expect(second.body.actions.map((a: any) => a.at)).toEqual([
      '2026-11-01T00:30:00.000Z',
    ]);
    expect(second.body.nextCursor).toBeUndefined();
  });

  it.each([
    ['limit=0', 'limit'],
    ['result=exploded', 'result'],
    ['from=yesterday', 'from'],
    ['cursor=nonsense', 'cursor'],
    ['colour=blue', 'colour'],
  ])('answers 400 naming the parameter for %s', async (qs, param) => {
    const res = await request(app)
      .get(`/entities/component/default/web-shop/deployments?${qs}`)
      .set('Authorization', user);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`Invalid parameter '${param}'`);
  });

  it('computes DORA figures for an entity over full weeks, the week in progress apart', async () => {
    const res = await request(app)
      .get('/entities/component/default/web-shop/dora?weeks=52')
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('component:default/web-shop');
    expect(res.body.timeZone).toBe('UTC');
    expect(res.body.weeks).toHaveLength(52);
    expect(res.body.weeks[51].weekStart).toBe('2026-10-26T00:00:00.000Z'); // the last full week
    expect(res.body.weekInProgress).toMatchObject({
      weekStart: '2026-11-02T00:00:00.000Z',
      deployments: 0,
    });
    expect(res.body.total).toMatchObject({
      deployments: 5,
      changeFailureRate: 0,
      deploymentsPerWeek: 5 / 52,
    });
    expect(
      res.body.weeks
        .filter((w: any) => w.deployments)
        .map((w: any) => w.weekStart),
    ).toEqual(['2026-10-26T00:00:00.000Z']);
    // The same deploys, by the weeks of Tokyo.
    const tokyo = await request(app)
      .get(
        '/entities/component/default/web-shop/dora?weeks=1&timeZone=Asia/Tokyo',
      )
      .set('Authorization', user);
    expect(tokyo.body.weeks).toEqual([
      expect.objectContaining({
        weekStart: '2026-10-25T15:00:00.000Z',
        deployments: 5,
      }),
    ]);
    const team = await request(app)
      .get('/teams/default/team-storefront/dora?weeks=4')
      .set('Authorization', user);
    expect(team.body).toMatchObject({
      subject: 'group:default/team-storefront',
      total: { deployments: 5 },
    });
    for (const [qs, param] of [
      ['weeks=0', 'weeks'],
      ['timeZone=Mars/Olympus', 'timeZone'],
    ]) {
      const bad = await request(app)
        .get(`/entities/component/default/web-shop/dora?${qs}`)
        .set('Authorization', user);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain(`Invalid parameter '${param}'`);
    }
    expect(
      (
        await request(app)
          .get('/teams/default/nobody/dora')
          .set('Authorization', user)
      ).status,
    ).toBe(404);
  });

  it("lists a team's, a system's and the whole organisation's deploys", async () => {
    const get = (path: string) =>
      request(app).get(path).set('Authorization', user);
    const team = await get('/teams/default/team-storefront/deployments');
    expect(team.status).toBe(200);
    expect(team.body.items.map((d: any) => d.entityRef)).toEqual(
      Array(5).fill('component:default/web-shop'),
    );
    const system = await get('/systems/default/storefront/deployments?limit=2');
    expect(system.body.items).toHaveLength(2);
    expect(system.body.nextCursor).toBeDefined();
    const org = await get('/deployments');
    expect(org.body.items.map((d: any) => d.app).slice(0, 3)).toEqual([
      'ledger-dev',
      'ledger-dev',
      'ledger-dev',
    ]);
    expect(org.body.items).toHaveLength(9);
    const payments = await get(
      '/deployments?owner=group:default/team-payments&environment=dev',
    );
    expect(payments.body.items).toHaveLength(3);
    const bad = await get('/deployments?owner=user:default/ada');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("Invalid parameter 'owner'");
    expect((await get('/teams/default/nobody/deployments')).status).toBe(404);
  });

  it("counts deploys today, this week and in the last seven days, in the caller's time zone", async () => {
    const res = await request(app)
      .get('/deployments/summary')
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      today: 3,
      thisWeek: 3, // web-shop's deploys were on Sunday
      lastSevenDays: 9,
      timeZone: 'UTC',
      since: {
        today: '2026-11-04T00:00:00.000Z',
        thisWeek: '2026-11-02T00:00:00.000Z',
        lastSevenDays: '2026-10-28T20:00:00.000Z',
      },
    });
    const tokyo = await request(app)
      .get('/deployments/summary?timeZone=Asia/Tokyo')
      .set('Authorization', user);
    expect(tokyo.body).toMatchObject({
      today: 2,
      thisWeek: 3,
      timeZone: 'Asia/Tokyo',
      since: {
        today: '2026-11-04T15:00:00.000Z',
        thisWeek: '2026-11-01T15:00:00.000Z',
      },
    });
    const staging = await request(app)
      .get('/deployments/summary?environment=staging')
      .set('Authorization', user);
    expect(staging.body).toMatchObject({ today: 0, lastSevenDays: 1 });
    const storefront = await request(app)
      .get('/deployments/summary?owner=team-storefront')
      .set('Authorization', user);
    expect(storefront.body).toMatchObject({ today: 0, lastSevenDays: 5 });
    const bad = await request(app)
      .get('/deployments/summary?tz=-60')
      .set('Authorization', user);
    expect(bad.status).toBe(400);
  });

  it('answers 404 for an entity not in the catalog, 401 without credentials', async () => {
    const missing = await request(app)
      .get('/entities/component/default/nope/deployments')
      .set('Authorization', user);
    expect(missing.status).toBe(404);
    const anonymous = await request(app).get(
      '/entities/component/default/web-shop/deployments',
    );
    expect(anonymous.status).toBe(401);
  });
});
