import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import assistantBackend from '@portolan/plugin-assistant-backend';
import catalogModuleArgoCd from '@portolan/plugin-catalog-backend-module-argocd';
import complianceBackend from '@portolan/plugin-compliance-backend';
import deliveryPlugin from '@portolan/plugin-delivery-backend';
import finopsBackend from '@portolan/plugin-finops-backend';
import logsBackend from '@portolan/plugin-logs-backend';
import { Server } from 'node:http';
import request from 'supertest';

jest.setTimeout(60_000);

interface Route {
  method: string;
  path: string;
}

/** Express 4 keeps a mounted router's prefix only as a regexp: read it back. */
function mountPath(layer: any): string {
  const source: string = layer.regexp?.source ?? '';
  if (layer.regexp?.fast_slash || source === '^\\/?$') return '';
  const m = /^\^(.*?)\\\/\?\(\?=\\\/\|\$\)$/.exec(source);
  return m ? m[1].replace(/\\\//g, '/') : '';
}

/**
 * Every route registered anywhere in the running backend's Express app,
 * read from the routers themselves (not a hand-kept list).
 */
function routesOf(handle: any, prefix = ''): Route[] {
  const stack: any[] = handle?.stack ?? handle?._router?.stack ?? [];
  return stack.flatMap(layer => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter(m => m !== '_all')
        .map(method => ({ method, path: `${prefix}${layer.route.path}` }));
    }
    if (layer.handle?.stack)
      return routesOf(layer.handle, `${prefix}${mountPath(layer)}`);
    return [];
  });
}

const sample = (path: string) =>
  path.replace(/:([A-Za-z]+)/g, (_, name) =>
    name === 'kind' ? 'component' : 'x',
  );

describe("Portolan's plugin routes", () => {
  let server: Server;
  let routes: Route[];

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleArgoCd,
        deliveryPlugin,
        finopsBackend,
        logsBackend,
        complianceBackend,
        assistantBackend,
        // A request without a token is anonymous (the test default would
        // treat it as a signed-in user).
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: {
            argocd: {
              appLocatorMethods: [
                {
                  type: 'config',
                  instances: [
                    {
                      name: 'argocd-test',
                      url: 'http://127.0.0.1:9',
                      token: 't',
                    },
                  ],
                },
              ],
            },
            kubernetes: { clusterLocatorMethods: [] },
            delivery: {
              schedule: {
                frequency: { hours: 1 },
                timeout: { minutes: 1 },
                initialDelay: { hours: 1 },
              },
            },
            compliance: {
              schedule: {
                frequency: { hours: 1 },
                timeout: { minutes: 1 },
                initialDelay: { hours: 1 },
              },
            },
          },
        }),
      ],
    });
    server = backend.server;
    const app = server.listeners('request')[0];
    // Portolan's own routes; Backstage's (/.backstage, /.well-known) have
    // their own auth.
    routes = routesOf(app).filter(
      r =>
        (r.path.startsWith('/api/delivery/') ||
          r.path.startsWith('/api/finops/') ||
          r.path.startsWith('/api/logs/') ||
          r.path.startsWith('/api/compliance/') ||
          r.path.startsWith('/api/assistant/') ||
          r.path.startsWith('/api/catalog/portolan/')) &&
        !/\/\.(backstage|well-known)\//.test(r.path),
    );
  });

  it('finds the routes of the delivery plugin and the catalog module', () => {
    const paths = routes.map(r => `${r.method.toUpperCase()} ${r.path}`);
    // A few known ones, so a broken route walk cannot pass by finding none.
    expect(paths).toEqual(
      expect.arrayContaining([
        'GET /api/delivery/entities/:kind/:namespace/:name/deployments',
        'POST /api/delivery/entities/:kind/:namespace/:name/rollouts/actions',
        'GET /api/catalog/portolan/argocd-report',
        'GET /api/finops/entities/:kind/:namespace/:name/costs',
        'PUT /api/finops/entities/:kind/:namespace/:name/budget',
        'GET /api/logs/entities/:kind/:namespace/:name/search',
        'GET /api/logs/traces/:traceId',
        'GET /api/compliance/entities/:kind/:namespace/:name',
        'POST /api/compliance/waivers/:id/approve',
        'POST /api/assistant/conversations/:id/messages',
        'POST /api/assistant/proposals/:id/approve',
      ]),
    );
    expect(routes.length).toBeGreaterThan(8);
  });

  it('answers 401 on every one of them without a token, and not 401 with one', async () => {
    const unauthenticated: string[] = [];
    const rejectedUser: string[] = [];
    for (const route of routes) {
      const path = sample(route.path);
      const anonymous = await (request(server) as any)
        [route.method](path)
        .send({});
      if (anonymous.status !== 401)
        unauthenticated.push(`${route.method} ${path} → ${anonymous.status}`);
      const signedIn = await (request(server) as any)
        [route.method](path)
        .set('Authorization', mockCredentials.user.header('user:default/ada'))
        .send({});
      if (signedIn.status === 401) rejectedUser.push(`${route.method} ${path}`);
    }
    expect(unauthenticated).toEqual([]);
    expect(rejectedUser).toEqual([]);
  });
});
