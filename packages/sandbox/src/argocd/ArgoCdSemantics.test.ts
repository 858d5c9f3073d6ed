import { startTestSandbox } from '../testing';
import {
  argoCdCaller,
  expectSwaggerShape as check,
} from './__testUtils__/argoCdSpecs';

/**
 * Argo CD 3.x behaviour the stand-in must share with the real server, each
 * case from the upstream's docs or source (argoproj/argo-cd):
 * - docs/operator-manual/upgrading/2.14-3.0.md "Health status in the
 *   Application CR": resourceHealthSource appTree, no resources[].health in
 *   the CR nor the list; server/application.go Get fills it in from the tree
 *   (inferResourcesStatusHealth);
 * - server/application.go getAppEnforceRBAC (403 hides existence), Create
 *   (idempotent, "use upsert flag"), Sync/resolveSourceRevisions and
 *   Rollback (FailedPrecondition under automated sync);
 * - util/argo/argo.go ValidatePermissions (project sourceRepos and
 *   destinations), server.getAppProject (the vague project error);
 * - controller/state.go persistRevisionHistory (ids from 0),
 *   application_defaults.go RevisionHistoryLimit = 10.
 */
describe('Argo CD stand-in: 3.x semantics', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  const instance = (name: string) =>
    sandbox.info.argocd.find(a => a.name === name)!;
  const prod = argoCdCaller(
    () => instance('argocd-prod').url,
    () => instance('argocd-prod').token,
  );
  const nonprod = argoCdCaller(
    () => instance('argocd-nonprod').url,
    () => instance('argocd-nonprod').token,
  );
  const cluster = (name: string) =>
    sandbox.info.kubernetes.find(k => k.name === name)!.url;
  const error = (status: number, code: number, message: string) => ({
    status,
    body: { error: message, code, message },
  });

  // No historyLimit: the world keeps Argo CD's default.
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.stop());

  describe('resource health lives in the resource tree', () => {
    it('lists apps without per-resource health, marked resourceHealthSource: appTree', async () => {
      const list = await prod('GET', '/api/v1/applications');
      check('v1alpha1ApplicationList', list.body);
      expect(list.body.items.length).toBeGreaterThan(3);
      for (const app of list.body.items) {
        expect(app.status.resourceHealthSource).toBe('appTree');
        expect(app.status.resources.length).toBeGreaterThan(0);
        expect(app.status.resources.filter((r: any) => 'health' in r)).toEqual(
          [],
        );
        // The app's own health stays in the CR.
        expect(app.status.health.status).toEqual(expect.any(String));
      }
    });

    it('serves health per node in the resource tree, and Get fills resources in from it', async () => {
      const tree = await prod(
        'GET',
        '/api/v1/applications/checkout-service-prod/resource-tree',
      );
      check('v1alpha1ApplicationTree', tree.body);
      const rollout = tree.body.nodes.find((n: any) => n.kind === 'Rollout');
      expect(rollout).toMatchObject({
        group: 'argoproj.io',
        name: 'checkout-service',
        health: { status: expect.any(String) },
      });
      const app = await prod(
        'GET',
        '/api/v1/applications/checkout-service-prod',
      );
      check('v1alpha1Application', app.body);
      const fromGet = app.body.status.resources.find(
        (r: any) => r.kind === 'Rollout',
      );
      expect(fromGet.health).toEqual(rollout.health);
    });

    it('shows an aborted canary as a Degraded Rollout in the tree (health.lua surfaces status.phase/message)', async () => {
      const app = sandbox.world.apps.find(
        a => a.name === 'payment-gateway-prod',
      )!;
      const d = sandbox.world.startDeploy(
        app,
        sandbox.clock.now(),
        'admin',
        'ab'.repeat(20),
      );
      sandbox.world.finishDeploy(d, 'canary-aborted', sandbox.clock.now());
      const tree = await prod(
        'GET',
        '/api/v1/applications/payment-gateway-prod/resource-tree',
      );
      expect(
        tree.body.nodes.find((n: any) => n.kind === 'Rollout').health,
      ).toEqual({
        status: 'Degraded',
        message: expect.stringMatching(
          /^RolloutAborted: Rollout aborted update to revision \d+$/,
        ),
      });
      const listed = await prod(
        'GET',
        '/api/v1/applications?name=payment-gateway-prod',
      );
      expect(listed.body.items[0].status.health.status).toBe('Degraded');
      expect(
        listed.body.items[0].status.resources.some((r: any) => r.health),
      ).toBe(false);
    });
  });

  describe('existence is not disclosed', () => {
    it('answers 403 permission denied for a missing app when no project is named', async () => {
      const denied = error(403, 7, 'permission denied');
      expect(await prod('GET', '/api/v1/applications/no-such-app')).toEqual(
        denied,
      );
      expect(
        await prod('GET', '/api/v1/applications/no-such-app/resource-tree'),
      ).toEqual(denied);
      expect(
        await prod('POST', '/api/v1/applications/no-such-app/sync', {}),
      ).toEqual(denied);
      expect(await prod('DELETE', '/api/v1/applications/no-such-app')).toEqual(
        denied,
      );
      check('runtimeError', denied.body);
    });

    it('answers 404 when a project is named, also for an app in another project', async () => {
      const missing = error(
        404,
        5,
        'applications.argoproj.io "no-such-app" not found',
      );
      expect(
        await prod('GET', '/api/v1/applications/no-such-app?project=payments'),
      ).toEqual(missing);
      expect(
        await prod(
          'GET',
          '/api/v1/applications/checkout-service-prod?project=identity',
        ),
      ).toEqual(
        error(
          404,
          5,
          'applications.argoproj.io "checkout-service-prod" not found',
        ),
      );
      expect(
        (
          await prod(
            'GET',
            '/api/v1/applications/checkout-service-prod?project=payments',
          )
        ).status,
      ).toBe(200);
      expect(
        await prod(
          'GET',
          '/api/v1/applications/checkout-service-prod?projects=a&projects=b',
        ),
      ).toEqual(
        error(
          400,
          3,
          'multiple projects specified - the get endpoint accepts either zero or one project',
        ),
      );
    });

    it('serves apps of its own namespace only', async () => {
      expect(
        await prod(
          'GET',
          '/api/v1/applications/checkout-service-prod?appNamespace=team-a',
        ),
      ).toEqual(error(403, 7, 'permission denied'));
      expect(
        (await prod('GET', '/api/v1/applications?appNamespace=team-a')).body
          .items,
      ).toEqual([]);
      expect(
        (
          await prod(
            'GET',
            '/api/v1/applications?appNamespace=argocd&name=checkout-service-prod',
          )
        ).body.items,
      ).toHaveLength(1);
    });
  });

  describe('create', () => {
    const app = (
      overrides: Record<string, unknown> = {},
      name = 'ledger-dev',
    ) => ({
      metadata: { name, labels: { 'backstage.io/kubernetes-id': 'ledger' } },
      spec: {
        project: 'payments',
        source: {
          repoURL: 'https://git.portolan.example/payments/ledger.git',
          path: 'deploy/overlays/dev',
          targetRevision: 'main',
        },
        destination: { server: cluster('dev'), namespace: 'payments' },
        ...overrides,
      },
    });

    it('is idempotent for an equal spec and refuses a different one without upsert', async () => {
      const first = await nonprod('POST', '/api/v1/applications', app());
      expect(first.status).toBe(200);
      check('v1alpha1Application', first.body);
      const again = await nonprod('POST', '/api/v1/applications', app());
      expect(again.status).toBe(200);
      expect(again.body.metadata).toEqual(first.body.metadata);

      const changed = app({
        source: { ...app().spec.source, path: 'deploy/overlays/other' },
      });
      expect(await nonprod('POST', '/api/v1/applications', changed)).toEqual(
        error(
          400,
          3,
          'existing application spec is different, use upsert flag to force update',
        ),
      );
      const upserted = await nonprod(
        'POST',
        '/api/v1/applications?upsert=true',
        changed,
      );
      expect(upserted.status).toBe(200);
      expect(upserted.body.spec.source.path).toBe('deploy/overlays/other');
    });

    it('keeps the sync policy as created, and deploys only apps with automated sync', async () => {
      const manual = await nonprod(
        'POST',
        '/api/v1/applications',
        app({}, 'ledger-manual'),
      );
      expect(manual.status).toBe(200);
      expect(manual.body.spec.syncPolicy).toBeUndefined();
      expect(manual.body.status.history ?? []).toEqual([]);
      expect(manual.body.status.operationState).toBeUndefined();

      const policy = {
        automated: { prune: false, selfHeal: true },
        syncOptions: ['CreateNamespace=true'],
      };
      const body = app({ syncPolicy: policy }, 'ledger-staging');
      body.spec.destination = {
        server: cluster('staging'),
        namespace: 'payments',
      };
      const automated = await nonprod('POST', '/api/v1/applications', body);
      expect(automated.status).toBe(200);
      expect(automated.body.spec.syncPolicy).toEqual(policy);
      expect(
        automated.body.status.operationState.operation.initiatedBy,
      ).toEqual({ automated: true });

      // The seeded world: non-production syncs itself, production by hand.
      const seededDev = await nonprod(
        'GET',
        '/api/v1/applications/checkout-service-dev',
      );
      expect(seededDev.body.spec.syncPolicy).toEqual({
        automated: { prune: true, selfHeal: true },
      });
      const seededProd = await prod(
        'GET',
        '/api/v1/applications/checkout-service-prod',
      );
      expect(seededProd.body.spec.syncPolicy).toBeUndefined();
    });

    it('numbers history from 0', async () => {
      const body = app({ syncPolicy: { automated: {} } }, 'ledger-fresh');
      await nonprod('POST', '/api/v1/applications', body);
      sandbox.clock.advance(61_000);
      sandbox.tick();
      await nonprod('POST', '/api/v1/applications/ledger-fresh/sync', {});
      sandbox.clock.advance(61_000);
      sandbox.tick();
      const res = await nonprod('GET', '/api/v1/applications/ledger-fresh');
      expect(res.body.status.history.map((h: any) => h.id)).toEqual([0, 1]);
      expect(res.body.status.history[0].initiatedBy).toEqual({
        automated: true,
      });
      expect(res.body.status.history[1].initiatedBy).toEqual({
        username: 'admin',
      });
    });

    it('enforces the project: it must exist, and permit the source repo and the destination', async () => {
      expect(
        await nonprod('POST', '/api/v1/applications', app({ project: 'nope' })),
      ).toEqual(
        error(
          400,
          3,
          'app is not allowed in project "nope", or the project does not exist',
        ),
      );
      const repo = 'https://git.portolan.example/identity/ledger.git';
      const badRepo = app(
        { source: { repoURL: repo, path: 'deploy', targetRevision: 'main' } },
        'bad-repo',
      );
      expect(await nonprod('POST', '/api/v1/applications', badRepo)).toEqual(
        error(
          400,
          3,
          `error while validating and normalizing app: application spec for bad-repo is invalid: InvalidSpecError: application repo ${repo} is not permitted in project 'payments'`,
        ),
      );
      const badNamespace = app(
        { destination: { server: cluster('dev'), namespace: 'kube-system' } },
        'bad-namespace',
      );
      expect(
        await nonprod('POST', '/api/v1/applications', badNamespace),
      ).toEqual(
        error(
          400,
          3,
          `error while validating and normalizing app: application spec for bad-namespace is invalid: InvalidSpecError: application destination server '${cluster(
            'dev',
          )}' and namespace 'kube-system' do not match any of the allowed destinations in project 'payments'`,
        ),
      );
      // A cluster this instance does not manage (prod-eu is argocd-prod's).
      const elsewhere = app(
        { destination: { server: cluster('prod-eu'), namespace: 'payments' } },
        'elsewhere',
      );
      const refused = await nonprod('POST', '/api/v1/applications', elsewhere);
      expect(refused.status).toBe(400);
      expect(refused.body.message).toBe(
        `error while validating and normalizing app: application destination spec for elsewhere is invalid: error getting cluster by server "${cluster(
          'prod-eu',
        )}": rpc error: code = NotFound desc = cluster "${cluster(
          'prod-eu',
        )}" not found`,
      );
      const byName = app(
        { destination: { name: 'dev', namespace: 'payments' } },
        'by-name',
      );
      expect(
        (await nonprod('POST', '/api/v1/applications', byName)).status,
      ).toBe(200);
      for (const name of ['bad-repo', 'bad-namespace', 'elsewhere']) {
        expect(
          (await nonprod('GET', `/api/v1/applications/${name}`)).status,
        ).toBe(403);
      }
    });

    it('matches project patterns as Argo CD does (globs, deny patterns)', async () => {
      const project = async (name: string, sourceRepos: string[]) =>
        nonprod('POST', '/api/v1/projects', {
          project: {
            metadata: { name },
            spec: {
              sourceRepos,
              destinations: [{ name: '*', namespace: 'team-*' }],
            },
          },
        });
      await project('globs', ['https://git.example/team/*']);
      await project('globs-deny', [
        'https://git.example/team/*',
        '!https://git.example/team/secret',
      ]);
      const make = async (
        name: string,
        projectName: string,
        repoURL: string,
        namespace = 'team-a',
      ) =>
        (
          await nonprod('POST', '/api/v1/applications', {
            metadata: { name },
            spec: {
              project: projectName,
              source: { repoURL, path: '.' },
              destination: { name: 'dev', namespace },
            },
          })
        ).status;
      expect(
        await make('g1', 'globs', 'https://git.example/team/svc.git'),
      ).toBe(200);
      // `*` stops at `/` in repo URLs (matched with '/' as separator).
      expect(
        await make('g2', 'globs', 'https://git.example/team/nested/svc.git'),
      ).toBe(400);
      expect(
        await make('g3', 'globs', 'https://git.example/team/svc.git', 'other'),
      ).toBe(400);
      expect(
        await make('g4', 'globs-deny', 'https://git.example/team/secret.git'),
      ).toBe(400);
      // IsSourcePermitted counts a deny pattern that does not name a repo as
      // a match for it, so this project admits any other repo.
      expect(
        await make(
          'g5',
          'globs-deny',
          'https://git.example/team/nested/svc.git',
        ),
      ).toBe(200);
    });

    it('refuses a project update that would invalidate its apps', async () => {
      const project = (await nonprod('GET', '/api/v1/projects/payments')).body;
      const narrowed = {
        ...project,
        spec: {
          ...project.spec,
          sourceRepos: ['https://git.portolan.example/elsewhere/*'],
        },
      };
      const res = await nonprod('PUT', '/api/v1/projects/payments', {
        project: narrowed,
      });
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(
        /^as a result of project update \d+ applications source became invalid$/,
      );
    });
  });

  describe('sync and rollback under automated sync', () => {
    it('refuses a sync to another revision, and any rollback, while automated sync is on', async () => {
      const revision = 'cd'.repeat(20);
      expect(
        await nonprod('POST', '/api/v1/applications/web-shop-dev/sync', {
          revision,
        }),
      ).toEqual(
        error(
          400,
          9,
          `Cannot sync to ${revision}: auto-sync currently set to main`,
        ),
      );
      const history = (
        await nonprod('GET', '/api/v1/applications/web-shop-dev')
      ).body.status.history;
      expect(
        await nonprod('POST', '/api/v1/applications/web-shop-dev/rollback', {
          id: history[0].id,
        }),
      ).toEqual(
        error(400, 9, 'rollback cannot be initiated when auto-sync is enabled'),
      );
      // Syncing the tracked revision is fine.
      const synced = await nonprod(
        'POST',
        '/api/v1/applications/web-shop-dev/sync',
        { revision: 'main' },
      );
      expect(synced.status).toBe(200);
      expect(synced.body.status.operationState.phase).toBe('Running');
    });

    it('rolls back a manually synced app only to an id still in its history', async () => {
      expect(
        await prod('POST', '/api/v1/applications/web-shop-prod/rollback', {
          id: 100_000,
        }),
      ).toEqual(
        error(
          400,
          3,
          'application argocd/web-shop-prod does not have deployment with id 100000',
        ),
      );
      const revision = 'ef'.repeat(20);
      const synced = await prod(
        'POST',
        '/api/v1/applications/web-shop-prod/sync',
        { revision },
      );
      expect(synced.body.status.operationState.operation.sync.revision).toBe(
        revision,
      );
    });
  });

  describe('the seeded world', () => {
    it("keeps Argo CD's default history limit of 10, with ids counting from 0", async () => {
      const app = (
        await prod('GET', '/api/v1/applications/checkout-service-prod')
      ).body;
      expect(app.spec.revisionHistoryLimit).toBeUndefined();
      expect(app.status.history).toHaveLength(10);
      const world = sandbox.world.apps.find(
        a => a.name === 'checkout-service-prod',
      )!;
      const ids = sandbox.world.history(world).map(d => d.id);
      expect(ids).toEqual(ids.map((_, i) => i));
      expect(app.status.history.map((h: any) => h.id)).toEqual(ids.slice(-10));
    });

    it('has projects that permit every seeded app (re-creating each is a no-op)', async () => {
      const services = new Set(sandbox.world.catalog.services.map(s => s.name));
      for (const call of [prod, nonprod]) {
        const apps = (
          await call('GET', '/api/v1/applications')
        ).body.items.filter((a: any) =>
          services.has(a.metadata.labels?.['backstage.io/kubernetes-id']),
        );
        expect(apps.length).toBeGreaterThan(3);
        for (const app of apps) {
          const again = await call('POST', '/api/v1/applications', {
            metadata: app.metadata,
            spec: app.spec,
          });
          expect({
            app: app.metadata.name,
            status: again.status,
            message: again.body.message,
          }).toEqual({
            app: app.metadata.name,
            status: 200,
            message: undefined,
          });
        }
      }
    });

    it('undoes bad deploys the GitOps way on automated apps (revert commits) and by Argo CD rollback on manual ones', () => {
      const undone = sandbox.world.apps.flatMap(a =>
        a.deploys.filter(d => d.result === 'rolled-back').map(d => ({ a, d })),
      );
      const automated = undone.filter(({ a }) => a.syncPolicy?.automated);
      const manual = undone.filter(({ a }) => !a.syncPolicy?.automated);
      expect(automated.length).toBeGreaterThan(0);
      expect(manual.length).toBeGreaterThan(0);
      for (const { d } of automated) {
        expect(d.message).toMatch(
          /^Revert ".*"\n\nThis reverts commit [0-9a-f]{40}\.$/s,
        );
        expect(d.initiator).toBeUndefined();
      }
      for (const { a, d } of manual) {
        expect(d.initiator).toBeDefined();
        expect(
          a.deploys.indexOf(a.deploys.find(x => x.revision === d.revision)!),
        ).toBeLessThan(a.deploys.indexOf(d));
      }
    });
  });
});
