import express from 'express';
import request from 'supertest';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { kubernetesReadOnlyGuard } from './upstreamGuards';
import { writeRateLimit } from './writeRateLimit';

function appWith(mount: (app: express.Express) => void) {
  const app = express();
  const reached = jest.fn();
  mount(app);
  app.use((req, res) => {
    reached(req.method, req.originalUrl);
    res.json({ ok: true });
  });
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: mockServices.logger.mock(),
    }).error(),
  );
  return { app, reached };
}

describe('kubernetesReadOnlyGuard', () => {
  const { app, reached } = appWith(a =>
    a.use('/api/kubernetes', kubernetesReadOnlyGuard()),
  );
  beforeEach(() => reached.mockClear());

  it.each([
    ['get', '/api/kubernetes/clusters'],
    ['post', '/api/kubernetes/services/checkout-service'],
    ['post', '/api/kubernetes/resources/workloads/query'],
    ['post', '/api/kubernetes/resources/custom/query'],
  ] as const)('lets the plugin read: %s %s', async (method, path) => {
    const res = await request(app)[method](path).send({});
    expect(res.status).toBe(200);
    expect(reached).toHaveBeenCalled();
  });

  it.each([
    [
      'patch',
      '/api/kubernetes/proxy/apis/argoproj.io/v1alpha1/namespaces/payments/rollouts/checkout-service/status',
    ],
    [
      'delete',
      '/api/kubernetes/proxy/api/v1/namespaces/payments/pods/checkout-1',
    ],
    ['get', '/api/kubernetes/proxy/api/v1/secrets'],
    ['post', '/api/kubernetes/proxy'],
    ['post', '/api/kubernetes/clusters'],
    ['put', '/api/kubernetes/services/checkout-service'],
  ] as const)(
    'refuses %s %s with 403 before the plugin sees it',
    async (method, path) => {
      const res = await request(app)
        [method](path)
        .set('Backstage-Kubernetes-Cluster', 'prod-eu')
        .send({});
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      expect(reached).not.toHaveBeenCalled();
    },
  );
});

describe('writeRateLimit', () => {
  const config = new ConfigReader({
    portolan: { rateLimit: { writes: { window: { minutes: 1 }, limit: 3 } } },
  });
  const { app, reached } = appWith(a => a.use(writeRateLimit(config)));

  it('answers 429 once a client has made its writes for the window, and keeps reads open', async () => {
    const action =
      '/api/delivery/entities/component/default/x/rollouts/actions';
    for (let i = 0; i < 3; i++) {
      expect((await request(app).post(action).send({})).status).toBe(200);
    }
    const limited = await request(app).post(action).send({});
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/at most 3 per 60 s/);
    expect(reached).toHaveBeenCalledTimes(3);
    // Reads, including reads by POST, are not limited.
    expect(
      (
        await request(app).get(
          '/api/delivery/entities/component/default/x/rollouts',
        )
      ).status,
    ).toBe(200);
    expect(
      (await request(app).post('/api/catalog/entities/by-refs').send({}))
        .status,
    ).toBe(200);
    expect(
      (await request(app).post('/api/permission/authorize').send({})).status,
    ).toBe(200);
    // Other writes share the budget.
    expect(
      (await request(app).post('/api/catalog/locations').send({})).status,
    ).toBe(429);
  });

  it('refuses a limit that is not a positive integer, naming the key', () => {
    expect(() =>
      writeRateLimit(
        new ConfigReader({ portolan: { rateLimit: { writes: { limit: 0 } } } }),
      ),
    ).toThrow("Invalid config value at 'portolan.rateLimit.writes.limit'");
  });
});
