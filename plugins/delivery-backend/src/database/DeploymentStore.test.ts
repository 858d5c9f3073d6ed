import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import { DeploymentRow, DeploymentStore } from './DeploymentStore';

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
  it.each(databases.eachSupportedId())('re-ingestion updates instead of duplicating, %p', async id => {
    const store = await createStore(id);
    await store.upsertDeployments([row(1), row(2)]);
    await store.upsertDeployments([row(1, { result: 'rolled-back' }), row(2), row(3)]);
    const page = await store.timeline({ entityRef: 'component:default/web-shop', limit: 10 });
    expect(page.items.map(d => [d.historyId, d.result])).toEqual([
      [3, 'succeeded'],
      [2, 'succeeded'],
      [1, 'rolled-back'],
    ]);
    expect(page.items[0].startedAt).toBe(new Date(T0 + 3 * 60_000).toISOString());
  });

  it.each(databases.eachSupportedId())('pages with a cursor and filters, %p', async id => {
    const store = await createStore(id);
    await store.upsertDeployments(Array.from({ length: 25 }, (_, i) => row(i + 1)));
    await store.upsertDeployments([row(100, { entityRef: 'component:default/other' })]);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.timeline({ entityRef: 'component:default/web-shop', limit: 10, cursor });
      seen.push(...page.items.map(d => d.historyId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => 25 - i));

    const prodFailed = await store.timeline({ entityRef: 'component:default/web-shop', environment: 'prod', result: 'failed', limit: 10 });
    expect(prodFailed.items.map(d => d.historyId)).toEqual([]);
    const devFailed = await store.timeline({ entityRef: 'component:default/web-shop', environment: 'dev', result: 'failed', limit: 10 });
    expect(devFailed.items.map(d => d.historyId)).toEqual([20, 10]);
    const window = await store.timeline({
      entityRef: 'component:default/web-shop',
      from: new Date(T0 + 5 * 60_000),
      to: new Date(T0 + 8 * 60_000),
      limit: 10,
    });
    expect(window.items.map(d => d.historyId)).toEqual([7, 6, 5]);
    await expect(store.timeline({ entityRef: 'x', cursor: 'garbage', limit: 10 })).rejects.toThrow(
      "Invalid parameter 'cursor'",
    );
  });

  it.each(databases.eachSupportedId())('caches revision metadata and joins it into the timeline, %p', async id => {
    const store = await createStore(id);
    await store.upsertDeployments([row(1), row(2)]);
    const keys = [1, 2].map(i => ({ instance: row(i).instance, app: row(i).app, revision: row(i).revision }));
    expect(await store.missingRevisionMetadata(keys)).toEqual(keys);
    await store.putRevisionMetadata(keys[0].instance, keys[0].app, keys[0].revision, {
      author: 'Ada <ada@x>',
      message: 'Fix it',
      date: new Date(T0),
    });
    expect(await store.missingRevisionMetadata(keys)).toEqual([keys[1]]);
    const page = await store.timeline({ entityRef: 'component:default/web-shop', limit: 10 });
    expect(page.items.find(d => d.historyId === 1)?.commit).toEqual({
      author: 'Ada <ada@x>',
      message: 'Fix it',
      date: new Date(T0).toISOString(),
    });
  });

  it.each(databases.eachSupportedId())('records ingestion outcomes and applies retention, %p', async id => {
    const store = await createStore(id);
    await store.recordIngestion('argocd-prod', { at: new Date(T0), error: 'Argo CD instance argocd-prod: unreachable' });
    await store.recordIngestion('argocd-prod', { at: new Date(T0 + 1000), error: 'again' });
    expect(await store.ingestionState()).toEqual([
      { instance: 'argocd-prod', lastSuccessAt: undefined, lastAttemptAt: new Date(T0 + 1000), lastError: 'again', failures: 2 },
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
  });
});
