import {
  TestDatabaseId,
  TestDatabases,
  mockServices,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutsClient } from '../clients/RolloutsClient';
import { DeploymentIngester } from './DeploymentIngester';

jest.setTimeout(180_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
type Sandbox = Awaited<ReturnType<typeof startTestSandbox>>;

const service = (
  name: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-a' },
});

/** The sandbox CA, as a kubeconfig's certificate-authority-data (when its Kubernetes serves TLS). */
const caDataOf = (sandbox: Sandbox) => {
  const ca = (sandbox.info as { ca?: string }).ca;
  return ca ? Buffer.from(ca).toString('base64') : undefined;
};

/** The catalog's cluster Resources; `environments` overrides their annotation. */
const clusterResources = (
  sandbox: Sandbox,
  environments: Record<string, string> = {},
): Entity[] =>
  sandbox.info.kubernetes.map(k => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: k.name,
      namespace: 'default',
      annotations: {
        'portolan.dev/environment': environments[k.name] ?? k.environment,
      },
    },
    spec: { type: 'kubernetes-cluster', owner: 'team-platform' },
  }));

/** Every sandbox service, claiming its apps as the catalog does. */
const services = (sandbox: Sandbox): Entity[] =>
  [...new Set(sandbox.world.apps.map(a => a.service))].map(name =>
    service(name, {
      'argocd/app-selector': `backstage.io/kubernetes-id=${name}`,
      'backstage.io/kubernetes-id': name,
    }),
  );

async function setup(
  sandbox: Sandbox,
  id: TestDatabaseId,
  options: {
    entities?: Entity[];
    urls?: Record<string, string>;
    knex?: Awaited<ReturnType<typeof databases.init>>;
    metadataConcurrency?: number;
  } = {},
) {
  const knex = options.knex ?? (await databases.init(id));
  const store = await DeploymentStore.create({
    database: { getClient: async () => knex, migrations: { skip: false } },
  });
  const clients = sandbox.info.argocd.map(
    a =>
      new ArgoCdClient(
        { ...a, url: options.urls?.[a.name] ?? a.url },
        { timeoutMs: 2000 },
      ),
  );
  const rollouts = sandbox.info.kubernetes.map(
    k =>
      new RolloutsClient(
        { ...k, skipTLSVerify: false, caData: caDataOf(sandbox) },
        2000,
      ),
  );
  const rolloutLists = rollouts.map(r => jest.spyOn(r, 'listRollouts'));
  let now = sandbox.clock.now();
  const ingester = DeploymentIngester.create({
    clients,
    rollouts,
    store,
    catalog: catalogServiceMock({
      entities: options.entities ?? [
        ...services(sandbox),
        ...clusterResources(sandbox),
      ],
    }),
    auth: mockServices.auth(),
    logger: mockServices.logger.mock(),
    clusterByServer: new Map(sandbox.info.kubernetes.map(k => [k.url, k.name])),
    now: () => now,
    metadataConcurrency: options.metadataConcurrency,
  });
  return {
    knex,
    store,
    clients,
    rollouts,
    rolloutLists,
    ingester,
    advance: (ms: number) => (now += ms),
  };
}

const timeline = async (
  store: DeploymentStore,
  entityRef: string,
  environment?: string,
) => (await store.timeline({ entityRef, environment, limit: 200 })).items;

describe('DeploymentIngester against the sandbox (Argo CD history limit 10)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ historyLimit: 10 });
  });
  afterAll(() => sandbox.stop());

  it.each(databases.eachSupportedId())(
    'stores every deploy once, with one list call per instance and per cluster, and one metadata call per new revision, %p',
    async id => {
      const { store, clients, rolloutLists, ingester } = await setup(
        sandbox,
        id,
      );
      const first = await ingester.run();
      expect(first.instances.every(i => i.ok)).toBe(true);
      expect(first.services).toBe(services(sandbox).length);
      expect(clients.map(c => c.calls.list)).toEqual([1, 1]);
      expect(rolloutLists.map(l => l.mock.calls.length)).toEqual(
        sandbox.info.kubernetes.map(() => 1),
      );
      expect(first.clusters.every(c => c.ok && c.rollouts >= 0)).toBe(true);
      const metadataCalls = clients.reduce((n, c) => n + c.calls.metadata, 0);
      // Each app shows its last 10 history entries (Argo CD's limit here).
      const expectedRows = sandbox.world.apps.reduce(
        (n, a) =>
          n +
          Math.min(
            10,
            a.deploys.filter(
              d => d.result !== 'failed' && d.result !== 'in-progress',
            ).length,
          ),
        0,
      );
      expect(
        first.instances.reduce((n, i) => n + i.newDeployments, 0),
      ).toBeGreaterThanOrEqual(expectedRows);
      expect(metadataCalls).toBeLessThanOrEqual(expectedRows);

      // A second cycle: nothing new, no metadata calls.
      const second = await ingester.run();
      expect(second.instances.reduce((n, i) => n + i.newDeployments, 0)).toBe(
        0,
      );
      expect(clients.reduce((n, c) => n + c.calls.metadata, 0)).toBe(
        metadataCalls,
      );
      expect(rolloutLists.map(l => l.mock.calls.length)).toEqual(
        sandbox.info.kubernetes.map(() => 2),
      );
      const items = await timeline(
        store,
        'component:default/checkout-service',
        'prod',
      );
      expect(items).toHaveLength(10);
      const app = sandbox.world.apps.find(
        a => a.name === 'checkout-service-prod',
      )!;
      expect(items[0].revision).toBe(sandbox.world.liveRevision(app));
      expect(items[0].commit?.author).toMatch(/<.+@.+>/);
      expect(items[0].cluster).toBe('prod-eu');
    },
  );

  it.each(databases.eachSupportedId())(
    "marks a deploy whose canary was aborted, read from the cluster's Rollouts, and keeps it so, %p",
    async id => {
      const { store, rollouts, ingester } = await setup(sandbox, id);
      const app = sandbox.world.apps.find(
        a => a.name === 'checkout-service-prod',
      )!;
      const bad = '05'.padEnd(40, 'a');
      sandbox.world.startDeploy(app, sandbox.clock.now(), 'ken.thompson', bad);
      sandbox.clock.advance(1000);
      sandbox.tick();
      const prod = rollouts.find(r => r.cluster.name === 'prod-eu')!;
      const live = await prod.getRollout(app.namespace, app.service);
      await prod.patchRollout(
        app.namespace,
        app.service,
        { status: { abort: true } },
        live.metadata.resourceVersion,
      );
      sandbox.clock.advance(1000);
      sandbox.tick();
      await ingester.run();
      const mine = async () =>
        (
          await timeline(store, 'component:default/checkout-service', 'prod')
        ).find(d => d.revision === bad);
      expect((await mine())?.result).toBe('canary-aborted');
      // A later good deploy: Argo CD's history still calls the bad one a
      // successful sync, and the Rollout has moved on; the timeline keeps it.
      sandbox.world.startDeploy(
        app,
        sandbox.clock.now(),
        'ken.thompson',
        'ee'.padEnd(40, 'b'),
      );
      sandbox.clock.advance(1000);
      sandbox.tick();
      await ingester.run();
      expect((await mine())?.result).toBe('canary-aborted');
    },
  );

  /** Counts each client's revision metadata calls in flight; returns the peaks. */
  function trackMetadataInFlight(clients: ArgoCdClient[]) {
    const peaks = clients.map(() => 0);
    clients.forEach((client, i) => {
      const original = client.getRevisionMetadata.bind(client);
      let inFlight = 0;
      jest
        .spyOn(client, 'getRevisionMetadata')
        .mockImplementation(async (app, revision) => {
          peaks[i] = Math.max(peaks[i], ++inFlight);
          try {
            // Slow enough that every free slot fills before any answer.
            await new Promise(r => setTimeout(r, 5));
            return await original(app, revision);
          } finally {
            inFlight--;
          }
        });
    });
    return peaks;
  }

  it.each(databases.eachSupportedId())(
    'keeps at most 8 revision metadata calls in flight per instance (or as configured), %p',
    async id => {
      const byDefault = await setup(sandbox, id);
      const peaks = trackMetadataInFlight(byDefault.clients);
      const run = await byDefault.ingester.run();
      // Each instance has many more than 8 revisions to look up.
      expect(run.instances.map(i => i.metadataCalls > 20)).toEqual([
        true,
        true,
      ]);
      expect(peaks).toEqual([8, 8]);

      const narrow = await setup(sandbox, id, { metadataConcurrency: 3 });
      const narrowPeaks = trackMetadataInFlight(narrow.clients);
      await narrow.ingester.run();
      expect(narrowPeaks).toEqual([3, 3]);
      // Every revision still got its metadata.
      const items = await timeline(
        narrow.store,
        'component:default/checkout-service',
      );
      expect(items.every(d => d.commit?.author)).toBe(true);
    },
  );

  it.each(databases.eachSupportedId())(
    'records an instance that is down, ingests the others, and backs off, %p',
    async id => {
      const { store, clients, ingester, advance } = await setup(sandbox, id, {
        urls: { 'argocd-prod': 'http://127.0.0.1:1' },
      });
      const run = await ingester.run();
      expect(
        run.instances.find(i => i.instance === 'argocd-prod'),
      ).toMatchObject({
        ok: false,
        error: expect.stringMatching(/argocd-prod: unreachable/),
      });
      expect(run.instances.find(i => i.instance === 'argocd-nonprod')?.ok).toBe(
        true,
      );
      const state = await store.ingestionState();
      expect(state.find(s => s.instance === 'argocd-prod')?.failures).toBe(1);
      // Within the backoff window the broken instance is not called again.
      advance(30_000);
      const again = await ingester.run();
      expect(
        again.instances.find(i => i.instance === 'argocd-prod')?.skipped,
      ).toBe(true);
      expect(clients[1].calls.list + clients[0].calls.list).toBe(3);
    },
  );
});

describe('DeploymentIngester: durable history against a short Argo CD window (history limit 3)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ historyLimit: 3 });
  });
  afterAll(() => sandbox.stop());

  /** A deploy that takes a minute, then ten minutes of quiet. */
  function deploy(appName: string, revision?: string, message?: string) {
    const app = sandbox.world.apps.find(a => a.name === appName)!;
    sandbox.clock.advance(10 * 60_000);
    const d = sandbox.world.startDeploy(
      app,
      sandbox.clock.now(),
      'ada.lovelace',
      revision,
    );
    if (message) d.message = message;
    sandbox.world.finishDeploy(d, 'succeeded', sandbox.clock.now() + 60_000);
    return d.revision;
  }

  it.each(databases.eachSupportedId())(
    'classifies each deploy once against the stored history, over many cycles, %p',
    async id => {
      const { store, ingester } = await setup(sandbox, id);
      const app = 'web-shop-dev';
      await ingester.run();
      const seen = (await timeline(store, 'component:default/web-shop', 'dev'))
        .length;
      expect(seen).toBe(3); // all Argo CD shows

      const a = deploy(app);
      await ingester.run();
      const b = deploy(app);
      await ingester.run();
      const rollback = deploy(app, a); // a sync back to a
      await ingester.run();
      for (let i = 0; i < 4; i++) {
        deploy(app);
        await ingester.run();
      }
      // Rolled back to a revision only the store still knows (Argo CD shows 3).
      const late = deploy(app, b);
      await ingester.run();
      const revert = deploy(
        app,
        undefined,
        `Revert "Cache catalogue lookups"\n\nThis reverts commit ${b}.`,
      );
      for (let i = 0; i < 4; i++) {
        await ingester.run();
        deploy(app);
      }
      await ingester.run();

      const items = (await timeline(store, 'component:default/web-shop', 'dev'))
        .filter(d => d.historyId >= 0)
        .reverse();
      expect(items).toHaveLength(seen + 13);
      const byRevision = (rev: string) =>
        items.filter(d => d.revision === rev).map(d => d.result);
      expect(rollback).toBe(a);
      expect(byRevision(a)).toEqual(['succeeded', 'rolled-back']);
      expect(byRevision(b)).toEqual(['succeeded', 'rolled-back']);
      expect(late).toBe(b);
      expect(byRevision(revert)).toEqual(['rolled-back']);
      expect(
        items.slice(seen).filter(d => d.result === 'rolled-back'),
      ).toHaveLength(3);
      // Every deploy after the first cycle knows what it replaced, although
      // its predecessor had long left Argo CD's window.
      items
        .slice(1)
        .forEach((d, i) =>
          expect([d.historyId, d.previousRevision]).toEqual([
            d.historyId,
            items[i].revision,
          ]),
        );
    },
  );

  it.each(databases.eachSupportedId())(
    "attributes deploys by the cluster Resource's environment, apps without Portolan labels included, %p",
    async id => {
      // An app as real Argo CD has it: no Portolan labels, claimed by name.
      if (!sandbox.world.apps.some(a => a.name === 'billing-live')) {
        const template = sandbox.world.apps.find(a => a.cluster === 'prod-eu')!;
        sandbox.world.addApp({
          ...template,
          name: 'billing-live',
          service: 'billing',
          deploys: [],
          labels: {},
        } as typeof template);
        deploy('billing-live');
      }
      const entities = [
        ...services(sandbox),
        service('billing', { 'argocd/app-name': 'billing-live' }),
        ...clusterResources(sandbox, { 'prod-eu': 'production-eu' }),
      ];
      const { store, ingester } = await setup(sandbox, id, { entities });
      await ingester.run();
      const billing = await timeline(store, 'component:default/billing');
      expect(billing.map(d => [d.app, d.environment, d.cluster])).toEqual([
        ['billing-live', 'production-eu', 'prod-eu'],
      ]);
      // The sandbox's apps carry a portolan.dev/environment label: it plays no part.
      const checkout = await timeline(
        store,
        'component:default/checkout-service',
      );
      expect(
        new Set(
          checkout.filter(d => d.cluster === 'prod-eu').map(d => d.environment),
        ),
      ).toEqual(new Set(['production-eu']));
      expect(
        new Set(
          checkout.filter(d => d.cluster === 'dev').map(d => d.environment),
        ),
      ).toEqual(new Set(['dev']));
    },
  );

  it.each(databases.eachSupportedId())(
    'gives an app two services claim to neither, never moves stored deploys, and ignores selectors with no key=value, %p',
    async id => {
      const first = await setup(sandbox, id);
      await first.ingester.run();
      const before = await timeline(
        first.store,
        'component:default/cart-service',
      );
      expect(before.length).toBeGreaterThan(0);

      // A copied selector: both claim cart-service's apps.
      const copycat = service('copycat', {
        'argocd/app-selector': 'backstage.io/kubernetes-id=cart-service',
      });
      const greedy = service('greedy', {
        'argocd/app-selector': 'team!=nobody',
      });
      const contested = await setup(sandbox, id, {
        knex: first.knex,
        entities: [
          ...services(sandbox),
          copycat,
          greedy,
          ...clusterResources(sandbox),
        ],
      });
      deploy('cart-service-dev');
      const summary = await contested.ingester.run();
      expect(summary.contestedApps.map(c => [c.app, c.claimedBy])).toEqual(
        expect.arrayContaining([
          [
            'cart-service-dev',
            ['component:default/cart-service', 'component:default/copycat'],
          ],
        ]),
      );
      expect(summary.ignoredClaims).toEqual([
        expect.objectContaining({
          entityRef: 'component:default/greedy',
          annotation: 'argocd/app-selector',
        }),
      ]);
      expect(
        await timeline(contested.store, 'component:default/copycat'),
      ).toEqual([]);
      expect(
        await timeline(contested.store, 'component:default/greedy'),
      ).toEqual([]);
      // Neither gets the new deploy; the stored ones stay where they were.
      expect(
        (await timeline(contested.store, 'component:default/cart-service')).map(
          d => d.id,
        ),
      ).toEqual(before.map(d => d.id));

      // The rightful owner drops its claim: the copycat gets new deploys only.
      const takeover = await setup(sandbox, id, {
        knex: first.knex,
        entities: [
          ...services(sandbox).filter(e => e.metadata.name !== 'cart-service'),
          copycat,
          ...clusterResources(sandbox),
        ],
      });
      await takeover.ingester.run();
      expect(
        (await timeline(takeover.store, 'component:default/cart-service')).map(
          d => d.id,
        ),
      ).toEqual(before.map(d => d.id));
      const taken = await timeline(takeover.store, 'component:default/copycat');
      expect(taken.map(d => d.app)).toEqual(['cart-service-dev']);
      expect(before.some(d => d.id === taken[0].id)).toBe(false);
    },
  );
});
