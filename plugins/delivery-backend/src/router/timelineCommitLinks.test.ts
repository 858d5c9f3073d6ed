import {
  TestDatabases,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import express from 'express';
import request from 'supertest';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { CommitLinks } from '../services/CommitLinks';
import { createTimelineRouter } from './createTimelineRouter';

jest.setTimeout(60_000);

const sha = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

it('links each deploy to its commit as the configured SCM integrations say, and keeps the repository URL to itself', async () => {
  const knex = await databases.init('SQLITE_3');
  const database = { getClient: async () => knex };
  const store = await DeploymentStore.create({ database });
  const repos = [
    'https://code.acme.io/shop/web-shop.git', // a GitLab, by configuration
    'https://git.portolan.example/shop/web-shop.git', // no integration
  ];
  await store.upsertDeployments(
    repos.map((repoUrl, i) => ({
      entityRef: 'component:default/web-shop',
      environment: 'prod',
      instance: 'argocd-prod',
      app: 'web-shop-prod',
      historyId: i + 1,
      revision: sha,
      startedAt: new Date(Date.UTC(2026, 10, 1, i)),
      result: 'succeeded' as const,
      repoUrl,
    })),
  );
  const links = CommitLinks.fromConfig(
    new ConfigReader({
      integrations: {
        gitlab: [
          { host: 'code.acme.io', apiBaseUrl: 'https://code.acme.io/api/v4' },
        ],
      },
    }),
  );
  const app = express().use(
    createTimelineRouter({
      store,
      rolloutActions: await RolloutActionStore.create({ database }),
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'Component',
            metadata: { name: 'web-shop', namespace: 'default' },
            spec: { owner: 'team-storefront' },
          },
        ],
      }),
      httpAuth: mockServices.httpAuth(),
      commitUrl: (repoUrl, revision) => links.commitUrl(repoUrl, revision),
    }),
  );

  const res = await request(app)
    .get('/entities/component/default/web-shop/deployments')
    .set('Authorization', mockCredentials.user.header());
  expect(res.status).toBe(200);
  expect(
    res.body.items.map((d: any) => [d.historyId, d.commitUrl, d.repoUrl]),
  ).toEqual([
    [2, `https://git.portolan.example/shop/web-shop/commit/${sha}`, undefined],
    [1, `https://code.acme.io/shop/web-shop/-/commit/${sha}`, undefined],
  ]);
});
