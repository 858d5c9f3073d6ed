import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { NotFoundError } from '@backstage/errors';
import express from 'express';
import request from 'supertest';
import { createEnvironmentsRouter } from './createEnvironmentsRouter';
import { EnvironmentsService } from '../services/EnvironmentsService';

describe('createEnvironmentsRouter', () => {
  const environments = {
    getServiceEnvironments: jest.fn(),
    getClusterServices: jest.fn(),
  };
  const app = express();
  app.use(
    createEnvironmentsRouter({
      environments: environments as unknown as EnvironmentsService,
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
  const user = mockCredentials.user.header();

  beforeEach(() => jest.resetAllMocks());

  it('answers with the service environments for a signed-in user', async () => {
    environments.getServiceEnvironments.mockResolvedValue({
      entityRef: 'component:default/a',
      environments: [],
      unplacedApps: [],
    });
    const res = await request(app)
      .get('/entities/component/default/a/environments')
      .set('Authorization', user);
    expect(res.status).toBe(200);
    expect(environments.getServiceEnvironments).toHaveBeenCalledWith(
      { kind: 'component', namespace: 'default', name: 'a' },
      expect.anything(),
    );
  });

  it('refuses callers without credentials', async () => {
    const res = await request(app).get(
      '/entities/component/default/a/environments',
    );
    expect(res.status).toBe(401);
    expect(environments.getServiceEnvironments).not.toHaveBeenCalled();
  });

  it('names the bad parameter', async () => {
    const res = await request(app)
      .get('/entities/component/default/%20bad%20/environments')
      .set('Authorization', user);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/Invalid parameter 'name'/);
  });

  it('passes 404 through for unknown entities and clusters', async () => {
    environments.getClusterServices.mockRejectedValue(
      new NotFoundError('No kubernetes-cluster Resource resource:default/x'),
    );
    const res = await request(app)
      .get('/clusters/default/x/services')
      .set('Authorization', user);
    expect(res.status).toBe(404);
    expect(res.body.error.message).toMatch(/resource:default\/x/);
  });
});
