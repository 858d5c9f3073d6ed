import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ArgoCdClient } from '@portolan/argocd-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { Knex } from 'knex';
import http from 'node:http';
import { DeploymentStore, revisionKey } from '../database/DeploymentStore';
import { EnvironmentsService } from './EnvironmentsService';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const cluster = (
  name: string,
  environment: string,
  instance: string,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'portolan.dev/environment': environment,
      'portolan.dev/argocd-instance': instance,
    },
  },
  spec: { type: 'kubernetes-cluster', owner: 'team-platform' },
});

const service = (
  name: string,
  annotations: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': name, ...annotations },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-payments' },
  relations: ['dev', 'staging', 'prod-eu'].map(c => ({
    type: 'dependsOn',
    targetRef: `resource:default/${c}`,
  })),
});

const entities = [
  cluster('dev', 'dev', 'argocd-nonprod'),
  cluster('staging', 'staging', 'argocd-nonprod'),
  cluster('prod-eu', 'prod', 'argocd-prod'),
  service('checkout-service', {
    'argocd/app-selector': 'backstage.io/kubernetes-id=checkout-service',
  }),
  service('ghost-service', { 'argocd/app-name': 'ghost-service-prod' }),
];

describe('EnvironmentsService against the sandbox', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let hanging: http.Server;
  let hangingUrl: string;
  const credentials = mockCredentials.user();

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // An "Argo CD" that accepts connections and never answers.
    hanging = http.createServer(() => {});
    await new Promise<void>(r => hanging.listen(0, '127.0.0.1', r));
    hangingUrl = `http://127.0.0.1:${(hanging.address() as any).port}`;
  });
  afterAll(async () => {
    await sandbox.stop();
    hanging.closeAllConnections();
    await new Promise(r => hanging.close(r));
  });

  /**
   * A service (one replica) over its own Argo CD clients; its delivery
   * store on `knex` (a fresh SQLite database unless given).
   */
  async function service_(
    options: {
      overrides?: Record<
        string,
        Partial<{ url: string; password: string; token: string }>
      >;
      knex?: Knex;
    } = {},
  ) {
    const clients = sandbox.info.argocd.map(
      a =>
        new ArgoCdClient(
          {
            name: a.name,
            url: a.url,
            username: a.username,
            password: a.password,
            ...options.overrides?.[a.name],
          },
          { timeoutMs: 2000 },
        ),
    );
    const clusterByServer = new Map(
      sandbox.info.kubernetes.map(k => [k.url, k.name]),
    );
    const knex = options.knex ?? (await databases.init('SQLITE_3'));
    const store = await DeploymentStore.create({
      database: { getClient: async () => knex, migrations: { skip: false } },
    });
    return {
      clients,
      store,
      svc: EnvironmentsService.create({
        clients,
        catalog: catalogServiceMock({ entities }),
        clusterByServer,
        logger: mockServices.logger.mock(),
        revisions: store,
      }),
    };
  }

  it('shows each environment live: cluster, app, sync, health, revision and commit', async () => {
    const { svc, clients } = await service_();
    const res = await svc.getServiceEnvironments(
      { kind: 'component', namespace: 'default', name: 'checkout-service' },
      credentials,
    );
    expect(
      res.environments.map(e => [
        e.environment,
        e.cluster.name,
        e.instance,
        e.app?.name,
      ]),
    ).toEqual([
      ['dev', 'dev', 'argocd-nonprod', 'checkout-service-dev'],
      ['staging', 'staging', 'argocd-nonprod', 'checkout-service-staging'],
      ['prod', 'prod-eu', 'argocd-prod', 'checkout-service-prod'],
    ]);
    const world = sandbox.world.apps.find(
      a => a.name === 'checkout-service-prod',
    )!;
    const prod = res.environments[2].app!;
    expect(prod.revision).toBe(sandbox.world.liveRevision(world));
    expect(prod.sync).toBe('Synced');
    expect(prod.commit?.author).toMatch(/@portolan\.example|bot@/);
    expect(prod.url).toBe(
      `${sandbox.info.argocd[1].url}/applications/checkout-service-prod`,
    );
    // One list call per instance, one metadata call per environment...
    expect(clients.map(c => c.calls.list)).toEqual([1, 1]);
    expect(clients.map(c => c.calls.metadata)).toEqual([2, 1]);
    // ...and the next view reads it from the delivery store.
    await svc.getServiceEnvironments(
      { kind: 'component', namespace: 'default', name: 'checkout-service' },
      credentials,
    );
    expect(clients.map(c => c.calls.metadata)).toEqual([2, 1]);
  });

  it.each(databases.eachSupportedId())(
    'keeps revision metadata in the delivery store: another replica over the same database, or a restart, asks Argo CD for none, %p',
    async id => {
      const knex = await databases.init(id);
      const ref = {
        kind: 'component',
        namespace: 'default',
        name: 'checkout-service',
      };
      const first = await service_({ knex });
      const seen = await first.svc.getServiceEnvironments(ref, credentials);
      expect(first.clients.map(c => c.calls.metadata)).toEqual([2, 1]);
      // What it asked is stored, under the keys ingestion uses.
      const keys = seen.environments.map(e => ({
        instance: e.instance,
        app: e.app!.name,
        revision: e.app!.revision!,
      }));
      const stored = await first.store.revisionMetadata(keys);
      expect(keys.map(k => stored.get(revisionKey(k))?.author)).toEqual(
        seen.environments.map(e => e.app!.commit!.author),
      );

      const replica = await service_({ knex });
      const again = await replica.svc.getServiceEnvironments(ref, credentials);
      expect(replica.clients.map(c => c.calls.metadata)).toEqual([0, 0]);
      expect(again.environments.map(e => e.app?.commit)).toEqual(
        seen.environments.map(e => e.app?.commit),
      );
      expect(again.environments[2].app?.commit?.date).toMatch(
        /^\d{4}-\d\d-\d\dT/,
      );
    },
  );

  it('merges identical concurrent views into one list call per instance and one metadata call per revision', async () => {
    const { svc, clients } = await service_();
    const ref = {
      kind: 'component',
      namespace: 'default',
      name: 'checkout-service',
    };
    const views = await Promise.all(
      Array.from({ length: 20 }, () =>
        svc.getServiceEnvironments(ref, credentials),
      ),
    );
    expect(new Set(views.map(v => JSON.stringify(v.environments))).size).toBe(
      1,
    );
    expect(clients.map(c => c.calls.list)).toEqual([1, 1]);
    expect(clients.map(c => c.calls.metadata)).toEqual([2, 1]);
    expect(views[0].environments.every(e => e.app?.commit?.author)).toBe(true);
  });

  it('names the instance that is down or slow, within the timeout, and still shows the rest', async () => {
    const { svc } = await service_({
      overrides: { 'argocd-prod': { url: hangingUrl } },
    });
    const started = Date.now();
    const res = await svc.getServiceEnvironments(
      { kind: 'component', namespace: 'default', name: 'checkout-service' },
      credentials,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res.environments[2]).toMatchObject({
      environment: 'prod',
      error: {
        system: 'Argo CD instance argocd-prod',
        message: 'no answer within 2 s',
      },
    });
    expect(res.environments[0].app?.health).toBe('Healthy');
  });

  it('says authentication failed, naming the instance, on a wrong password', async () => {
    const { svc } = await service_({
      overrides: { 'argocd-nonprod': { password: 'wrong' } },
    });
    const res = await svc.getServiceEnvironments(
      { kind: 'component', namespace: 'default', name: 'checkout-service' },
      credentials,
    );
    expect(res.environments[0].error?.system).toBe(
      'Argo CD instance argocd-nonprod',
    );
    expect(res.environments[0].error?.message).toMatch(
      /^authentication failed/,
    );
    expect(res.environments[2].app?.name).toBe('checkout-service-prod');
  });

  it('says an annotation names an app that is not in Argo CD', async () => {
    const { svc } = await service_();
    const res = await svc.getServiceEnvironments(
      { kind: 'component', namespace: 'default', name: 'ghost-service' },
      credentials,
    );
    expect(res.environments[2].error).toEqual({
      system: 'Argo CD instance argocd-prod',
      message: "no app 'ghost-service-prod' deploys to cluster prod-eu",
    });
  });

  it('lists the services on a cluster with a health summary', async () => {
    const { svc } = await service_();
    const res = await svc.getClusterServices(
      { kind: 'resource', namespace: 'default', name: 'prod-eu' },
      credentials,
    );
    const prodApps = sandbox.world.apps.filter(a => a.cluster === 'prod-eu');
    expect(res.summary.total).toBe(prodApps.length);
    expect(
      res.services.find(s => s.app === 'checkout-service-prod')?.entityRef,
    ).toBe('component:default/checkout-service');
    expect(
      res.summary.healthy + res.summary.degraded + res.summary.progressing,
    ).toBeLessThanOrEqual(res.summary.total);
  });

  it('404s for an unknown entity', async () => {
    const { svc } = await service_();
    await expect(
      svc.getServiceEnvironments(
        { kind: 'component', namespace: 'default', name: 'nope' },
        credentials,
      ),
    ).rejects.toThrow(/No entity component:default\/nope/);
  });
});
