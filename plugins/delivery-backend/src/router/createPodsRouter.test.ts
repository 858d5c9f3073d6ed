import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
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
import { RolloutsClient } from '../clients/RolloutsClient';
import { createPodsRouter } from './createPodsRouter';
import { PodReadService } from '../services/PodReadService';

jest.setTimeout(60_000);

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
});

describe('pod logs and events, read-only, bound to readable services', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let app: express.Express;
  let pods: Array<{
    metadata: {
      name: string;
      namespace: string;
      labels: Record<string, string>;
    };
  }>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const prod = sandbox.info.kubernetes.find(c => c.name === 'prod-eu')!;
    const list = await sandboxFetch(sandbox.info)(`${prod.url}/api/v1/pods`, {
      headers: { Authorization: `Bearer ${prod.token}` },
    });
    pods = ((await list.json()) as any).items;
    const pods_ = PodReadService.create({
      clients: sandbox.info.kubernetes.map(
        c => new RolloutsClient(kubeconfigCluster(sandbox.info, c.name)),
      ),
      // checkout-service is readable; nothing else is in this catalog.
      catalog: catalogServiceMock({
        entities: [service('checkout-service', 'payments')],
      }),
      permissions: mockServices.permissions.mock({
        authorize: async () => [{ result: AuthorizeResult.ALLOW }],
      }),
    });
    app = express();
    app.use(
      createPodsRouter({
        pods: pods_,
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

  const get = (path: string) =>
    request(app).get(path).set('Authorization', mockCredentials.user.header());

  it("reads a log of the service's own pod", async () => {
    const pod = pods.find(
      p =>
        p.metadata.labels['backstage.io/kubernetes-id'] === 'checkout-service',
    )!;
    const res = await get(
      `/clusters/prod-eu/namespaces/payments/pods/${pod.metadata.name}/log?previous=`,
    );
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    expect(res.text.length).toBeGreaterThan(0);
  });

  it("answers 404 for another service's pod, an unknown pod or cluster (same message shape)", async () => {
    const foreign = pods.find(
      p =>
        p.metadata.labels['backstage.io/kubernetes-id'] !== 'checkout-service',
    )!;
    for (const path of [
      `/clusters/prod-eu/namespaces/${foreign.metadata.namespace}/pods/${foreign.metadata.name}/log`,
      '/clusters/prod-eu/namespaces/payments/pods/no-such-pod/log',
      '/clusters/nowhere/namespaces/payments/pods/x/log',
    ]) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body.error.message).toMatch(/^No service you can read runs /);
    }
  });

  it('refuses anonymous callers and bad parameters', async () => {
    expect(
      (
        await request(app).get(
          '/clusters/prod-eu/namespaces/payments/pods/x/log',
        )
      ).status,
    ).toBe(401);
    const bad = await get(
      '/clusters/prod-eu/namespaces/payments/pods/x/log?tailLines=1000000',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/'tailLines'/);
    expect(
      (await get('/clusters/prod-eu/namespaces/Kube_System/pods/x/log')).status,
    ).toBe(400);
  });

  it("lists events of the service's objects, and refuses another team's namespace", async () => {
    const pod = pods.find(
      p =>
        p.metadata.labels['backstage.io/kubernetes-id'] === 'checkout-service',
    )!;
    const mine = await get(
      `/clusters/prod-eu/namespaces/payments/objects/${pod.metadata.name}/events`,
    );
    expect(mine.status).toBe(200);
    expect(Array.isArray(mine.body.items)).toBe(true);
    const rollout = await get(
      '/clusters/prod-eu/namespaces/payments/objects/checkout-service/events',
    );
    expect(rollout.status).toBe(200);
    const foreign = pods.find(p => p.metadata.namespace !== 'payments')!;
    const theirs = await get(
      `/clusters/prod-eu/namespaces/${foreign.metadata.namespace}/objects/anything/events`,
    );
    expect(theirs.status).toBe(404);
  });
});
