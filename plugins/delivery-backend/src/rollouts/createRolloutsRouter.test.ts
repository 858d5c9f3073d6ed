import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { TestDatabases, mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import express from 'express';
import request from 'supertest';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { createRolloutsRouter } from './createRolloutsRouter';
import { RolloutsClient } from './RolloutsClient';
import { RolloutService } from './RolloutService';

jest.setTimeout(60_000);

const OWNER = 'user:default/grace.hopper';
const OUTSIDER = 'user:default/linus.t';

const cluster = (name: string, environment: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name, namespace: 'default', annotations: { 'portolan.dev/environment': environment } },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/team-platform' },
});

const service = (name: string, namespace: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': name, 'backstage.io/kubernetes-namespace': namespace },
  },
  spec: { type: 'service', owner: 'group:default/team-payments' },
  relations: ['dev', 'staging', 'prod-eu'].map(c => ({ type: 'dependsOn', targetRef: `resource:default/${c}` })),
});

describe('canary controls against the sandbox', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let app: express.Express;
  let actions: RolloutActionStore;
  const audits: Array<{ options: any; outcome?: string; meta?: any }> = [];
  const path = '/entities/component/default/checkout-service/rollouts';
  const kubePath = '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service';

  const kube = async () => {
    const prod = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
    const res = await fetch(`${prod.url}${kubePath}`, { headers: { Authorization: `Bearer ${prod.token}` } });
    return (await res.json()) as any;
  };
  const load = async (as = OWNER) => {
    const res = await request(app).get(path).set('Authorization', mockCredentials.user.header(as));
    expect(res.status).toBe(200);
    return res.body;
  };
  const prodRollout = async (as = OWNER) =>
    (await load(as)).rollouts.find((r: any) => r.cluster === 'prod-eu');
  const act = (action: string, resourceVersion: string, as = OWNER, name = 'checkout-service') =>
    request(app)
      .post(`${path}/actions`)
      .set('Authorization', mockCredentials.user.header(as))
      .send({ cluster: 'prod-eu', namespace: 'payments', name, action, resourceVersion });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // A new revision whose analysis passes starts a canary; it waits at its
    // first (indefinite) pause.
    const target = sandbox.world.apps.find(a => a.name === 'checkout-service-prod')!;
    sandbox.world.startDeploy(target, sandbox.clock.now(), 'ci-bot', 'ee'.padEnd(40, '3'));
    sandbox.clock.advance(1000);
    sandbox.tick();

    const knex = await databases.init('SQLITE_3');
    const database = { getClient: async () => knex, migrations: { skip: false } };
    await DeploymentStore.create({ database });
    actions = await RolloutActionStore.create({ database });
    const clients = sandbox.info.kubernetes.map(
      c => new RolloutsClient({ name: c.name, url: c.url, token: c.token, skipTLSVerify: false }),
    );
    // A cluster that never answers: its error is reported, the rest render.
    clients.push(new RolloutsClient({ name: 'dark', url: 'http://127.0.0.1:9', token: 't', skipTLSVerify: false }, 500));
    const rollouts = RolloutService.create({
      clients,
      catalog: catalogServiceMock({
        entities: [
          service('checkout-service', 'payments'),
          cluster('dev', 'dev'),
          cluster('staging', 'staging'),
          cluster('prod-eu', 'prod'),
        ],
      }),
      // The policy's ownership condition, as the catalog would apply it.
      permissions: mockServices.permissions.mock({
        authorize: async (_requests, options) => [
          {
            result:
              (options.credentials.principal as { userEntityRef?: string }).userEntityRef === OWNER
                ? AuthorizeResult.ALLOW
                : AuthorizeResult.DENY,
          },
        ],
      }),
      auditor: {
        createEvent: async options => {
          const entry: (typeof audits)[number] = { options };
          audits.push(entry);
          return {
            success: async o => {
              entry.outcome = 'success';
              entry.meta = o?.meta;
            },
            fail: async o => {
              entry.outcome = 'fail';
              entry.meta = { error: o.error.message };
            },
          };
        },
      },
      store: actions,
      logger: mockServices.logger.mock(),
      auth: mockServices.auth(),
    });
    app = express();
    app.use(createRolloutsRouter({ rollouts, httpAuth: mockServices.httpAuth({ defaultCredentials: mockCredentials.none() }) }));
    app.use(MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: mockServices.logger.mock() }).error());
  });
  afterAll(() => sandbox.stop());

  it('shows the canary: steps, weights, pause reason, images, valid actions', async () => {
    const body = await load();
    expect(body.canControl).toBe(true);
    expect(body.errors).toEqual([]);
    const r = body.rollouts.find((x: any) => x.cluster === 'prod-eu');
    expect(r).toMatchObject({
      environment: 'prod',
      namespace: 'payments',
      name: 'checkout-service',
      phase: 'Paused',
      currentStepIndex: 1,
      canaryWeight: 20,
      stableWeight: 80,
      pauseReasons: ['CanaryPauseStep'],
      updating: true,
      canaryHash: 'ee'.padEnd(10, '3'),
    });
    expect(r.steps.map((s: any) => s.description)).toEqual([
      'Set weight 20%', 'Pause until promoted', 'Set weight 50%', 'Pause 60s', 'Analysis (success-rate)', 'Set weight 100%',
    ]);
    expect(r.canaryImage).toMatch(/checkout-service/);
    expect(r.actions.promote.allowed).toBe(true);
    expect(r.actions.retry).toEqual({ allowed: false, reason: 'Only an aborted rollout can be retried' });
  });

  it('refuses a user who does not own the service: 403, nothing patched, audited', async () => {
    const before = await kube();
    const res = await act('promote', before.metadata.resourceVersion, OUTSIDER);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/only members of its owning team/);
    expect((await kube()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(audits[audits.length - 1]).toMatchObject({ options: { eventId: 'rollout-control', meta: { actor: OUTSIDER } }, outcome: 'fail' });
    expect((await load(OUTSIDER)).canControl).toBe(false);
  });

  it('answers 409 with the current state when the rollout changed since it was read', async () => {
    const before = await kube();
    const res = await act('promote', String(Number(before.metadata.resourceVersion) - 1));
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/changed since you loaded it/);
    expect(res.body.rollout).toMatchObject({ currentStepIndex: 1, resourceVersion: before.metadata.resourceVersion });
    expect((await kube()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('promotes with the kubectl-argo-rollouts patch, records and audits it', async () => {
    const r = await prodRollout();
    const res = await act('promote', r.resourceVersion);
    expect(res.status).toBe(200);
    // Past the pause, setWeight 50 applied, now in the timed pause.
    expect(res.body.rollout).toMatchObject({ currentStepIndex: 3, canaryWeight: 50, phase: 'Paused' });
    expect((await kube()).status.currentStepIndex).toBe(3);
    expect(res.body.record).toMatchObject({ action: 'promote', actor: OWNER, stepBefore: 1, stepAfter: 3, environment: 'prod' });
    const stored = await actions.list({ entityRefs: ['component:default/checkout-service'] });
    expect(stored).toHaveLength(1);
    expect(audits[audits.length - 1]).toMatchObject({
      outcome: 'success',
      meta: { before: { step: 1, phase: 'Paused' }, after: { step: 3 } },
    });
  });

  it('pauses, resumes, aborts; refuses promote once aborted; retries', async () => {
    let r = await prodRollout();
    let res = await act('pause', r.resourceVersion);
    expect(res.body.rollout).toMatchObject({ paused: true, phase: 'Paused' });
    expect((await kube()).spec.paused).toBe(true);
    res = await act('resume', res.body.rollout.resourceVersion);
    expect(res.body.rollout.paused).toBe(false);
    res = await act('abort', res.body.rollout.resourceVersion);
    expect(res.body.rollout).toMatchObject({ aborted: true, phase: 'Degraded', canaryWeight: 0 });
    const refused = await act('promote', res.body.rollout.resourceVersion);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('Promote is not possible now: The rollout was aborted; retry it first');
    r = await prodRollout();
    expect(r.actions.retry.allowed).toBe(true);
    res = await act('retry', r.resourceVersion);
    expect(res.status).toBe(200);
    expect(res.body.rollout.aborted).toBe(false);
    expect((await kube()).status.abort).toBe(false);
  });

  it("will not act on another service's rollout", async () => {
    const other = await fetch(
      `${sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!.url}/apis/argoproj.io/v1alpha1/rollouts`,
      { headers: { Authorization: `Bearer ${sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!.token}` } },
    ).then(x => x.json() as any);
    const foreign = other.items.find((x: any) => x.metadata.name !== 'checkout-service');
    const res = await request(app)
      .post(`${path}/actions`)
      .set('Authorization', mockCredentials.user.header(OWNER))
      .send({
        cluster: 'prod-eu',
        namespace: foreign.metadata.namespace,
        name: foreign.metadata.name,
        action: 'abort',
        resourceVersion: foreign.metadata.resourceVersion,
      });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      `component:default/checkout-service has no rollout ${foreign.metadata.namespace}/${foreign.metadata.name} in cluster prod-eu`,
    );
  });

  describe('binds every action to the workloads the entity really has (computed on the server)', () => {
    /** A router over these catalog entities (the clusters are added). */
    const routerWith = (entities: Entity[]) => {
      const service = RolloutService.create({
        clients: sandbox.info.kubernetes.map(
          c => new RolloutsClient({ name: c.name, url: c.url, token: c.token, skipTLSVerify: false }),
        ),
        catalog: catalogServiceMock({
          entities: [...entities, cluster('dev', 'dev'), cluster('staging', 'staging'), cluster('prod-eu', 'prod')],
        }),
        permissions: mockServices.permissions.mock({ authorize: async () => [{ result: AuthorizeResult.ALLOW }] }),
        auditor: mockServices.auditor.mock(),
        store: actions,
        logger: mockServices.logger.mock(),
        auth: mockServices.auth(),
      });
      const router = express();
      router.use(createRolloutsRouter({ rollouts: service, httpAuth: mockServices.httpAuth({ defaultCredentials: mockCredentials.none() }) }));
      router.use(MiddlewareFactory.create({ config: mockServices.rootConfig(), logger: mockServices.logger.mock() }).error());
      return router;
    };
    const attempt = async (router: express.Express, entity: string, target: { cluster?: string; namespace?: string; name?: string } = {}) => {
      const before = await kube();
      const res = await request(router)
        .post(`/entities/component/default/${entity}/rollouts/actions`)
        .set('Authorization', mockCredentials.user.header(OWNER))
        .send({
          cluster: 'prod-eu',
          namespace: 'payments',
          name: 'checkout-service',
          action: 'pause',
          resourceVersion: before.metadata.resourceVersion,
          ...target,
        });
      // Whatever the answer, the rollout is untouched.
      expect((await kube()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      return res;
    };
    const notHis = (entity: string, where = 'payments/checkout-service in cluster prod-eu') =>
      `component:default/${entity} has no rollout ${where}`;

    it("refuses a copy of another service's kubernetes-id, for both services (neither gets it)", async () => {
      const copycat: Entity = {
        ...service('checkout-copy', 'payments'),
        metadata: {
          name: 'checkout-copy',
          namespace: 'default',
          annotations: { 'backstage.io/kubernetes-label-selector': 'backstage.io/kubernetes-id=checkout-service' },
        },
      };
      const router = routerWith([service('checkout-service', 'payments'), copycat]);
      const theirs = await attempt(router, 'checkout-copy');
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.message).toBe(notHis('checkout-copy'));
      const mine = await attempt(router, 'checkout-service');
      expect(mine.status).toBe(404);
    });

    it('refuses a selector with no key=value term (it would match every workload)', async () => {
      const greedy: Entity = {
        ...service('greedy', 'payments'),
        metadata: { name: 'greedy', namespace: 'default', annotations: { 'backstage.io/kubernetes-label-selector': 'app!=nothing' } },
      };
      const res = await attempt(routerWith([service('checkout-service', 'payments'), greedy]), 'greedy');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(notHis('greedy'));
    });

    it('refuses a cluster the entity does not run on, and a namespace that is not its own', async () => {
      const devOnly: Entity = {
        ...service('checkout-service', 'payments'),
        relations: [{ type: 'dependsOn', targetRef: 'resource:default/dev' }],
      };
      expect((await attempt(routerWith([devOnly]), 'checkout-service')).status).toBe(404);
      const elsewhere = service('checkout-service', 'payments-sandbox');
      const res = await attempt(routerWith([elsewhere]), 'checkout-service');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(notHis('checkout-service'));
    });

    it('answers the same 404 for a rollout that does not exist', async () => {
      const res = await attempt(routerWith([service('checkout-service', 'payments')]), 'checkout-service', { name: 'no-such-rollout' });
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(notHis('checkout-service', 'payments/no-such-rollout in cluster prod-eu'));
    });
  });

  it('rejects bad bodies naming the field, and unauthenticated calls', async () => {
    const bad = await request(app)
      .post(`${path}/actions`)
      .set('Authorization', mockCredentials.user.header(OWNER))
      .send({ cluster: 'prod-eu', namespace: 'payments', name: 'checkout-service', action: 'setWeight', resourceVersion: '1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'action'/);
    const anonymous = await request(app).get(path);
    expect(anonymous.status).toBe(401);
  });
});
