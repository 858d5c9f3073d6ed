import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import authPlugin from '@backstage/plugin-auth-backend';
import request from 'supertest';
import { SANDBOX_USER_HEADER, sandboxSignInModule } from './sandboxSignInModule';

jest.setTimeout(60_000);

const users = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'barbara.liskov', namespace: 'default' },
    spec: { memberOf: ['team-payments'] },
    relations: [{ type: 'memberOf', targetRef: 'group:default/team-payments' }],
  },
];

async function backend(sandboxEnabled: boolean) {
  return startTestBackend({
    features: [
      authPlugin,
      sandboxSignInModule,
      catalogServiceMock.factory({ entities: users }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: { session: { secret: 'test' }, providers: { sandbox: {} } },
          portolan: { sandbox: { enabled: sandboxEnabled } },
        },
      }),
    ],
  });
}

const signIn = (server: any, user: string) =>
  request(server)
    .get('/api/auth/sandbox/refresh')
    .set('X-Requested-With', 'XMLHttpRequest')
    .set(SANDBOX_USER_HEADER, user);

describe('sandbox sign-in', () => {
  it('signs in as a catalog user, with the ownership the catalog gives', async () => {
    const b = await backend(true);
    const server = b.server;
    try {
      const res = await signIn(server, 'barbara.liskov');
      expect(res.status).toBe(200);
      expect(res.body.backstageIdentity.identity).toMatchObject({
        userEntityRef: 'user:default/barbara.liskov',
        ownershipEntityRefs: expect.arrayContaining(['group:default/team-payments']),
      });
      const unknown = await signIn(server, 'mallory');
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.message).toMatch(/no user 'mallory' in the catalog/);
    } finally {
      await b.stop();
    }
  });

  it('does not exist unless the sandbox is enabled (production)', async () => {
    const b = await backend(false);
    const server = b.server;
    try {
      const res = await signIn(server, 'barbara.liskov');
      expect(res.status).toBe(404);
    } finally {
      await b.stop();
    }
  });
});
