import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import express from 'express';
import request from 'supertest';
import {
  createErrorScrubber,
  errorResponseScrubbing,
  secretsByKeyName,
} from './errorResponseScrubbing';

const scrub = createErrorScrubber({
  secrets: () => ['s3cret-argocd-password', 'abc'],
  ownOrigins: ['https://portal.example.com'],
});

describe('createErrorScrubber', () => {
  it.each([
    [
      'Argo CD instance argocd-prod (https://argocd.internal.example.com:8443/api/v1/session) is unreachable.',
      'Argo CD instance argocd-prod ([internal URL]) is unreachable.',
    ],
    [
      'login as admin with s3cret-argocd-password failed',
      'login as admin with [redacted] failed',
    ],
    [
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2ln rejected',
      'Authorization: Bearer [redacted] rejected',
    ],
    [
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.c2ln expired',
      'token [redacted] expired',
    ],
    [
      'GitHub said no to ghp_0123456789abcdefghijABCDEFGHIJ',
      'GitHub said no to [redacted]',
    ],
    [
      'cluster prod-eu refused sandbox-token-prod-eu',
      'cluster prod-eu refused [redacted]',
    ],
    [
      'upstream said password=hunter2&user=x',
      'upstream said password=[redacted]&user=x',
    ],
    ['{"api_key": "k-123456"}', '{"api_key": "[redacted]"}'],
    [
      'connect ECONNREFUSED 10.1.2.3:6443',
      'connect ECONNREFUSED [internal address]',
    ],
    [
      'getaddrinfo ENOTFOUND argocd.internal',
      'getaddrinfo ENOTFOUND [internal address]',
    ],
    ['Basic dXNlcjpwYXNzd29yZA== was refused', 'Basic [redacted] was refused'],
  ])('%s', (text, scrubbed) => {
    expect(scrub(text)).toBe(scrubbed);
  });

  it.each([
    'See https://portal.example.com/catalog/default/component/x for details',
    'No entity named component:default/checkout-service',
    'Basic authentication failed',
    'The token has expired',
  ])('keeps what is safe: %s', text => {
    expect(scrub(text)).toBe(text);
  });
});

describe('secretsByKeyName', () => {
  it('collects values under credential-like keys, wherever they are', () => {
    const config = new ConfigReader({
      argocd: {
        appLocatorMethods: [
          {
            instances: [{ url: 'https://a', password: 'pw-1', token: 'tok-1' }],
          },
        ],
      },
      kubernetes: {
        clusterLocatorMethods: [
          { clusters: [{ serviceAccountToken: 'sa-1', url: 'https://k' }] },
        ],
      },
      auth: {
        providers: {
          github: { production: { clientId: 'id', clientSecret: 'cs-1' } },
        },
      },
      portolan: { git: { username: 'portolan', password: 'git-1' } },
    });
    expect(secretsByKeyName(config).sort()).toEqual([
      'cs-1',
      'git-1',
      'pw-1',
      'sa-1',
      'tok-1',
    ]);
  });
});

describe('errorResponseScrubbing', () => {
  const config = new ConfigReader({
    app: { baseUrl: 'https://portal.example.com' },
    backend: { baseUrl: 'https://portal.example.com' },
    argocd: {
      appLocatorMethods: [
        {
          type: 'config',
          instances: [
            {
              name: 'p',
              url: 'https://argocd.internal',
              password: 'very-secret-pw',
            },
          ],
        },
      ],
    },
  });
  const logger = mockServices.logger.mock();
  const scrubbing = errorResponseScrubbing({ config, logger });
  afterAll(() => scrubbing.ready);
  const app = express();
  app.use(scrubbing);
  app.get('/thrown', () => {
    throw new NotFoundError(
      'No app on https://argocd.internal/api/v1/applications/x (password very-secret-pw)',
    );
  });
  app.get('/hand-built', (_req, res) => {
    res.status(502).send('upstream https://argocd.internal failed');
  });
  app.get('/ok', (_req, res) => {
    res.json({ url: 'https://argocd.internal/applications/x' });
  });
  app.use(MiddlewareFactory.create({ config, logger }).error());

  it("scrubs Backstage's error responses", async () => {
    const res = await request(app).get('/thrown');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      name: 'NotFoundError',
      message: 'No app on [internal URL] (password [redacted])',
    });
  });

  it('scrubs error bodies a plugin builds itself', async () => {
    const res = await request(app).get('/hand-built');
    expect(res.status).toBe(502);
    expect(res.text).toBe('upstream [internal URL] failed');
  });

  it('leaves successful answers alone', async () => {
    const res = await request(app).get('/ok');
    expect(res.body).toEqual({ url: 'https://argocd.internal/applications/x' });
  });
});
