import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DeploymentRow, DeploymentStore, revisionKey } from './DeploymentStore';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

async function createStore(databaseId: TestDatabaseId) {
  const knex = await databases.init(databaseId);
  return DeploymentStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
}

const T0 = Date.parse('2026-11-01T00:00:00Z');
function row(i: number, overrides: Partial<DeploymentRow> = {}): DeploymentRow {
  return {
    entityRef: 'component:default/web-shop',
    environment: i % 2 ? 'prod' : 'dev',
    cluster: i % 2 ? 'prod-eu' : 'dev',
    instance: i % 2 ? 'argocd-prod' : 'argocd-nonprod',
    app: i % 2 ? 'web-shop-prod' : 'web-shop-dev',
    historyId: i,
    revision: `rev${i}`.padEnd(40, '0'),
    startedAt: new Date(T0 + i * 60_000),
    finishedAt: new Date(T0 + i * 60_000 + 30_000),
    result: i % 10 === 0 ? 'failed' : 'succeeded',
    ...overrides,
  };
}

describe('DeploymentStore', () => {
  it.each(databases.eachSupportedId())(
    're-ingestion adds new deploys and never rewrites stored ones, %p',
    async id => {
      const store = await createStore(id);
      await store.upsertDeployments([
        row(1, { previousRevision: 'rev0'.padEnd(40, '0') }),
        row(2, { result: 'rolled-back', previousRevision: row(1).revision }),
        row(3),
      ]);
      // Argo CD's window moved: the same deploys come back without what only
      // the stored history knew, and from another entity claiming the app.
      await store.upsertDeployments([
        row(1, { entityRef: 'component:default/intruder' }),
        row(2, {
          result: 'succeeded',
          entityRef: 'component:default/intruder',
        }),
        row(3, { result: 'canary-aborted' }),
        row(4),
      ]);
      const page = await store.timeline({
        entityRef: 'component:default/web-shop',
        limit: 10,
      });
      expect(
        page.items.map(d => [
          d.historyId,
          d.result,
          d.previousRevision?.slice(0, 4),
        ]),
      ).toEqual([
        [4, 'succeeded', undefined],
        [3, 'canary-aborted', undefined], // learnt after the sync: the one change allowed
        [2, 'rolled-back', 'rev1'],
        [1, 'succeeded', 'rev0'],
      ]);
      expect(
        (
          await store.timeline({
            entityRef: 'component:default/intruder',
            limit: 10,
          })
        ).items,
      ).toEqual([]);
      expect(page.items[0].startedAt).toBe(
        new Date(T0 + 4 * 60_000).toISOString(),
      );
      // An aborted canary is not turned back into a success either.
      await store.upsertDeployments([row(3, { result: 'succeeded' })]);
      expect(
        (
          await store.timeline({
            entityRef: 'component:default/web-shop',
            limit: 1,
            cursor: undefined,
            from: new Date(T0 + 3 * 60_000),
            to: new Date(T0 + 4 * 60_000),
          })
        ).items[0].result,
      ).toBe('canary-aborted');
    },
  );

  it.each(databases.eachSupportedId())(
    'lets an operation in flight end, and resolves it when history catches up, %p',
    async id => {
      const store = await createStore(id);
      const op = row(-100, {
        result: 'in-progress',
        finishedAt: undefined,
        startedAt: new Date(T0 + 60 * 60_000),
      });
      await store.upsertDeployments([op]);
      await store.upsertDeployments([
        { ...op, result: 'failed', finishedAt: new Date(T0 + 61 * 60_000) },
      ]);
      const [failed] = (
        await store.timeline({
          entityRef: 'component:default/web-shop',
          limit: 10,
        })
      ).items;
      expect([failed.result, failed.finishedAt]).toEqual([
        'failed',
        new Date(T0 + 61 * 60_000).toISOString(),
      ]);
      const running = row(-200, {
        result: 'in-progress',
        finishedAt: undefined,
        startedAt: new Date(T0 + 70 * 60_000),
      });
      const other = row(-300, {
        app: 'other-app',
        instance: running.instance,
        result: 'in-progress',
        startedAt: new Date(T0 + 70 * 60_000),
      });
      await store.upsertDeployments([running, other]);
      await store.resolveInProgress(running.instance, [
        { app: running.app, upTo: new Date(T0 + 80 * 60_000) },
        { app: 'other-app', upTo: new Date(T0 + 60 * 60_000) }, // its history has not caught up
      ]);
      const left = (
        await store.timeline({
          entityRef: 'component:default/web-shop',
          limit: 10,
        })
      ).items;
      expect(left.map(d => d.historyId)).toEqual([-300, -100]);
      // Aborted through Portolan while in flight: when history catches up,
      // its entry takes the abort over and the operation row goes.
      const aborting = row(-400, {
        result: 'canary-aborted',
        startedAt: new Date(T0 + 90 * 60_000),
        revision: 'abort'.padEnd(40, '0'),
      });
      await store.upsertDeployments([
        aborting,
        { ...aborting, historyId: 7, result: 'succeeded' },
      ]);
      await store.resolveInProgress(aborting.instance, [
        { app: aborting.app, upTo: new Date(T0 + 90 * 60_000) },
      ]);
      const after = (
        await store.timeline({
          entityRef: 'component:default/web-shop',
          limit: 10,
        })
      ).items;
      expect(
        after
          .filter(d => d.revision === aborting.revision)
          .map(d => [d.historyId, d.result]),
      ).toEqual([[7, 'canary-aborted']]);
    },
  );

  it.each(databases.eachSupportedId())(
    'answers what classification needs of the stored history, %p',
    async id => {
      const store = await createStore(id);
      const dev = (i: number, revision: string) =>
        row(i * 2, {
          historyId: i,
          revision,
          app: 'web-shop-dev',
          instance: 'argocd-nonprod',
        });
      await store.upsertDeployments([
        dev(1, 'a'),
        dev(2, 'b'),
        dev(3, 'a'),
        dev(4, 'c'),
        row(-5, {
          app: 'web-shop-dev',
          instance: 'argocd-nonprod',
          revision: 'z',
          result: 'failed',
        }),
      ]);
      const stored = await store.storedHistoryIds('argocd-nonprod', [
        { app: 'web-shop-dev', fromHistoryId: 3 },
        { app: 'nothing-stored', fromHistoryId: 1 },
      ]);
      expect([...(stored.get('web-shop-dev') ?? [])].sort()).toEqual([3, 4]);
      expect(stored.has('nothing-stored')).toBe(false);
      const prior = await store.priorDeploys('argocd-nonprod', [
        {
          app: 'web-shop-dev',
          beforeHistoryId: 4,
          revisions: ['a', 'c', 'z', 'new'],
        },
        { app: 'nothing-stored', beforeHistoryId: 1, revisions: ['a'] },
      ]);
      expect(Object.fromEntries(prior.lastRevisionBefore)).toEqual({
        'web-shop-dev': 'a',
      });
      // Failed operations (negative ids) are not history: z was never deployed.
      expect(Object.fromEntries(prior.firstDeployOf)).toEqual({
        'web-shop-dev\u0000a': 1,
        'web-shop-dev\u0000c': 4,
      });
    },
  );

  it.each(databases.eachSupportedId())(
    'pages with a cursor and filters, %p',
    async id => {
      const store = await createStore(id);
      await store.upsertDeployments(
        Array.from({ length: 25 }, (_, i) => row(i + 1)),
      );
      await store.upsertDeployments([
        row(100, { entityRef: 'component:default/other' }),
      ]);
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.timeline({
          entityRef: 'component:default/web-shop',
          limit: 10,
          cursor,
        });
        seen.push(...page.items.map(d => d.historyId));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));

      const prodFailed = await store.timeline({
        entityRef: 'component:default/web-shop',
        environment: 'prod',
        result: 'failed',
        limit: 10,
      });
      expect(prodFailed.items.map(d => d.historyId)).toEqual([]);
      const devFailed = await store.timeline({
        entityRef: 'component:default/web-shop',
        environment: 'dev',
        result: 'failed',
        limit: 10,
      });
      expect(devFailed.items.map(d => d.historyId)).toEqual([20, 10]);
      const window = await store.timeline({
        entityRef: 'component:default/web-shop',
        from: new Date(T0 + 5 * 60_000),
        to: new Date(T0 + 8 * 60_000),
        limit: 10,
      });
      expect(window.items.map(d => d.historyId)).toEqual([7, 6, 5]);
      await expect(
        store.timeline({ entityRef: 'x', cursor: 'garbage', limit: 10 }),
      ).rejects.toThrow("Invalid parameter 'cursor'");
    },
  );

  it.each(databases.eachSupportedId())(
    'stores revision metadata, reads it back by exact revision, and joins it into the timeline, %p',
    async id => {
      const store = await createStore(id);
      await store.upsertDeployments([
        row(1, { repoUrl: 'https://github.com/acme/web-shop.git' }),
        row(2),
      ]);
      const keys = [1, 2].map(i => ({
        instance: row(i).instance,
        app: row(i).app,
        revision: row(i).revision,
      }));
      expect(await store.missingRevisionMetadata(keys)).toEqual(keys);
      await store.putRevisionMetadata(
        keys[0].instance,
        keys[0].app,
        keys[0].revision,
        {
          author: 'Ada <ada@x>',
          message: 'Fix it',
          date: new Date(T0),
        },
      );
      expect(await store.missingRevisionMetadata(keys)).toEqual([keys[1]]);
      expect(await store.revisionMessages(keys)).toEqual(
        new Map([[revisionKey(keys[0]), 'Fix it']]),
      );
      // Another revision of the same app, stored but not asked for.
      await store.putRevisionMetadataMany([
        { ...keys[0], revision: 'other'.padEnd(40, '0'), meta: {} },
      ]);
      expect(await store.revisionMetadata(keys)).toEqual(
        new Map([
          [
            revisionKey(keys[0]),
            { author: 'Ada <ada@x>', message: 'Fix it', date: new Date(T0) },
          ],
        ]),
      );
      const page = await store.timeline({
        entityRef: 'component:default/web-shop',
        limit: 10,
      });
      expect(page.items.find(d => d.historyId === 1)?.commit).toEqual({
        author: 'Ada <ada@x>',
        message: 'Fix it',
        date: new Date(T0).toISOString(),
      });
      // The repository travels with the deploy: links are built from it.
      expect(page.items.find(d => d.historyId === 1)?.repoUrl).toBe(
        'https://github.com/acme/web-shop.git',
      );
      expect(page.items.find(d => d.historyId === 2)?.repoUrl).toBeUndefined();
    },
  );

  it.each(databases.eachSupportedId())(
    'records ingestion outcomes and applies retention, %p',
    async id => {
      const store = await createStore(id);
      await store.recordIngestion('argocd-prod', {
        at: new Date(T0),
        error: 'Argo CD instance argocd-prod: unreachable',
      });
      await store.recordIngestion('argocd-prod', {
        at: new Date(T0 + 1000),
        error: 'again',
      });
      expect(await store.ingestionState()).toEqual([
        {
          instance: 'argocd-prod',
          lastSuccessAt: undefined,
          lastAttemptAt: new Date(T0 + 1000),
          lastError: 'again',
          failures: 2,
        },
      ]);
      await store.recordIngestion('argocd-prod', { at: new Date(T0 + 2000) });
      expect((await store.ingestionState())[0]).toEqual({
        instance: 'argocd-prod',
        lastSuccessAt: new Date(T0 + 2000),
        lastAttemptAt: new Date(T0 + 2000),
        lastError: undefined,
        failures: 0,
      });
      await store.upsertDeployments([row(1), row(2), row(3)]);
      expect(await store.deleteOlderThan(new Date(T0 + 2.5 * 60_000))).toBe(2);
    },
  );
});
