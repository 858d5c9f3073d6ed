import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PortalLinks } from '@portolan/portolan-node';
import { startTestSandbox } from '@portolan/sandbox/src/testing';
import { readLogsConfig } from '../config/readLogsConfig';
import { LogClusterClient } from '../elasticsearch/LogClusterClient';
import { LogReadAccess } from '../scope/LogReadAccess';
import { LogScopeResolver } from '../scope/LogScopeResolver';
import { CursorCodec } from '../search/CursorCodec';
import { LogSearchService } from '../search/LogSearchService';
import { Redactor } from '@portolan/portolan-node';
import { registerLogsActions } from '.';

jest.setTimeout(120_000);

const service = (name: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name,
    namespace: 'default',
    annotations: { 'backstage.io/kubernetes-id': name },
  },
  spec: { type: 'service', owner: 'group:default/team-payments' },
});
const USER = 'user:default/barbara.liskov';
/** The test policy refuses them `logs.read` on checkout-service. */
const RESTRICTED = 'user:default/grace.hopper';
const SERVICE = 'component:default/checkout-service';

describe('logs actions against the sandbox Elasticsearch', () => {
  let sandbox: Awaited<ReturnType<typeof startTestSandbox>>;
  let client: LogClusterClient;
  const registry = actionsRegistryServiceMock();
  const deployments: unknown[] = [];
  const invoked: Array<{ id: string; input?: object; credentials: object }> =
    [];
  const user = mockCredentials.user(USER);
  const invoke = (id: string, input: object, credentials = user) =>
    registry.invoke({ id, input: input as any, credentials }) as Promise<{
      output: any;
    }>;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    const es = sandbox.info.elasticsearch!;
    const config = readLogsConfig(
      new ConfigReader({
        logs: {
          clusters: [{ name: 'sandbox', url: es.url, apiKey: es.apiKey }],
        },
      }),
    );
    client = new LogClusterClient(config.clusters[0]);
    sandbox.elasticsearch.catchUp();
    registerLogsActions({
      actionsRegistry: registry,
      actions: {
        list: async () => ({ actions: [] }),
        invoke: async opts => {
          invoked.push(opts);
          return { output: { deployments } as any };
        },
      },
      access: new LogReadAccess({
        catalog: catalogServiceMock({
          entities: [...new Set(sandbox.world.apps.map(a => a.service))].map(
            service,
          ),
        }),
        scopes: new LogScopeResolver([client]),
        permissions: {
          async authorize(requests: any[], { credentials }: any) {
            return requests.map(() => ({
              result:
                credentials.principal.userEntityRef === RESTRICTED
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            }));
          },
          async authorizeConditional() {
            throw new Error('not used');
          },
        } as any,
      }),
      search: LogSearchService.create({
        redactor: new Redactor([]),
        cursors: new CursorCodec('test-secret-0123456789'),
      }),
      links: new PortalLinks('https://portal.example.com'),
      now: () => sandbox.clock.now(),
    });
  });
  afterAll(async () => {
    await client?.close();
    await sandbox?.stop();
  });

  it('registers logs:search and logs:error-bursts as read-only', async () => {
    const { actions } = await registry.list();
    expect(actions.map(a => [a.name, a.attributes.readOnly])).toEqual([
      ['search', true],
      ['error-bursts', true],
    ]);
  });

  it('logs:search: the newest matching lines, bounded, with the total and a link to the Logs tab', async () => {
    const to = new Date(sandbox.clock.now()).toISOString();
    const from = new Date(sandbox.clock.now() - 7 * 86_400_000).toISOString();
    const { output } = await invoke('test:search', {
      entityRef: 'checkout-service',
      level: 'error',
      from,
      to,
      limit: 5,
    });
    expect(output.entityRef).toBe(SERVICE);
    expect(output.lines.length).toBe(5);
    expect(output.total.value).toBeGreaterThan(5);
    for (const line of output.lines) {
      expect(['error', 'fatal']).toContain(line.level);
      expect(line.message.length).toBeLessThanOrEqual(300);
      expect(line).not.toHaveProperty('fields');
    }
    const url = new URL(output.searchUrl);
    expect(url.pathname).toBe(
      '/catalog/default/component/checkout-service/logs',
    );
    expect(url.searchParams.getAll('level')).toEqual(['error', 'fatal']);
    expect(url.searchParams.get('from')).toBe(from);
  });

  it('logs:search: refused without logs.read on the service; bad input names the problem', async () => {
    await expect(
      invoke(
        'test:search',
        { entityRef: SERVICE },
        mockCredentials.user(RESTRICTED),
      ),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringContaining('logs.read'),
    });
    await expect(
      invoke(
        'test:error-bursts',
        { entityRef: SERVICE },
        mockCredentials.user(RESTRICTED),
      ),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    for (const input of [
      { entityRef: SERVICE, limit: 51 },
      { entityRef: SERVICE, level: 'loud' },
      { entityRef: SERVICE, from: 'yesterday' },
      { entityRef: SERVICE, size: 10 },
    ]) {
      await expect(invoke('test:search', input)).rejects.toMatchObject({
        name: 'InputError',
      });
    }
    // The API's own range checks apply too.
    await expect(
      invoke('test:search', {
        entityRef: SERVICE,
        from: '2026-01-01T00:00:00Z',
        to: '2026-12-01T00:00:00Z',
      }),
    ).rejects.toThrow(/90 days/);
    await expect(
      invoke('test:search', { entityRef: SERVICE, query: 'message:(' }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('logs:error-bursts: the spikes of errors, with samples and the deploy just before', async () => {
    // The sandbox's errors burst while a failing canary runs: take the
    // longest one of the last week and look at the hours around it.
    const now = sandbox.clock.now();
    const [failed] = sandbox.world.apps
      .filter(a => a.environment === 'prod')
      .flatMap(a => a.deploys.map(d => ({ app: a, d })))
      .filter(
        ({ d }) =>
          ['canary-aborted', 'failed'].includes(d.result) &&
          d.finishedAt !== undefined &&
          d.startedAt > now - 6 * 86_400_000,
      )
      .sort(
        (x, y) =>
          y.d.finishedAt! - y.d.startedAt - (x.d.finishedAt! - x.d.startedAt),
      );
    expect(failed).toBeDefined();
    const entityRef = `component:default/${failed.app.service}`;
    const from = new Date(failed.d.startedAt - 3 * 3_600_000).toISOString();
    const to = new Date(failed.d.startedAt + 3 * 3_600_000).toISOString();
    const first = (await invoke('test:error-bursts', { entityRef, from, to }))
      .output;
    expect(first.intervalMs).toBe(600_000);
    expect(first.bursts.length).toBeGreaterThan(0);
    expect(first.bursts.length).toBeLessThanOrEqual(5);
    const [largest] = first.bursts;
    // The burst covers the failing canary's start.
    expect(Date.parse(largest.start)).toBeLessThanOrEqual(
      failed.d.startedAt + 600_000,
    );
    expect(Date.parse(largest.end)).toBeGreaterThan(failed.d.startedAt);
    expect(largest.count).toBeGreaterThan(first.baselinePerBucket * 3);
    expect(largest.sampleMessages.length).toBeGreaterThan(0);
    expect(largest.nearestDeploy).toBeUndefined();
    expect(new URL(largest.logsUrl).searchParams.get('from')).toBe(
      largest.start,
    );
    // Deploys come from delivery:get-deployments, with the caller's credentials.
    expect(invoked[0]).toMatchObject({
      id: 'delivery:get-deployments',
      input: { entityRef, limit: 100 },
      credentials: user,
    });
    deployments.push(
      {
        environment: 'prod',
        revision: failed.d.revision.slice(0, 12),
        startedAt: new Date(failed.d.startedAt).toISOString(),
        result: failed.d.result,
        commit: { message: 'Switch payment retries' },
      },
      {
        environment: 'prod',
        revision: 'deadbeef0000',
        startedAt: new Date(failed.d.startedAt - 86_400_000).toISOString(),
        result: 'succeeded',
      },
    );
    const second = (await invoke('test:error-bursts', { entityRef, from, to }))
      .output;
    expect(second.bursts[0].nearestDeploy).toMatchObject({
      revision: failed.d.revision.slice(0, 12),
      result: failed.d.result,
      commitMessage: 'Switch payment retries',
    });
    expect(JSON.stringify(second).length).toBeLessThan(8_000);
  });
});
