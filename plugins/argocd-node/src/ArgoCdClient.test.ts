import { ConfigReader } from '@backstage/config';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ArgoCdClient, ArgoCdError } from './ArgoCdClient';
import { readArgoCdInstances } from './ArgoCdConfig';

/**
 * A tiny Argo CD 3.x over real HTTP, shaped as the swagger says: missing
 * apps answer 403 "permission denied" (server/application getAppEnforceRBAC),
 * per-resource health comes from the resource tree.
 */
function fakeArgoCd() {
  const state = {
    tokens: new Set<string>(),
    sessions: 0,
    requests: [] as string[],
    delayMs: 0,
    badBody: false,
  };
  const app = (name: string, service: string) => ({
    metadata: { name, labels: { 'backstage.io/kubernetes-id': service } },
    spec: {
      project: 'payments',
      destination: { name: 'dev', namespace: 'payments' },
    },
    status: {
      sync: { status: 'Synced', revision: 'abc' },
      health: { status: 'Healthy' },
    },
  });
  const server = http.createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      }, state.delayMs).unref();
    };
    if (req.url === '/api/v1/session' && req.method === 'POST') {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        const { username, password } = JSON.parse(raw);
        if (username !== 'admin' || password !== 'secret') {
          send(401, {
            error: 'Invalid username or password',
            code: 16,
            message: 'Invalid username or password',
          });
          return;
        }
        const token = `t${++state.sessions}`;
        state.tokens.add(token);
        send(200, { token });
      });
      return;
    }
    const token = req.headers.authorization?.replace('Bearer ', '');
    if (!token || !state.tokens.has(token)) {
      send(401, {
        error: 'no session information',
        code: 16,
        message: 'no session information',
      });
      return;
    }
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/v1/applications') {
      if (state.badBody) {
        send(200, { items: [{ metadata: {} }] });
        return;
      }
      const items = [
        app('checkout-service-dev', 'checkout-service'),
        app('web-shop-dev', 'web-shop'),
      ];
      const selector = url.searchParams.get('selector');
      send(200, {
        items: selector
          ? items.filter(
              i =>
                `backstage.io/kubernetes-id=${i.metadata.labels['backstage.io/kubernetes-id']}` ===
                selector,
            )
          : items,
      });
      return;
    }
    const meta =
      /^\/api\/v1\/applications\/([^/]+)\/revisions\/([^/]+)\/metadata$/.exec(
        url.pathname,
      );
    if (meta) {
      send(200, {
        author: 'Ada <ada@x>',
        date: '2026-11-01T10:00:00Z',
        message: 'Fix it',
      });
      return;
    }
    const one = /^\/api\/v1\/applications\/([^/]+)(\/resource-tree)?$/.exec(
      url.pathname,
    );
    if (one && one[1] === 'web-shop-dev') {
      if (!one[2]) {
        send(200, app('web-shop-dev', 'web-shop'));
      } else if (state.badBody) {
        send(200, { nodes: [{ kind: 'Rollout' }] });
      } else {
        send(200, {
          nodes: [
            {
              group: 'argoproj.io',
              version: 'v1alpha1',
              kind: 'Rollout',
              namespace: 'shop',
              name: 'web-shop',
              uid: 'u1',
              health: {
                status: 'Degraded',
                message: 'RolloutAborted: Rollout aborted update to revision 7',
              },
            },
            {
              group: 'apps',
              version: 'v1',
              kind: 'ReplicaSet',
              namespace: 'shop',
              name: 'web-shop-abc',
              uid: 'u2',
              parentRefs: [
                {
                  group: 'argoproj.io',
                  kind: 'Rollout',
                  namespace: 'shop',
                  name: 'web-shop',
                  uid: 'u1',
                },
              ],
              health: { status: 'Healthy' },
            },
          ],
        });
      }
      return;
    }
    if (one && one[1] === 'broken-app') {
      const message =
        'error getting cluster by server "https://10.20.0.1:6443": rpc error: code = Unavailable desc = connection refused';
      send(500, { error: message, code: 2, message });
      return;
    }
    if (one) {
      send(403, {
        error: 'permission denied',
        code: 7,
        message: 'permission denied',
      });
      return;
    }
    send(404, { error: 'Not Found', code: 5, message: 'Not Found' });
  });
  return { server, state };
}

describe('ArgoCdClient', () => {
  const { server, state } = fakeArgoCd();
  let url: string;
  beforeAll(async () => {
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  });
  beforeEach(() => {
    state.requests = [];
    state.delayMs = 0;
    state.badBody = false;
  });

  const client = (overrides = {}) =>
    new ArgoCdClient(
      {
        name: 'argocd-test',
        url,
        username: 'admin',
        password: 'secret',
        ...overrides,
      },
      { timeoutMs: 500 },
    );

  it('signs in once and lists applications by selector in one call', async () => {
    const c = client();
    const apps = await c.listApplications({
      selector: 'backstage.io/kubernetes-id=web-shop',
    });
    expect(apps.map(a => a.metadata.name)).toEqual(['web-shop-dev']);
    await c.listApplications();
    expect(state.requests).toEqual([
      'POST /api/v1/session',
      'GET /api/v1/applications?selector=backstage.io%2Fkubernetes-id%3Dweb-shop',
      'GET /api/v1/applications',
    ]);
    expect(c.calls).toMatchObject({ list: 2, session: 1 });
  });

  it('renews an expired session once', async () => {
    const c = client();
    await c.listApplications();
    state.tokens.clear();
    await expect(c.listApplications()).resolves.toHaveLength(2);
    expect(state.requests.filter(r => r.startsWith('POST')).length).toBe(2);
  });

  it('reads revision metadata', async () => {
    await expect(
      client().getRevisionMetadata('web-shop-dev', 'abc'),
    ).resolves.toMatchObject({
      author: 'Ada <ada@x>',
      message: 'Fix it',
    });
  });

  it('names the instance on a wrong password', async () => {
    await expect(
      client({ password: 'wrong' }).listApplications(),
    ).rejects.toThrow(
      /^Argo CD instance argocd-test: authentication failed while signing in \(401: Invalid username or password\)/,
    );
  });

  it('names the instance on a wrong static token', async () => {
    const err = await client({
      token: 'nope',
      username: undefined,
      password: undefined,
    })
      .listApplications()
      .catch(e => e);
    expect(err).toBeInstanceOf(ArgoCdError);
    expect(err.reason).toBe('unauthenticated');
  });

  it('gives up after the timeout, saying so', async () => {
    const c = client();
    await c.listApplications();
    state.delayMs = 2000;
    const started = Date.now();
    await expect(c.listApplications()).rejects.toThrow(
      'Argo CD instance argocd-test: no answer within 0.5 s',
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('says when the instance is unreachable, without its URL or token', async () => {
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    const c = new ArgoCdClient({
      name: 'argocd-gone',
      url: `http://127.0.0.1:${port}`,
      token: 'secret-token',
    });
    const err = await c.listApplications().catch(e => e);
    expect(err.message).toBe(
      'Argo CD instance argocd-gone: unreachable (ECONNREFUSED)',
    );
    expect(err.reason).toBe('unreachable');
  });

  it("keeps URLs from Argo CD's messages and tokens out of errors", async () => {
    const c = client();
    const err = await c.getApplication('broken-app').catch(e => e);
    expect(err).toBeInstanceOf(ArgoCdError);
    expect(err).toMatchObject({ reason: 'upstream', status: 500, grpcCode: 2 });
    expect(err.message).toBe(
      'Argo CD instance argocd-test: GET /api/v1/applications/broken-app answered 500: error getting cluster by server "<url>": rpc error: code = Unavailable desc = connection refused',
    );
    const wrongToken = await client({
      token: 'do-not-leak',
      username: undefined,
      password: undefined,
    })
      .listApplications()
      .catch(e => e);
    for (const e of [err, wrongToken]) {
      expect(e.message).not.toContain(url);
      expect(e.message).not.toContain('do-not-leak');
      expect(e.message).not.toContain('secret');
    }
  });

  it('reads an app, and treats Argo CD 3.x\'s "permission denied" for a missing app as none', async () => {
    const c = client();
    await expect(c.getApplication('web-shop-dev')).resolves.toMatchObject({
      metadata: { name: 'web-shop-dev' },
    });
    await expect(c.getApplication('nope')).resolves.toBeUndefined();
    await expect(
      c.getApplication('nope', { project: 'payments' }),
    ).resolves.toBeUndefined();
    expect(state.requests).toContain(
      'GET /api/v1/applications/nope?project=payments',
    );
  });

  it('reads the resource tree, where Argo CD 3.x keeps per-resource health', async () => {
    const c = client();
    const tree = await c.getResourceTree('web-shop-dev');
    expect(tree?.nodes?.find(n => n.kind === 'Rollout')?.health).toEqual({
      status: 'Degraded',
      message: 'RolloutAborted: Rollout aborted update to revision 7',
    });
    expect(tree?.nodes?.[1].parentRefs?.[0]).toMatchObject({
      kind: 'Rollout',
      name: 'web-shop',
    });
    expect(state.requests).toContain(
      'GET /api/v1/applications/web-shop-dev/resource-tree',
    );
    expect(c.calls.tree).toBe(1);
    await expect(c.getResourceTree('nope')).resolves.toBeUndefined();
    state.badBody = true;
    await expect(c.getResourceTree('web-shop-dev')).rejects.toThrow(
      /argocd-test: unexpected response \(nodes.0.name: Required\)/,
    );
  });

  it('rejects a malformed answer instead of passing it on', async () => {
    state.badBody = true;
    await expect(client().listApplications()).rejects.toThrow(
      /argocd-test: unexpected response \(items.0.metadata.name/,
    );
  });
});

describe('readArgoCdInstances', () => {
  const read = (instances: unknown[]) =>
    readArgoCdInstances(
      new ConfigReader({
        argocd: { appLocatorMethods: [{ type: 'config', instances }] },
      } as any),
    );

  it('reads instances and trims trailing slashes', () => {
    expect(read([{ name: 'a', url: 'https://x/', token: 't' }])).toEqual([
      { name: 'a', url: 'https://x', token: 't' },
    ]);
  });

  it('names the key of a bad value', () => {
    expect(() =>
      read([
        { name: 'a', url: 'https://x', token: 't' },
        { name: 'b', url: 'nope', token: 't' },
      ]),
    ).toThrow(
      "Invalid config value at 'argocd.appLocatorMethods[0].instances[1].url'",
    );
    expect(() => read([{ name: 'a', url: 'https://x' }])).toThrow(
      /instances\[0\]': needs either token, or username and password/,
    );
    expect(() =>
      read([
        { name: 'a', url: 'https://x', token: 't' },
        { name: 'a', url: 'https://y', token: 't' },
      ]),
    ).toThrow(/instance name 'a' is used twice/);
  });

  it('allows http: only for loopback, so tokens never cross a network in clear text', () => {
    for (const url of [
      'http://127.0.0.1:7101',
      'http://localhost:7102',
      'http://[::1]:8080',
      'http://127.1.2.3',
      'http://LOCALHOST.:7102',
      'http://[::ffff:127.0.0.1]:8080',
    ]) {
      expect(read([{ name: 'a', url, token: 't' }])[0].url).toBe(url);
    }
    for (const url of [
      'http://argocd.internal',
      'http://10.0.0.5:8080',
      'http://localhost.example.com',
      'http://[::2]',
    ]) {
      expect(() =>
        read([
          { name: 'a', url: 'https://ok', token: 't' },
          { name: 'b', url, token: 't' },
        ]),
      ).toThrow(
        "Invalid config value at 'argocd.appLocatorMethods[0].instances[1].url': must be https: (http: is allowed only for loopback addresses",
      );
    }
  });
});
