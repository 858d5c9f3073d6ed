import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { GithubOrgMembershipClient } from './GithubOrgMembershipClient';
import { githubOrgSignInModule } from './githubOrgSignInModule';

jest.setTimeout(60_000);

const ORG = 'portolan-org';

/** GitHub's answer to GET /user/memberships/orgs/portolan-org, per user. */
const memberships: Record<string, { status: number; body?: object }> = {
  ada: {
    status: 200,
    body: { state: 'active', role: 'member', organization: { login: ORG } },
  },
  mallory: {
    status: 200,
    body: { state: 'active', role: 'member', organization: { login: ORG } },
  },
  grace: {
    status: 200,
    body: { state: 'pending', role: 'member', organization: { login: ORG } },
  },
  bob: { status: 404, body: { message: 'Not Found' } },
  eve: {
    status: 403,
    body: {
      message:
        'Although you appear to have the correct authorization credentials...',
    },
  },
};

/**
 * A stand-in for GitHub Enterprise Server on a local port: the OAuth token
 * exchange, the user profile and the organisation membership API, answering
 * as GitHub documents them. Access tokens are `token-<login>`.
 */
class FakeGithub {
  readonly requests: Array<{
    method: string;
    path: string;
    authorization?: string;
  }> = [];
  private readonly server = http.createServer((req, res) =>
    this.handle(req, res),
  );
  url = '';

  async start() {
    await new Promise<void>(r => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${
      (this.server.address() as AddressInfo).port
    }`;
  }

  async stop() {
    await new Promise(r => this.server.close(r));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      this.requests.push({
        method: req.method ?? '',
        path,
        authorization: req.headers.authorization,
      });
      const send = (status: number, data: object) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(data));
      };
      const login = /^(?:token|Bearer) token-(\w+)$/.exec(
        req.headers.authorization ?? '',
      )?.[1];
      if (req.method === 'POST' && path === '/login/oauth/access_token') {
        const code = new URLSearchParams(body).get('code');
        send(200, {
          access_token: `token-${code}`,
          token_type: 'bearer',
          scope: 'read:org,read:user',
        });
      } else if (path === '/api/v3/user' && login) {
        send(200, {
          login,
          id: login.length,
          node_id: `U_${login}`,
          name: login,
          email: null,
        });
      } else if (path === `/api/v3/user/memberships/orgs/${ORG}` && login) {
        const answer = memberships[login] ?? {
          status: 404,
          body: { message: 'Not Found' },
        };
        send(answer.status, answer.body ?? {});
      } else {
        send(401, { message: 'Bad credentials' });
      }
    });
  }
}

const users = [
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name: 'ada', namespace: 'default' },
    spec: { memberOf: ['team-payments'] },
    relations: [{ type: 'memberOf', targetRef: 'group:default/team-payments' }],
  },
  ...['grace', 'bob', 'eve'].map(name => ({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf: [] },
  })),
];

const github = new FakeGithub();
beforeAll(() => github.start());
afterAll(() => github.stop());

async function backend(githubEnvConfig: object = {}, organizations = [ORG]) {
  return startTestBackend({
    features: [
      authPlugin,
      githubOrgSignInModule,
      catalogServiceMock.factory({ entities: users }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          auth: {
            session: { secret: 'test' },
            providers: {
              github: {
                development: {
                  clientId: 'portolan-client',
                  clientSecret: 'portolan-secret',
                  enterpriseInstanceUrl: github.url,
                  ...githubEnvConfig,
                },
              },
            },
          },
          portolan: { signIn: { github: { organizations } } },
        },
      }),
    ],
  });
}

/**
 * Plays the browser's popup flow: /start (redirect to GitHub), then GitHub
 * redirecting back to /handler/frame with a code; returns the message the
 * frame posts to the app.
 */
async function signInAs(server: http.Server, login: string) {
  const start = await request(server).get(
    '/api/auth/github/start?env=development',
  );
  expect(start.status).toBe(302);
  const authorize = new URL(start.headers.location);
  const nonceCookie = ([] as string[])
    .concat(start.headers['set-cookie'] ?? [])
    .map(c => c.split(';')[0])
    // The first one clears a legacy cookie; the nonce has a value.
    .find(c => c.startsWith('github-nonce=') && c !== 'github-nonce=');
  const frame = await request(server)
    .get('/api/auth/github/handler/frame')
    .query({ code: login, state: authorize.searchParams.get('state') })
    .set('Cookie', nonceCookie!);
  const payload = /decodeURIComponent\('([^']*)'\)/.exec(frame.text)?.[1];
  return { authorize, message: JSON.parse(decodeURIComponent(payload!)) };
}

describe('GitHub sign-in with organisation membership', () => {
  let b: Awaited<ReturnType<typeof backend>>;
  beforeAll(async () => {
    b = await backend();
  });
  afterAll(() => b.stop());
  beforeEach(() => github.requests.splice(0));

  it('signs in a member of the organisation who is in the catalog, asking with their own token', async () => {
    const { authorize, message } = await signInAs(b.server, 'ada');
    expect(authorize.origin + authorize.pathname).toBe(
      `${github.url}/login/oauth/authorize`,
    );
    expect(authorize.searchParams.get('scope')!.split(/[ ,]/)).toEqual(
      expect.arrayContaining(['read:user', 'read:org']),
    );
    expect(message.error).toBeUndefined();
    expect(message.response.backstageIdentity.identity).toMatchObject({
      userEntityRef: 'user:default/ada',
      ownershipEntityRefs: expect.arrayContaining([
        'group:default/team-payments',
      ]),
    });
    expect(github.requests).toContainEqual({
      method: 'GET',
      path: `/api/v3/user/memberships/orgs/${ORG}`,
      authorization: 'Bearer token-ada',
    });
  });

  it.each([
    [
      'a user outside the organisation',
      'bob',
      /GitHub user 'bob' is not a member of 'portolan-org'/,
    ],
    [
      'a user whose invitation is still pending',
      'grace',
      /GitHub user 'grace' is not a member of 'portolan-org'/,
    ],
    [
      'a user whose membership GitHub will not show',
      'eve',
      /needs the read:org scope/,
    ],
  ])('refuses %s', async (_case, login, reason) => {
    const { message } = await signInAs(b.server, login);
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(reason);
  });

  it('refuses a member of the organisation who is not in the catalog', async () => {
    const { message } = await signInAs(b.server, 'mallory');
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(
      /unable to resolve user identity|not found/i,
    );
    // The membership was checked first, and passed.
    expect(github.requests.map(r => r.path)).toContain(
      `/api/v3/user/memberships/orgs/${ORG}`,
    );
  });

  it('does not start without the organisations whose members may sign in', async () => {
    await expect(backend({}, [])).rejects.toThrow(
      /GitHub sign-in needs portolan\.signIn\.github\.organizations/,
    );
  });

  it('never lets a resolver sign in users missing from the catalog', async () => {
    await expect(
      backend({
        signIn: {
          resolvers: [
            {
              resolver: 'usernameMatchingUserEntityName',
              dangerouslyAllowSignInWithoutUserInCatalog: true,
            },
          ],
        },
      }),
    ).rejects.toThrow(
      /dangerouslyAllowSignInWithoutUserInCatalog is not allowed/,
    );
  });
});

describe('GithubOrgMembershipClient', () => {
  it('times out, naming GitHub and the organisation but not the URL', async () => {
    const hanging = http.createServer(() => {});
    await new Promise<void>(r => hanging.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    try {
      const client = GithubOrgMembershipClient.create({
        apiBaseUrl: url,
        timeoutMs: 200,
      });
      const error = await client
        .activeMemberships('token-ada', [ORG])
        .catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.message).toBe(
        `GitHub did not answer the membership check for organisation '${ORG}' within 0.2 s`,
      );
    } finally {
      hanging.closeAllConnections();
      await new Promise(r => hanging.close(r));
    }
  });

  it('uses the API of GitHub Enterprise Server when an instance is configured', () => {
    expect(GithubOrgMembershipClient.apiBaseUrlFor(undefined)).toBe(
      'https://api.github.com',
    );
    expect(
      GithubOrgMembershipClient.apiBaseUrlFor('https://ghe.example.com/'),
    ).toBe('https://ghe.example.com/api/v3');
  });
});
