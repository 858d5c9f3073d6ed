import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import authPlugin from '@backstage/plugin-auth-backend';
import { ConfigReader } from '@backstage/config';
import request from 'supertest';
import {
  SANDBOX_USER_HEADER,
  sandboxSignInModule,
  sandboxSignInRefusals,
} from './sandboxSignInModule';

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

/** What bin/portal's run config gives the backend when the sandbox runs. */
const sandboxRun = {
  app: { baseUrl: 'http://localhost:3000' },
  auth: { session: { secret: 'test' }, providers: { sandbox: {} } },
  portolan: {
    sandbox: { enabled: true },
    git: { url: 'http://127.0.0.1:7120/git' },
  },
  argocd: {
    appLocatorMethods: [
      {
        type: 'config',
        instances: [{ name: 'argocd-prod', url: 'http://127.0.0.1:7102' }],
      },
    ],
  },
  kubernetes: {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [{ name: 'prod-eu', url: 'https://127.0.0.1:7113' }],
      },
    ],
  },
};

async function backend(
  sandboxEnabled: boolean,
  overrides: object = {},
  logger = mockServices.logger.mock(),
) {
  return startTestBackend({
    features: [
      authPlugin,
      sandboxSignInModule,
      logger.factory,
      catalogServiceMock.factory({ entities: users }),
      mockServices.rootConfig.factory({
        // Layered last-wins, as config files are.
        data: ConfigReader.fromConfigs([
          {
            context: 'run',
            data: {
              ...sandboxRun,
              portolan: {
                ...sandboxRun.portolan,
                sandbox: { enabled: sandboxEnabled },
              },
            },
          },
          { context: 'test', data: overrides },
        ]).get(),
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
        ownershipEntityRefs: expect.arrayContaining([
          'group:default/team-payments',
        ]),
      });
      const unknown = await signIn(server, 'mallory');
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.message).toMatch(
        /no user 'mallory' in the catalog/,
      );
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

  it('does not exist when only portolan.sandbox.enabled is set (the base config has no provider)', async () => {
    const withoutProvider = await startTestBackend({
      features: [
        authPlugin,
        sandboxSignInModule,
        catalogServiceMock.factory({ entities: users }),
        mockServices.rootConfig.factory({
          data: { ...sandboxRun, auth: { session: { secret: 'test' } } },
        }),
      ],
    });
    try {
      expect(
        (await signIn(withoutProvider.server, 'barbara.liskov')).status,
      ).toBe(404);
    } finally {
      await withoutProvider.stop();
    }
  });

  const refused: Array<[string, object, string]> = [
    [
      'in production',
      { auth: { environment: 'production' } },
      'auth.environment is production',
    ],
    [
      'with a cluster on another machine',
      {
        kubernetes: {
          clusterLocatorMethods: [
            {
              type: 'config',
              clusters: [
                { name: 'prod-eu', url: 'https://prod-eu.k8s.example.com' },
              ],
            },
          ],
        },
      },
      'kubernetes.clusterLocatorMethods[0].clusters[0].url is not a loopback URL',
    ],
    [
      'with clusters from a cloud locator',
      {
        kubernetes: {
          clusterLocatorMethods: [{ type: 'gke', projectId: 'p' }],
        },
      },
      "kubernetes.clusterLocatorMethods[0] is of type 'gke', not a fixed list of local stand-ins",
    ],
    [
      'with an Argo CD instance on another machine',
      {
        argocd: {
          appLocatorMethods: [
            {
              type: 'config',
              instances: [
                { name: 'argocd-prod', url: 'https://argocd.example.com' },
              ],
            },
          ],
        },
      },
      'argocd.appLocatorMethods[0].instances[0].url is not a loopback URL',
    ],
    [
      'with a Git server on another machine',
      { portolan: { git: { url: 'https://git.example.com/git' } } },
      'portolan.git.url is not a loopback URL',
    ],
  ];

  it.each(refused)(
    'refuses to register %s, and logs why',
    async (_case, overrides, reason) => {
      const logger = mockServices.logger.mock();
      const b = await backend(true, overrides, logger);
      try {
        expect((await signIn(b.server, 'barbara.liskov')).status).toBe(404);
        expect(logger.error).toHaveBeenCalledWith(
          expect.stringContaining(reason),
        );
      } finally {
        await b.stop();
      }
    },
  );

  it('finds nothing to refuse in the sandbox run config, and every reason when all is wrong', () => {
    const config = (data: object) =>
      ConfigReader.fromConfigs([
        { context: 'run', data: sandboxRun },
        { context: 'test', data },
      ]);
    expect(sandboxSignInRefusals(config({}))).toEqual([]);
    expect(
      sandboxSignInRefusals(
        config({
          auth: { environment: 'production' },
          portolan: { git: { url: 'http://10.0.0.8/git' } },
        }),
      ),
    ).toEqual([
      'auth.environment is production',
      'portolan.git.url is not a loopback URL',
    ]);
  });
});
