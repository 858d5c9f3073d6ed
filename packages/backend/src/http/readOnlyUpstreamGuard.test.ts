import express from 'express';
import request from 'supertest';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { readOnlyUpstreamGuard } from './readOnlyUpstreamGuard';

describe('readOnlyUpstreamGuard', () => {
  const app = express();
  const reached = jest.fn();
  app.use('/api/argocd', readOnlyUpstreamGuard('Argo CD'));
  app.use('/api/argocd', (req, res) => {
    reached(req.method);
    res.json({ ok: true });
  });
  app.use(
    MiddlewareFactory.create({
      config: mockServices.rootConfig(),
      logger: mockServices.logger.mock(),
    }).error(),
  );

  beforeEach(() => reached.mockClear());

  it('lets reads through', async () => {
    const res = await request(app).get('/api/argocd/find/name/web-shop-prod');
    expect(res.status).toBe(200);
    expect(reached).toHaveBeenCalledWith('GET');
  });

  it.each(['post', 'put', 'delete', 'patch'] as const)(
    'refuses %s with 403 before the plugin sees it',
    async method => {
      const res = await request(app)[method]('/api/argocd/sync');
      expect(res.status).toBe(403);
      expect(res.body.error.name).toBe('NotAllowedError');
      expect(reached).not.toHaveBeenCalled();
    },
  );
});
