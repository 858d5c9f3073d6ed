import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { MiddlewareFactory } from '@backstage/backend-defaults/rootHttpRouter';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import express from 'express';
import request from 'supertest';
import { readLogsConfig } from './config/readLogsConfig';
import { LogClusterClient } from './elasticsearch/LogClusterClient';
import { createRouter } from './router';
import { LogScopeResolver } from './scope/LogScopeResolver';
import { CursorCodec } from './search/CursorCodec';
import { LogSearchService } from './search/LogSearchService';
import { Redactor } from '@portolan/portolan-node';

jest.setTimeout(120_000);

const service = (
  name: string,
  owner: string,
  annotations: Record<string, string> = { 'backstage.io/kubernetes-id': name },
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'service', owner, lifecycle: 'production' },
  relations: [{ type: 'ownedBy', targetRef: owner }],
});
const ENTITIES: Entity[] = [
  service('checkout-service', 'group:default/team-payments'),
  service('payment-gateway', 'group:default/team-payments'),
  service('cart-service', 'group:default/team-storefront'),
  service('web-shop', 'group:default/team-storefront'),
  service('search-service', 'group:default/team-storefront'),
  // No log annotations: the default scope (its name).
  { ...service('unannotated', 'group:default/team-storefront', {}) },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'team-payments', namespace: 'default' },
    spec: { type: 'team', children: [] },
  },
];
const USER = 'user:default/barbara.liskov';
/** A user the test policy refuses `logs.read` on payment-gateway. */
const RESTRICTED = 'user:default/grace.hopper';
const CHECKOUT = '/entities/component/default/checkout-service';

describe('logs API against the sandbox Elasticsearch', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let app: express.Express;
  let client: LogClusterClient;
  const authorized: string[] = [];
  const clients: LogClusterClient[] = [];

  const appFor = (
    clusterConfig: Record<string, string | Record<string, string>>,
  ) => {
    const config = readLogsConfig(
      new ConfigReader({
        logs: { clusters: [clusterConfig], exportLimit: 500 },
      }),
    );
    const made = config.clusters.map(c => new LogClusterClient(c));
    clients.push(...made);
    const router = createRouter({
      httpAuth: mockServices.httpAuth(),
      permissions: {
        async authorize(requests: any[], { credentials }: any) {
          const who = credentials.principal.userEntityRef;
          return requests.map(r => {
            authorized.push(r.resourceRef);
            const denied =
              who === RESTRICTED &&
              r.resourceRef === 'component:default/payment-gateway';
            return {
              result: denied ? AuthorizeResult.DENY : AuthorizeResult.ALLOW,
            };
          });
        },
        async authorizeConditional() {
          throw new Error('not used');
        },
      } as any,
      catalog: catalogServiceMock({ entities: ENTITIES }),
      scopes: new LogScopeResolver(made),
      search: LogSearchService.create({
        redactor: new Redactor([/internal-ticket-\d+/]),
        cursors: new CursorCodec('test-secret-0123456789'),
      }),
      config,
      now: () => sandbox.clock.now(),
    });
    const a = express();
    a.use(router);
    a.use(
      MiddlewareFactory.create({
        config: new ConfigReader({}),
        logger: mockServices.logger.mock(),
      }).error(),
    );
    return { app: a, client: made[0] };
  };
  const get = (path: string, as = USER) =>
    request(app)
      .get(path)
      .set('Authorization', mockCredentials.user.header(as));
  const week = () => {
    const to = new Date(sandbox.clock.now());
    return {
      from: new Date(to.getTime() - 7 * 86_400_000).toISOString(),
      to: to.toISOString(),
    };
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const es = sandbox.info.elasticsearch!;
    ({ app, client } = appFor({
      name: 'sandbox',
      url: es.url,
      apiKey: es.apiKey,
      kibana: { url: 'https://kibana.example.com', dataViewId: 'logs' },
    }));
    sandbox.elasticsearch.catchUp();
  });
  afterAll(async () => {
    await Promise.all(clients.map(c => c.close()));
    await sandbox?.stop();
  });

  it('answers a 7-day text and level search with one Elasticsearch request: hits, total, histogram, facets', async () => {
    const before = { ...sandbox.elasticsearch.requests };
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'timeout',
      level: 'error',
      size: 50,
    });
    expect(res.status).toBe(200);
    expect(sandbox.elasticsearch.requests.search - before.search).toBe(1);
    expect(
      sandbox.elasticsearch.requests.openPointInTime - before.openPointInTime,
    ).toBe(0);
    const body = res.body;
    expect(body.total.value).toBeGreaterThan(50);
    expect(body.lines).toHaveLength(50);
    for (const line of body.lines) {
      expect(line.service).toBe('checkout-service');
      expect(line.level).toBe('error');
      expect(line.message.toLowerCase()).toContain('timeout');
      expect(
        line.segments.some(
          (s: any) => s.match && s.text.toLowerCase() === 'timeout',
        ),
      ).toBe(true);
    }
    // Newest first.
    const times = body.lines.map((l: any) => Date.parse(l.timestamp));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // ~60 buckets over the range, counting the same lines as the total.
    expect(body.histogram.buckets.length).toBeGreaterThanOrEqual(55);
    expect(body.histogram.buckets.length).toBeLessThanOrEqual(62);
    expect(
      body.histogram.buckets.reduce((n: number, b: any) => n + b.count, 0),
    ).toBe(body.total.value);
    expect(body.facets.environment.map((f: any) => f.value).sort()).toEqual([
      'dev',
      'prod',
      'staging',
    ]);
    expect(body.facets.level).toEqual([
      { value: 'error', count: body.total.value },
    ]);
    expect(body.kibanaUrl).toContain(
      'https://kibana.example.com/app/discover#/?_g=',
    );
    expect(decodeURIComponent(body.kibanaUrl)).toContain(
      "query:'service.name:checkout-service and log.level:error and (timeout)'",
    );
  });

  it.each([
    ['service.name:payment-gateway'],
    ['not service.name:checkout-service'],
    ['service.name:payment-gateway or service.name:cart-service'],
    ['kubernetes.namespace:storefront'],
  ])("never returns another service's lines (q=%s)", async q => {
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q,
      size: 100,
    });
    expect(res.status).toBe(200);
    expect(res.body.total.value).toBe(0);
    expect(res.body.lines).toEqual([]);
  });

  it('keeps a match-everything query inside the scope', async () => {
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: '*',
      size: 500,
    });
    expect(res.status).toBe(200);
    expect(res.body.total.value).toBeGreaterThan(10_000);
    expect(new Set(res.body.lines.map((l: any) => l.service))).toEqual(
      new Set(['checkout-service']),
    );
  });

  it('pages deep with one request per page, each older than the last, none repeated', async () => {
    const query = { ...week(), q: 'GET', size: 100 };
    const first = await get(`${CHECKOUT}/search`).query(query);
    expect(first.status).toBe(200);
    const seen = new Set<string>(first.body.lines.map((l: any) => l.id));
    let cursor = first.body.nextCursor;
    let oldest = first.body.lines[99].timestamp;
    for (let page = 2; page <= 12; page++) {
      const before = sandbox.elasticsearch.requests.search;
      const res = await get(`${CHECKOUT}/search`).query({ ...query, cursor });
      expect(res.status).toBe(200);
      expect(sandbox.elasticsearch.requests.search - before).toBe(1);
      expect(res.body.total).toBeUndefined();
      expect(res.body.lines).toHaveLength(100);
      for (const line of res.body.lines) {
        expect(seen.has(line.id)).toBe(false);
        seen.add(line.id);
        expect(line.timestamp <= oldest).toBe(true);
        expect(line.service).toBe('checkout-service');
      }
      oldest = res.body.lines[99].timestamp;
      cursor = res.body.nextCursor;
    }
    // One point in time for all of it, opened after the first page.
    expect(
      sandbox.elasticsearch.requests.openPointInTime,
    ).toBeGreaterThanOrEqual(1);
  });

  it('refuses forged, foreign and malformed cursors with 400 naming the parameter', async () => {
    const first = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'GET',
      size: 10,
    });
    const cursor: string = first.body.nextCursor;
    const [payload, sig] = cursor.split('.');
    const forged = `${Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
        b: { ts: 0, ids: [] },
      }),
    ).toString('base64url')}.${sig}`;
    for (const bad of [forged, 'garbage', `${payload}.AAAA`]) {
      const res = await get(`${CHECKOUT}/search`).query({
        ...week(),
        q: 'GET',
        size: 10,
        cursor: bad,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/^Invalid parameter 'cursor'/);
    }
    const other = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'POST',
      size: 10,
      cursor,
    });
    expect(other.status).toBe(400);
    expect(other.body.error.message).toMatch(/another query/);
    const otherService = await get(
      '/entities/component/default/cart-service/search',
    ).query({ ...week(), q: 'GET', size: 10, cursor });
    expect(otherService.status).toBe(400);
  });

  it.each([
    [
      { q: 'log.level:' },
      /^Invalid parameter 'q': expected a value after 'log.level:' at position 11$/,
    ],
    [
      { q: 'timeout and (error' },
      /^Invalid parameter 'q': expected '\)' at position 19$/,
    ],
    [
      { q: '"unclosed' },
      /^Invalid parameter 'q': the quote opened here is never closed at position 1$/,
    ],
    [
      { q: 'no.such.field:x' },
      /the logs have no field 'no.such.field' \(at position 1\)/,
    ],
    [
      { q: 'http.response.status_code:abc' },
      /refused the query: For input string: "abc"/,
    ],
    [{ size: '1000' }, /^Invalid parameter 'size'/],
    [
      { from: 'yesterday' },
      /^Invalid parameter 'from': must be an ISO 8601 date-time/,
    ],
    [
      { from: '2026-11-02T12:00:00Z', to: '2026-11-01T12:00:00Z' },
      /^Invalid parameter 'from': must be before 'to'/,
    ],
    [
      { from: '2026-01-01T00:00:00Z', to: '2026-11-01T00:00:00Z' },
      /^Invalid parameter 'from': the range may span at most 90 days/,
    ],
    [
      { level: Array.from({ length: 11 }, (_, i) => `l${i}`) },
      /^Invalid parameter 'level': at most 10 values/,
    ],
    [{ filter: 'nocolon' }, /^Invalid parameter 'filter'/],
    [{ sort: 'asc' }, /^Invalid parameter 'sort'/],
  ])('answers bad input %j with 400', async (query, message) => {
    const res = await get(`${CHECKOUT}/search`).query(query);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it('filters by environment, pod and any field from the field list', async () => {
    const fields = await get(`${CHECKOUT}/fields`);
    expect(fields.status).toBe(200);
    const names = fields.body.fields.map((f: any) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        '@timestamp',
        'message',
        'service.name',
        'http.response.status_code',
        'trace.id',
      ]),
    );
    const caps = sandbox.elasticsearch.requests.fieldCaps;
    await get(`${CHECKOUT}/fields`);
    expect(sandbox.elasticsearch.requests.fieldCaps).toBe(caps); // cached
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      environment: 'prod',
      filter: 'http.response.status_code:404',
      size: 20,
    });
    expect(res.status).toBe(200);
    expect(res.body.lines.length).toBeGreaterThan(0);
    for (const l of res.body.lines) {
      expect(l.environment).toBe('prod');
      expect(l.fields['http.response.status_code']).toBe(404);
    }
    const pod = res.body.lines[0].pod;
    const byPod = await get(`${CHECKOUT}/search`).query({
      ...week(),
      pod,
      size: 20,
    });
    expect(new Set(byPod.body.lines.map((l: any) => l.pod))).toEqual(
      new Set([pod]),
    );
  });

  it("opens a line's context: the lines before and after it from the same pod", async () => {
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'timeout',
      size: 5,
    });
    const line = res.body.lines[2];
    const ctx = await get(`${CHECKOUT}/lines/${line.id}/context`).query({
      size: 10,
    });
    expect(ctx.status).toBe(200);
    expect(ctx.body.anchor.id).toBe(line.id);
    expect(ctx.body.before).toHaveLength(10);
    expect(ctx.body.after).toHaveLength(10);
    for (const l of [...ctx.body.before, ...ctx.body.after])
      expect(l.pod).toBe(line.pod);
    expect(ctx.body.before[9].timestamp <= line.timestamp).toBe(true);
    expect(ctx.body.after[0].timestamp >= line.timestamp).toBe(true);
    // Another service's line id is not found through this service.
    const other = await get(
      '/entities/component/default/cart-service/search',
    ).query({ ...week(), size: 1 });
    const foreign = await get(
      `${CHECKOUT}/lines/${other.body.lines[0].id}/context`,
    );
    expect(foreign.status).toBe(404);
  });

  it('follows a trace across the services the user may read, and only those', async () => {
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'trace.id:*',
      size: 200,
    });
    // A trace that also passed through payment-gateway.
    let traced: any;
    for (const line of res.body.lines) {
      const t = await get(`/traces/${line.traceId}`);
      if (t.body.lines.some((l: any) => l.service === 'payment-gateway')) {
        traced = t.body;
        break;
      }
    }
    expect(traced).toBeDefined();
    expect(
      new Set(traced.lines.map((l: any) => l.service)).size,
    ).toBeGreaterThan(1);
    const restricted = await get(`/traces/${traced.traceId}`, RESTRICTED);
    expect(restricted.status).toBe(200);
    expect(restricted.body.lines.length).toBeGreaterThan(0);
    expect(
      restricted.body.lines.some((l: any) => l.service === 'payment-gateway'),
    ).toBe(false);
    expect(restricted.body.services).not.toContain('payment-gateway');
  });

  it('refuses a user without logs.read on the service', async () => {
    const res = await get(
      '/entities/component/default/payment-gateway/search',
      RESTRICTED,
    );
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/logs\.read/);
    expect(
      (await get('/entities/component/default/payment-gateway/search')).status,
    ).toBe(200);
  });

  it('gives an entity without log annotations the default scope: its name', async () => {
    const res = await get('/entities/component/default/unannotated/scope');
    expect(res.status).toBe(200);
    expect(res.body.scope).toEqual(
      expect.objectContaining({
        service: 'unannotated',
        serviceField: 'service.name',
        index: 'logs-*',
        annotated: false,
      }),
    );
  });

  it('masks secrets in lines, highlights and exports', async () => {
    const es = sandbox.info.elasticsearch!;
    const at = new Date(sandbox.clock.now() - 60_000).toISOString();
    const doc = (message: string) => ({
      '@timestamp': at,
      message,
      log: { level: 'warn' },
      service: { name: 'checkout-service', environment: 'prod' },
      kubernetes: { pod: { name: 'checkout-service-leaky-1' } },
      labels: { note: 'token=abc123secret for internal-ticket-42' },
    });
    const secrets = [
      'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl',
      'calling https://svc:hunter2secret@db.internal/x',
      'loaded AKIAIOSFODNN7EXAMPLE',
      'key -----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA7-----END RSA PRIVATE KEY----- leaked',
    ];
    const ndjson = secrets
      .flatMap(m => [
        JSON.stringify({ create: { _index: 'logs-app-prod' } }),
        JSON.stringify(doc(`leak ${m}`)),
      ])
      .join('\n');
    const bulk = await fetch(`${es.url}/_bulk`, {
      method: 'POST',
      headers: {
        Authorization: `ApiKey ${es.apiKey}`,
        'Content-Type': 'application/x-ndjson',
      },
      body: `${ndjson}\n`,
    });
    expect(bulk.status).toBe(200);
    const res = await get(`${CHECKOUT}/search`).query({
      ...week(),
      q: 'leak',
      size: 10,
    });
    expect(res.body.lines).toHaveLength(4);
    const text = JSON.stringify(res.body);
    for (const secret of [
      'eyJhbGciOiJIUzI1NiJ9',
      'hunter2secret',
      'AKIAIOSFODNN7EXAMPLE',
      'MIIEowIBAAKCAQEA7',
      'abc123secret',
      'internal-ticket-42',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('Bearer [REDACTED]');
    expect(text).toContain('https://svc:[REDACTED]@db.internal/x');
    for (const format of ['ndjson', 'csv']) {
      const exp = await get(`${CHECKOUT}/export`).query({
        ...week(),
        q: 'leak',
        format,
      });
      expect(exp.status).toBe(200);
      expect(exp.text).toContain('[REDACTED]');
      for (const secret of [
        'hunter2secret',
        'AKIAIOSFODNN7EXAMPLE',
        'abc123secret',
      ])
        expect(exp.text).not.toContain(secret);
    }
  });

  it('bounds exports and names the attachment', async () => {
    const res = await get(`${CHECKOUT}/export`).query({
      ...week(),
      format: 'csv',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="checkout-service-logs.csv"',
    );
    const rows = res.text.trim().split('\r\n');
    expect(rows[0]).toBe(
      'timestamp,service,environment,level,pod,traceId,message',
    );
    expect(rows).toHaveLength(501); // logs.exportLimit: 500
    const tooMany = await get(`${CHECKOUT}/export`).query({
      ...week(),
      limit: 501,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.message).toMatch(/^Invalid parameter 'limit'/);
  });

  it('shows the error burst of a canary the sandbox fails, on its canary pod', async () => {
    const app0 = sandbox.world.apps.find(
      a => a.name === 'search-service-prod',
    )!;
    // A revision whose canary analysis fails in the sandbox.
    sandbox.world.startDeploy(
      app0,
      sandbox.clock.now(),
      'admin',
      '0e'.padEnd(40, '7'),
    );
    sandbox.clock.advance(10 * 60_000);
    const to = new Date(sandbox.clock.now());
    const res = await get(
      '/entities/component/default/search-service/search',
    ).query({
      from: new Date(to.getTime() - 3_600_000).toISOString(),
      to: to.toISOString(),
      environment: 'prod',
      level: 'error',
      size: 200,
    });
    expect(res.status).toBe(200);
    const last = res.body.histogram.buckets.slice(-8);
    const earlier = res.body.histogram.buckets.slice(0, 40);
    const errors = (b: any) => b.levels.error ?? 0;
    expect(
      last.reduce((n: number, b: any) => n + errors(b), 0),
    ).toBeGreaterThan(150);
    expect(Math.max(...earlier.map(errors))).toBeLessThan(5);
    expect(
      res.body.lines.filter((l: any) =>
        l.pod.startsWith('search-service-0e77777777-'),
      ).length,
    ).toBeGreaterThan(100);
  });

  it('follows new lines live as the sandbox clock moves (tail)', async () => {
    const range = {
      from: new Date(sandbox.clock.now() - 3_600_000).toISOString(),
      to: new Date(sandbox.clock.now()).toISOString(),
    };
    const first = await get(`${CHECKOUT}/search`).query({ ...range, size: 10 });
    expect(first.status).toBe(200);
    sandbox.clock.advance(60_000);
    const tail = await get(`${CHECKOUT}/tail`).query({
      ...range,
      tailCursor: first.body.tailCursor,
      size: 200,
    });
    expect(tail.status).toBe(200);
    expect(tail.body.lines.length).toBeGreaterThan(0);
    const newest = first.body.lines[0].timestamp;
    for (const l of tail.body.lines) expect(l.timestamp >= newest).toBe(true);
    const again = await get(`${CHECKOUT}/tail`).query({
      ...range,
      tailCursor: tail.body.tailCursor,
      size: 200,
    });
    expect(again.body.lines).toEqual([]);
  });

  it('names the cluster when Elasticsearch is down, slow or refuses the credentials', async () => {
    const es = sandbox.info.elasticsearch!;
    const down = appFor({
      name: 'es-down',
      url: 'http://127.0.0.1:9',
      apiKey: 'x',
    }).app;
    let started = Date.now();
    let res = await request(down)
      .get(`${CHECKOUT}/search`)
      .set('Authorization', mockCredentials.user.header(USER));
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /^Elasticsearch cluster 'es-down' is unreachable/,
    );
    expect(Date.now() - started).toBeLessThan(5000);

    const wrong = appFor({
      name: 'es-wrong',
      url: es.url,
      username: 'elastic',
      password: 'wrong',
    }).app;
    res = await request(wrong)
      .get(`${CHECKOUT}/search`)
      .set('Authorization', mockCredentials.user.header(USER));
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(
      /^Elasticsearch cluster 'es-wrong' refused the portal's credentials \(401 security_exception\)/,
    );

    const slow = appFor({
      name: 'es-slow',
      url: es.url,
      apiKey: es.apiKey,
      timeout: '1s',
    }).app;
    sandbox.elasticsearch.latencyMs = 3000;
    try {
      started = Date.now();
      res = await request(slow)
        .get(`${CHECKOUT}/search`)
        .set('Authorization', mockCredentials.user.header(USER));
      expect(res.status).toBe(503);
      expect(res.body.error.message).toBe(
        "Elasticsearch cluster 'es-slow' did not answer within 1 s",
      );
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sandbox.elasticsearch.latencyMs = 0;
    }
  });

  it('checks logs.read for every entity it reads', () => {
    expect(authorized).toContain('component:default/checkout-service');
    expect(client.requests.search).toBeGreaterThan(0);
  });
});
