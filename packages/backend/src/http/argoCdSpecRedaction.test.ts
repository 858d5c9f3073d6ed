import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { createBackend } from '@backstage/backend-defaults';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import argoCdBackend from '@roadiehq/backstage-plugin-argo-cd-backend';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { errorResponseScrubbing } from '../config/errorResponseScrubbing';
import {
  argoCdSpecRedaction,
  redactArgoCdSources,
} from './argoCdSpecRedaction';
import { readOnlyUpstreamGuard } from './readOnlyUpstreamGuard';

jest.setTimeout(60_000);

/** A Helm source with everything Argo CD lets a user inline (CRD: ApplicationSourceHelm). */
const helmSource = () => ({
  repoURL: 'https://charts.example.com',
  chart: 'checkout',
  targetRevision: '1.2.3',
  helm: {
    releaseName: 'checkout',
    valueFiles: ['values-prod.yaml'],
    values: 'db:\n  password: hunter2-inline\n',
    valuesObject: { db: { password: 'hunter2-object' } },
    parameters: [
      { name: 'apiKey', value: 'hunter2-parameter', forceString: true },
    ],
    fileParameters: [{ name: 'tls.key', path: 'secrets/tls.key' }],
  },
});
/** A config management plugin source with env (CRD: ApplicationSourcePlugin). */
const pluginSource = () => ({
  repoURL: 'https://git.example.com/team/checkout.git',
  path: 'deploy',
  targetRevision: 'main',
  plugin: {
    name: 'avp',
    env: [{ name: 'VAULT_TOKEN', value: 'hunter2-env' }],
    parameters: [{ name: 'mode', string: 'x' }],
  },
});

const application = () => ({
  metadata: { name: 'checkout-service-prod', namespace: 'argocd' },
  spec: {
    project: 'payments',
    source: helmSource(),
    sources: [helmSource(), pluginSource()],
    destination: {
      server: 'https://prod-eu.k8s.example.com',
      namespace: 'payments',
    },
  },
  status: {
    sync: {
      status: 'Synced',
      comparedTo: { source: helmSource(), destination: {} },
    },
    history: [
      {
        id: 0,
        revision: '1.2.3',
        source: helmSource(),
        sources: [pluginSource()],
      },
    ],
    operationState: {
      operation: { sync: { revision: '1.2.3', source: helmSource() } },
      syncResult: {
        revision: '1.2.3',
        sources: [helmSource(), pluginSource()],
      },
    },
  },
});

const SECRETS = /hunter2|VAULT_TOKEN|tls\.key/;

describe('redactArgoCdSources', () => {
  it('removes inline Helm values, parameter values, file parameters and plugin env from every source', () => {
    const redacted = redactArgoCdSources({ items: [application()] }) as any;
    expect(JSON.stringify(redacted)).not.toMatch(SECRETS);
    const app = redacted.items[0];
    // What the UI shows stays.
    expect(app.spec.source).toEqual({
      repoURL: 'https://charts.example.com',
      chart: 'checkout',
      targetRevision: '1.2.3',
      helm: {
        releaseName: 'checkout',
        valueFiles: ['values-prod.yaml'],
        parameters: [{ name: 'apiKey', forceString: true }],
      },
    });
    expect(app.spec.sources[1].plugin).toEqual({
      name: 'avp',
      parameters: [{ name: 'mode', string: 'x' }],
    });
    expect(app.spec.destination).toEqual(application().spec.destination);
    expect(app.status.history[0].revision).toBe('1.2.3');
  });

  it('leaves JSON without sources alone', () => {
    const list = [{ name: 'argocd-prod', appName: ['checkout-service-prod'] }];
    expect(redactArgoCdSources(list)).toEqual(list);
  });
});

/**
 * Roadie's Argo CD backend, as index.ts mounts it, against a local Argo CD
 * that answers GET /api/v1/applications/:name and refuses sessions.
 */
describe("Roadie's Argo CD routes", () => {
  const argocd = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v1/session') {
      res.writeHead(401).end(
        JSON.stringify({
          error: 'invalid session',
          code: 16,
          message: 'invalid session',
        }),
      );
    } else if (
      req.url?.startsWith('/api/v1/applications/checkout-service-prod')
    ) {
      res.end(JSON.stringify(application()));
    } else if (req.url?.startsWith('/api/v1/applications?selector=')) {
      res.end(JSON.stringify({ items: [application()] }));
    } else {
      res
        .writeHead(404)
        .end(
          JSON.stringify({ error: 'not found', code: 5, message: 'not found' }),
        );
    }
  });
  let argocdUrl = '';
  // The real backend with index.ts's root router; auth and config mocked.
  const backend = createBackend();
  let server: http.Server;

  beforeAll(async () => {
    await new Promise<void>(r => argocd.listen(0, '127.0.0.1', r));
    argocdUrl = `http://127.0.0.1:${(argocd.address() as AddressInfo).port}`;
    backend.add(argoCdBackend);
    backend.add(
      rootHttpRouterServiceFactory({
        configure({ app, applyDefaults, config, logger, server: rootServer }) {
          server = rootServer;
          app.use(errorResponseScrubbing({ config, logger }));
          app.use('/api/argocd', readOnlyUpstreamGuard('Argo CD'));
          app.use('/api/argocd', argoCdSpecRedaction());
          applyDefaults();
        },
      }),
    );
    backend.add(mockServices.auth.factory());
    backend.add(mockServices.httpAuth.factory());
    backend.add(mockServices.rootLogger.factory({ level: 'none' }));
    backend.add(
      mockServices.rootConfig.factory({
        data: {
          backend: {
            baseUrl: 'http://localhost:7007',
            listen: { host: '127.0.0.1', port: 0 },
          },
          argocd: {
            appLocatorMethods: [
              {
                type: 'config',
                instances: [
                  {
                    name: 'argocd-prod',
                    url: argocdUrl,
                    token:
                      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2lnbmF0dXJl',
                  },
                  {
                    name: 'argocd-login',
                    url: argocdUrl,
                    username: 'admin',
                    password: 'not-the-password',
                  },
                ],
              },
            ],
          },
        },
      }),
    );
    await backend.start();
  });

  afterAll(async () => {
    await backend.stop();
    await new Promise(r => argocd.close(r));
  });

  const get = (path: string) =>
    request(server)
      .get(`/api/argocd${path}`)
      .set('Authorization', mockCredentials.user.header());

  it('hands the browser an Application without inline Helm values or plugin env', async () => {
    const res = await get(
      '/argoInstance/argocd-prod/applications/name/checkout-service-prod',
    );
    expect(res.status).toBe(200);
    expect(res.body.metadata.name).toBe('checkout-service-prod');
    expect(res.body.spec.source.helm.valueFiles).toEqual(['values-prod.yaml']);
    expect(res.text).not.toMatch(SECRETS);
  });

  it('redacts lists found by selector too', async () => {
    const res = await get(
      '/argoInstance/argocd-prod/applications/selector/backstage.io%2Fkubernetes-id%3Dcheckout-service',
    );
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.text).not.toMatch(SECRETS);
  });

  it("scrubs the instance URL from Roadie's error messages", async () => {
    const res = await get(
      '/argoInstance/argocd-login/applications/name/checkout-service-prod',
    );
    expect(res.status).toBe(500);
    // Roadie says "Getting unauthorized for Argo CD instance <url>".
    expect(res.body.error.message).toBe(
      'Getting unauthorized for Argo CD instance [internal URL]',
    );
    expect(res.text).not.toContain(argocdUrl);
    expect(res.text).not.toContain('127.0.0.1');
  });
});
