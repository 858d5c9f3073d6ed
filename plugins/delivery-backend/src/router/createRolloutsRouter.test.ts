import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  kubeconfigCluster,
  sandboxFetch,
  startTestSandbox,
} from '@portolan/sandbox/src/testing';
import express from 'express';
import request from 'supertest';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { createRolloutsRouter } from './createRolloutsRouter';
import { RolloutsClient } from '../clients/RolloutsClient';
import { RolloutService } from '../services/RolloutService';

jest.setTimeout(60_000);

const OWNER = 'user:default/grace.hopper';
const OUTSIDER = 'user:default/linus.t';

const cluster = (name: string, environment: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'portolan.dev/environment': environment },
  },
  spec: { type: 'kubernetes-cluster', owner: 'group:default/team-platform' },
});

const service = (name: string, namespace: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: {
      'backstage.io/kubernetes-id': name,
      'backstage.io/kubernetes-namespace': namespace,
    },
  },
  spec: { type: 'service', owner: 'group:default/team-payments' },
  relations: ['dev', 'staging', 'prod-eu'].map(c => ({
    type: 'dependsOn',
    targetRef: `resource:default/${c}`,
  })),
});

describe('canary controls against the sandbox', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let app: express.Express;
  let actions: RolloutActionStore;
  const audits: Array<{ options: any; outcome?: string; meta?: any }> = [];
  const path = '/entities/component/default/checkout-service/rollouts';
  const kubePath =
    '/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service';

  const kube = async () => {
    const prod = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
    const res = await sandboxFetch(sandbox.info)(`${prod.url}${kubePath}`, {
      headers: { Authorization: `Bearer ${prod.token}` },
    });
    return (await res.json()) as any;
  };
  /** The Rollouts controller's next pass (it never runs inside a request). */
  const controllerPass = (ms = 0) => {
    sandbox.clock.advance(ms);
    sandbox.tick();
  };
  let prodClient: RolloutsClient;
  const load = async (as = OWNER) => {
    const res = await request(app)
      .get(path)
      .set('Authorization', mockCredentials.user.header(as));
    expect(res.status).toBe(200);
    return res.body;
  };
  const prodRollout = async (as = OWNER) =>
    (await load(as)).rollouts.find((r: any) => r.cluster === 'prod-eu');
  const act = (
    action: string,
    resourceVersion: string,
    as = OWNER,
    name = 'checkout-service',
  ) =>
    request(app)
      .post(`${path}/actions`)
      .set('Authorization', mockCredentials.user.header(as))
      .send({
        cluster: 'prod-eu',
        namespace: 'payments',
        name,
        action,
        resourceVersion,
      });

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // A new revision whose analysis passes starts a canary; it waits at its
    // first (indefinite) pause.
    const target = sandbox.world.apps.find(
      a => a.name === 'checkout-service-prod',
    )!;
    sandbox.world.startDeploy(
      target,
      sandbox.clock.now(),
      'ci-bot',
      'ee'.padEnd(40, '3'),
    );
    sandbox.clock.advance(1000);
    sandbox.tick();

    const knex = await databases.init('SQLITE_3');
    const database = {
      getClient: async () => knex,
      migrations: { skip: false },
    };
    await DeploymentStore.create({ database });
    actions = await RolloutActionStore.create({ database });
    // TLS verified against the sandbox's CA (caData), as against any cluster.
    const clients = sandbox.info.kubernetes.map(
      c => new RolloutsClient(kubeconfigCluster(sandbox.info, c.name)),
    );
    prodClient = clients.find(c => c.cluster.name === 'prod-eu')!;
    // A cluster that never answers: its error is reported, the rest render.
    clients.push(
      new RolloutsClient(
        {
          name: 'dark',
          url: 'https://127.0.0.1:9',
          token: 't',
          skipTLSVerify: false,
        },
        500,
      ),
    );
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
              (options.credentials.principal as { userEntityRef?: string })
                .userEntityRef === OWNER
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
    app.use(
      createRolloutsRouter({
        rollouts,
        httpAuth: mockServices.httpAuth({
          defaultCredentials: mockCredentials.none(),
        }),
      }),
    );
    app.use(
      MiddlewareFactory.create({
        config: mockServices.rootConfig(),
        logger: mockServices.logger.mock(),
      }).error(),
    );
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
      'Set weight 20%',
      'Pause until promoted',
      'Set weight 50%',
      'Pause 60s',
      'Analysis (success-rate)',
      'Set weight 100%',
    ]);
    expect(r.canaryImage).toMatch(/checkout-service/);
    expect(r.actions.promote.allowed).toBe(true);
    expect(r.actions.retry).toEqual({
      allowed: false,
      reason: 'Only an aborted rollout can be retried',
    });
  });

  it('refuses a user who does not own the service: 403, nothing patched, audited', async () => {
    const before = await kube();
    const res = await act('promote', before.metadata.resourceVersion, OUTSIDER);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/only members of its owning team/);
    expect((await kube()).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect(audits[audits.length - 1]).toMatchObject({
      options: { eventId: 'rollout-control', meta: { actor: OUTSIDER } },
      outcome: 'fail',
    });
    expect((await load(OUTSIDER)).canControl).toBe(false);
  });

  it('answers 409 with the current state when the rollout changed since it was read', async () => {
    const before = await kube();
    const res = await act(
      'promote',
      String(Number(before.metadata.resourceVersion) - 1),
    );
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/changed since you loaded it/);
    expect(res.body.rollout).toMatchObject({
      currentStepIndex: 1,
      resourceVersion: before.metadata.resourceVersion,
    });
    expect((await kube()).metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
  });

  it('promotes with the kubectl-argo-rollouts patch, records and audits it; the controller moves on afterwards', async () => {
    const r = await prodRollout();
    const res = await act('promote', r.resourceVersion);
    expect(res.status).toBe(200);
    // The API server's answer: pause condition cleared, the step not yet
    // advanced (Argo Rollouts reacts on its own loop, as a real cluster).
    expect(res.body.rollout).toMatchObject({
      currentStepIndex: 1,
      pauseReasons: [],
    });
    expect(res.body.record).toMatchObject({
      action: 'promote',
      actor: OWNER,
      stepBefore: 1,
      stepAfter: 1,
      environment: 'prod',
    });
    controllerPass();
    // Past the pause, setWeight 50 applied, now in the timed pause.
    expect(await prodRollout()).toMatchObject({
      currentStepIndex: 3,
      canaryWeight: 50,
      phase: 'Paused',
    });
    expect((await kube()).status.currentStepIndex).toBe(3);
    const stored = await actions.list({
      entityRefs: ['component:default/checkout-service'],
    });
    expect(stored).toHaveLength(1);
    expect(audits[audits.length - 1]).toMatchObject({
      outcome: 'success',
      meta: { before: { step: 1, phase: 'Paused' }, after: { step: 1 } },
    });
  });

  it('sends the status patch first, the spec patch second, with the precondition on the first only (kubectl-argo-rollouts order)', async () => {
    let r = await prodRollout();
    const paused = await act('pause', r.resourceVersion);
    expect(paused.body.rollout).toMatchObject({
      paused: true,
      phase: 'Paused',
    });
    controllerPass();
    r = await prodRollout();
    const sent: Array<{
      patch: object;
      resourceVersion?: string;
      answered?: string;
    }> = [];
    const patchRollout = prodClient.patchRollout.bind(prodClient);
    const spy = jest
      .spyOn(prodClient, 'patchRollout')
      .mockImplementation(async (ns, name, patch, resourceVersion) => {
        const after = await patchRollout(ns, name, patch, resourceVersion);
        sent.push({
          patch,
          resourceVersion,
          answered: after.metadata.resourceVersion,
        });
        // A real race: the controller reacts to the first patch before the
        // second arrives (here: the cleared pause condition ends its own pause).
        if (sent.length === 1) controllerPass();
        return after;
      });
    try {
      const res = await act('resume', r.resourceVersion);
      expect(res.status).toBe(200);
      expect(sent.map(x => x.patch)).toEqual([
        { status: { pauseConditions: null } },
        { spec: { paused: false } },
      ]);
      expect(sent.map(x => x.resourceVersion)).toEqual([
        r.resourceVersion,
        undefined,
      ]);
      // The controller wrote in between: a precondition on the second patch
      // (the version the first answered) would have been a 409.
      expect(Number(sent[1].answered)).toBeGreaterThan(
        Number(sent[0].answered) + 1,
      );
      expect((await kube()).spec.paused).toBe(false);
      expect(res.body.rollout.paused).toBe(false);
    } finally {
      spy.mockRestore();
    }
  });

  it('reports a conflict as such when the controller changes the rollout before the first patch: 409, nothing changed', async () => {
    controllerPass();
    const r = await prodRollout();
    const getRollout = prodClient.getRollout.bind(prodClient);
    // The service reads the rollout, then the controller writes (the timed
    // pause ends), then the first patch arrives carrying the old version.
    const spy = jest
      .spyOn(prodClient, 'getRollout')
      .mockImplementationOnce(async (ns, name) => {
        const read = await getRollout(ns, name);
        controllerPass(61_000);
        return read;
      });
    try {
      const before = await kube();
      expect(before.metadata.resourceVersion).toBe(r.resourceVersion);
      const res = await act('abort', r.resourceVersion);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(
        /changed while the action was sent; nothing was changed/,
      );
      const now = await kube();
      expect(now.metadata.resourceVersion).toBe(
        res.body.rollout.resourceVersion,
      );
      expect(now.status.abort).toBeUndefined();
    } finally {
      spy.mockRestore();
    }
  });

  it('pauses, resumes, aborts; refuses promote once aborted; retries', async () => {
    // From the cluster: the service's brief read cache may still hold the
    // version the previous test's refused action saw.
    let res = await act('pause', (await kube()).metadata.resourceVersion);
    expect(res.body.rollout.paused).toBe(true);
    controllerPass();
    expect(await kube()).toMatchObject({
      spec: { paused: true },
      status: { phase: 'Paused', message: 'manually paused' },
    });
    res = await act('resume', (await kube()).metadata.resourceVersion);
    expect(res.body.rollout.paused).toBe(false);
    res = await act('abort', res.body.rollout.resourceVersion);
    expect(res.status).toBe(200);
    expect(res.body.rollout.aborted).toBe(true);
    controllerPass();
    const r = await prodRollout();
    expect(r).toMatchObject({
      aborted: true,
      phase: 'Degraded',
      canaryWeight: 0,
    });
    const refused = await act('promote', r.resourceVersion);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe(
      'Promote is not possible now: The rollout was aborted; retry it first',
    );
    expect(r.actions.retry.allowed).toBe(true);
    res = await act('retry', r.resourceVersion);
    expect(res.status).toBe(200);
    expect(res.body.rollout.aborted).toBe(false);
    expect((await kube()).status.abort).toBe(false);
  });

  it("will not act on another service's rollout", async () => {
    const other = await sandboxFetch(sandbox.info)(
      `${
        sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!.url
      }/apis/argoproj.io/v1alpha1/rollouts`,
      {
        headers: {
          Authorization: `Bearer ${
            sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!.token
          }`,
        },
      },
    ).then(x => x.json() as any);
    const foreign = other.items.find(
      (x: any) => x.metadata.name !== 'checkout-service',
    );
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
      const rolloutService = RolloutService.create({
        clients: sandbox.info.kubernetes.map(
          c => new RolloutsClient(kubeconfigCluster(sandbox.info, c.name)),
        ),
        catalog: catalogServiceMock({
          entities: [
            ...entities,
            cluster('dev', 'dev'),
            cluster('staging', 'staging'),
            cluster('prod-eu', 'prod'),
          ],
        }),
        permissions: mockServices.permissions.mock({
          authorize: async () => [{ result: AuthorizeResult.ALLOW }],
        }),
        auditor: mockServices.auditor.mock(),
        store: actions,
        logger: mockServices.logger.mock(),
        auth: mockServices.auth(),
      });
      const router = express();
      router.use(
        createRolloutsRouter({
          rollouts: rolloutService,
          httpAuth: mockServices.httpAuth({
            defaultCredentials: mockCredentials.none(),
          }),
        }),
      );
      router.use(
        MiddlewareFactory.create({
          config: mockServices.rootConfig(),
          logger: mockServices.logger.mock(),
        }).error(),
      );
      return router;
    };
    const attempt = async (
      router: express.Express,
      entity: string,
      target: { cluster?: string; namespace?: string; name?: string } = {},
    ) => {
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
      expect((await kube()).metadata.resourceVersion).toBe(
        before.metadata.resourceVersion,
      );
      return res;
    };
    const notHis = (
      entity: string,
      where = 'payments/checkout-service in cluster prod-eu',
    ) => `component:default/${entity} has no rollout ${where}`;

    it("refuses a copy of another service's kubernetes-id, for both services (neither gets it)", async () => {
      const copycat: Entity = {
        ...service('checkout-copy', 'payments'),
        metadata: {
          name: 'checkout-copy',
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-label-selector':
              'backstage.io/kubernetes-id=checkout-service',
          },
        },
      };
      const router = routerWith([
        service('checkout-service', 'payments'),
        copycat,
      ]);
      const theirs = await attempt(router, 'checkout-copy');
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.message).toBe(notHis('checkout-copy'));
      const mine = await attempt(router, 'checkout-service');
      expect(mine.status).toBe(404);
    });

    it('refuses a selector with no key=value term (it would match every workload)', async () => {
      const greedy: Entity = {
        ...service('greedy', 'payments'),
        metadata: {
          name: 'greedy',
          namespace: 'default',
          annotations: {
            'backstage.io/kubernetes-label-selector': 'app!=nothing',
          },
        },
      };
      const res = await attempt(
        routerWith([service('checkout-service', 'payments'), greedy]),
        'greedy',
      );
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(notHis('greedy'));
    });

    it('refuses a cluster the entity does not run on, and a namespace that is not its own', async () => {
      const devOnly: Entity = {
        ...service('checkout-service', 'payments'),
        relations: [{ type: 'dependsOn', targetRef: 'resource:default/dev' }],
      };
      expect(
        (await attempt(routerWith([devOnly]), 'checkout-service')).status,
      ).toBe(404);
      const elsewhere = service('checkout-service', 'payments-sandbox');
      const res = await attempt(routerWith([elsewhere]), 'checkout-service');
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(notHis('checkout-service'));
    });

    it('answers the same 404 for a rollout that does not exist', async () => {
      const res = await attempt(
        routerWith([service('checkout-service', 'payments')]),
        'checkout-service',
        { name: 'no-such-rollout' },
      );
      expect(res.status).toBe(404);
      expect(res.body.error.message).toBe(
        notHis(
          'checkout-service',
          'payments/no-such-rollout in cluster prod-eu',
        ),
      );
    });
  });

  it('rejects bad bodies naming the field, and unauthenticated calls', async () => {
    const bad = await request(app)
      .post(`${path}/actions`)
      .set('Authorization', mockCredentials.user.header(OWNER))
      .send({
        cluster: 'prod-eu',
        namespace: 'payments',
        name: 'checkout-service',
        action: 'setWeight',
        resourceVersion: '1',
      });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'action'/);
    const anonymous = await request(app).get(path);
    expect(anonymous.status).toBe(401);
  });
});
