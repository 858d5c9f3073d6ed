import { ConfigReader } from '@backstage/config';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { ArgoCdClient, ArgoCdError } from './ArgoCdClient';
import { readArgoCdInstances } from './ArgoCdConfig';

/** A tiny Argo CD over real HTTP, shaped as the swagger says. */
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
    spec: { project: 'payments', destination: { name: 'dev', namespace: 'payments' } },
    status: { sync: { status: 'Synced', revision: 'abc' }, health: { status: 'Healthy' } },
  });
  const server = http.createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      setTimeout(() => {
        res.writeHead(status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      }, state.delayMs);
    };
    if (req.url === '/api/v1/session' && req.method === 'POST') {
      let raw = '';
      req.on('data', c => (raw += c));
      req.on('end', () => {
        const { username, password } = JSON.parse(raw);
        if (username !== 'admin' || password !== 'secret') {
          send(401, { error: 'Invalid username or password', code: 16, message: 'Invalid username or password' });
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
      send(401, { error: 'no session information', code: 16, message: 'no session information' });
      return;
    }
    const url = new URL(req.url!, 'http://x');
    if (url.pathname === '/api/v1/applications') {
      if (state.badBody) {
        send(200, { items: [{ metadata: {} }] });
        return;
      }
      const items = [app('checkout-service-dev', 'checkout-service'), app('web-shop-dev', 'web-shop')];
      const selector = url.searchParams.get('selector');
      send(200, {
        items: selector
          ? items.filter(i => `backstage.io/kubernetes-id=${i.metadata.labels['backstage.io/kubernetes-id']}` === selector)
          : items,
      });
      return;
    }
    const meta = /^\/api\/v1\/applications\/([^/]+)\/revisions\/([^/]+)\/metadata$/.exec(url.pathname);
    if (meta) {
      send(200, { author: 'Ada <ada@x>', date: '2026-11-01T10:00:00Z', message: 'Fix it' });
      return;
    }
    send(404, { error: 'not found', code: 5, message: 'not found' });
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
  afterAll(() => new Promise(r => server.close(r)));
  beforeEach(() => {
    state.requests = [];
    state.delayMs = 0;
    state.badBody = false;
  });

  const client = (overrides = {}) =>
    new ArgoCdClient({ name: 'argocd-test', url, username: 'admin', password: 'secret', ...overrides }, { timeoutMs: 500 });

  it('signs in once and lists applications by selector in one call', async () => {
    const c = client();
    const apps = await c.listApplications({ selector: 'backstage.io/kubernetes-id=web-shop' });
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
    await expect(client().getRevisionMetadata('web-shop-dev', 'abc')).resolves.toMatchObject({
      author: 'Ada <ada@x>',
      message: 'Fix it',
    });
  });

  it('names the instance on a wrong password', async () => {
    await expect(client({ password: 'wrong' }).listApplications()).rejects.toThrow(
      /^Argo CD instance argocd-test: authentication failed while signing in \(401: Invalid username or password\)/,
    );
  });

  it('names the instance on a wrong static token', async () => {
    const err = await client({ token: 'nope', username: undefined, password: undefined })
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

  it('says when the instance is unreachable', async () => {
    const c = new ArgoCdClient({ name: 'argocd-gone', url: 'http://127.0.0.1:1', token: 't' });
    await expect(c.listApplications()).rejects.toThrow(
      /^Argo CD instance argocd-gone: unreachable at http:\/\/127.0.0.1:1/,
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
      new ConfigReader({ argocd: { appLocatorMethods: [{ type: 'config', instances }] } } as any),
    );

  it('reads instances and trims trailing slashes', () => {
    expect(read([{ name: 'a', url: 'http://x/', token: 't' }])).toEqual([
      { name: 'a', url: 'http://x', token: 't' },
    ]);
  });

  it('names the key of a bad value', () => {
    expect(() => read([{ name: 'a', url: 'http://x', token: 't' }, { name: 'b', url: 'nope', token: 't' }])).toThrow(
      "Invalid config value at 'argocd.appLocatorMethods[0].instances[1].url'",
    );
    expect(() => read([{ name: 'a', url: 'http://x' }])).toThrow(
      /instances\[0\]': needs either token, or username and password/,
    );
    expect(() => read([{ name: 'a', url: 'http://x', token: 't' }, { name: 'a', url: 'http://y', token: 't' }])).toThrow(
      /instance name 'a' is used twice/,
    );
  });
});
