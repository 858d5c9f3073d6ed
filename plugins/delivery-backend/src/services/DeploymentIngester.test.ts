import { TestDatabaseId, TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { DeploymentStore } from '../database/DeploymentStore';
import { DeploymentIngester } from './DeploymentIngester';

jest.setTimeout(120_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe('DeploymentIngester against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ historyLimit: 10 });
  });
  afterAll(() => sandbox.stop());

  const services = (): Entity[] =>
    [...new Set(sandbox.world.apps.map(a => a.service))].map(name => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name, namespace: 'default', annotations: { 'argocd/app-selector': `backstage.io/kubernetes-id=${name}` } },
      spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
    }));

  async function setup(id: TestDatabaseId, urls: Record<string, string> = {}) {
    const knex = await databases.init(id);
    const store = await DeploymentStore.create({ database: { getClient: async () => knex, migrations: { skip: false } } });
    const clients = sandbox.info.argocd.map(a => new ArgoCdClient({ ...a, url: urls[a.name] ?? a.url }, { timeoutMs: 2000 }));
    let now = sandbox.clock.now();
    const ingester = DeploymentIngester.create({
      clients,
      store,
      catalog: catalogServiceMock({ entities: services() }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      clusterByServer: new Map(sandbox.info.kubernetes.map(k => [k.url, k.name])),
      now: () => now,
    });
    return { store, clients, ingester, advance: (ms: number) => (now += ms) };
  }

  it.each(databases.eachSupportedId())('stores every deploy once, with one list call per instance and one metadata call per new revision, %p', async id => {
    const { store, clients, ingester } = await setup(id);
    const first = await ingester.run();
    expect(first.instances.every(i => i.ok)).toBe(true);
    expect(first.services).toBe(services().length);
    expect(clients.map(c => c.calls.list)).toEqual([1, 1]);
    const metadataCalls = clients.reduce((n, c) => n + c.calls.metadata, 0);
    // Each app shows its last 10 history entries (Argo CD's limit here).
    const expectedRows = sandbox.world.apps.reduce(
      (n, a) => n + Math.min(10, a.deploys.filter(d => d.result !== 'failed' && d.result !== 'in-progress').length),
      0,
    );
    expect(first.instances.reduce((n, i) => n + i.deployments, 0)).toBeGreaterThanOrEqual(expectedRows);
    expect(metadataCalls).toBeLessThanOrEqual(expectedRows);

    // A second cycle: no duplicates, no metadata calls.
    await ingester.run();
    expect(clients.reduce((n, c) => n + c.calls.metadata, 0)).toBe(metadataCalls);
    const page = await store.timeline({ entityRef: 'component:default/checkout-service', environment: 'prod', limit: 100 });
    expect(page.items).toHaveLength(10);
    const app = sandbox.world.apps.find(a => a.name === 'checkout-service-prod')!;
    const live = sandbox.world.liveRevision(app);
    expect(page.items[0].revision).toBe(live);
    expect(page.items[0].commit?.author).toMatch(/<.+@.+>/);
    expect(page.items[0].cluster).toBe('prod-eu');
  });

  it.each(databases.eachSupportedId())('marks a deploy whose canary was aborted, and keeps it so after later deploys, %p', async id => {
    const { store, ingester } = await setup(id);
    const app = sandbox.world.apps.find(a => a.name === 'checkout-service-prod')!;
    const bad = '05'.padEnd(40, 'a'); // this hash fails its analysis in the sandbox
    sandbox.world.startDeploy(app, sandbox.clock.now(), 'ken.thompson', bad);
    sandbox.clock.advance(1000);
    sandbox.tick();
    const prod = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
    await fetch(`${prod.url}/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service/status`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${prod.token}`, 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { abort: true } }),
    });
    sandbox.clock.advance(1000);
    sandbox.tick();
    await ingester.run();
    const mine = async () =>
      (await store.timeline({ entityRef: 'component:default/checkout-service', environment: 'prod', limit: 100 })).items.find(
        d => d.revision === bad,
      );
    expect((await mine())?.result).toBe('canary-aborted');
    // A later good deploy: Argo CD's history still calls the bad one a
    // successful sync; the timeline keeps it aborted.
    sandbox.world.startDeploy(app, sandbox.clock.now(), 'ken.thompson', 'ee'.padEnd(40, 'b'));
    sandbox.clock.advance(1000);
    sandbox.tick();
    await ingester.run();
    expect((await mine())?.result).toBe('canary-aborted');
  });

  it.each(databases.eachSupportedId())('keeps history beyond Argo CD\'s limit as new deploys arrive, %p', async id => {
    const { store, ingester } = await setup(id);
    await ingester.run();
    const app = sandbox.world.apps.find(a => a.name === 'web-shop-dev')!;
    for (let i = 0; i < 3; i++) {
      sandbox.clock.advance(10 * 60_000);
      const d = sandbox.world.startDeploy(app, sandbox.clock.now(), 'ada.lovelace');
      sandbox.world.finishDeploy(d, 'succeeded', sandbox.clock.now() + 60_000);
    }
    await ingester.run();
    const page = await store.timeline({ entityRef: 'component:default/web-shop', environment: 'dev', limit: 100 });
    // 10 history entries seen first + 3 new ones (Argo CD itself shows 10);
    // failed syncs, which never enter Argo CD's history, come on top.
    expect(page.items.filter(d => d.historyId > 0)).toHaveLength(13);
    expect(page.items.filter(d => d.historyId < 0).every(d => d.result === 'failed')).toBe(true);
  });

  it.each(databases.eachSupportedId())('records an instance that is down, ingests the others, and backs off, %p', async id => {
    const { store, clients, ingester, advance } = await setup(id, { 'argocd-prod': 'http://127.0.0.1:1' });
    const run = await ingester.run();
    expect(run.instances.find(i => i.instance === 'argocd-prod')).toMatchObject({ ok: false, error: expect.stringMatching(/argocd-prod: unreachable/) });
    expect(run.instances.find(i => i.instance === 'argocd-nonprod')?.ok).toBe(true);
    const state = await store.ingestionState();
    expect(state.find(s => s.instance === 'argocd-prod')?.failures).toBe(1);
    // Within the backoff window the broken instance is not called again.
    advance(30_000);
    const again = await ingester.run();
    expect(again.instances.find(i => i.instance === 'argocd-prod')?.skipped).toBe(true);
    expect(clients[1].calls.list + clients[0].calls.list).toBe(3);
  });
});
