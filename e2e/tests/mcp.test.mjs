// MCP tools (issue 15): an MCP client (the official TypeScript SDK) connects
// to the portal's MCP endpoint with a user's token, lists Portolan's
// read-only tools and calls delivery.get-deployments; the answer agrees with
// the deployments API. A user without logs.read on a service is refused its
// logs through MCP as through the API.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { baseUrl, eventually, userToken } from '../lib.mjs';

// team-payments' service; an admin reads its logs, a member of another team may not.
const READER = 'margaret.hamilton';
const OUTSIDER = 'grace.hopper';
const SERVICE = 'invoice-service';
const TOOLS = [
  'delivery.get-deployments',
  'delivery.get-dora',
  'delivery.get-rollouts',
  'logs.search',
  'logs.error-bursts',
  'finops.get-service-cost',
  'finops.get-rightsizing',
];

async function mcpClient(user) {
  const token = await userToken(user);
  const client = new Client({ name: 'portolan-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(`${baseUrl}/api/mcp-actions/v1`),
      {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      },
    ),
  );
  return { client, token };
}

/** A tool's structured answer: the JSON text the MCP server returns. */
function answer(result) {
  assert.ok(!result.isError, JSON.stringify(result.content).slice(0, 500));
  const text = result.content.find(c => c.type === 'text')?.text;
  return JSON.parse(text);
}

describe('MCP tools', () => {
  let reader;
  before(async () => {
    reader = await mcpClient(READER);
  });
  after(async () => {
    await reader?.client.close();
  });

  it('lists the read-only Portolan tools, with their input schemas', async () => {
    const { tools } = await reader.client.listTools();
    const byName = new Map(tools.map(t => [t.name, t]));
    for (const name of TOOLS) {
      const tool = byName.get(name);
      assert.ok(
        tool,
        `${name} is listed (got ${[...byName.keys()].join(', ')})`,
      );
      assert.equal(
        tool.annotations?.readOnlyHint,
        true,
        `${name} is read-only`,
      );
      assert.equal(tool.annotations?.destructiveHint, false);
      assert.ok(tool.inputSchema.required?.includes('entityRef'));
      assert.ok(tool.description.length > 100);
    }
  });

  it('delivery.get-deployments answers what the deployments API says', async () => {
    // Ingestion runs a few seconds after start: wait for deploys.
    const api = await eventually(
      async () => {
        const res = await fetch(
          `${baseUrl}/api/delivery/entities/component/default/${SERVICE}/deployments?limit=5`,
          { headers: { Authorization: `Bearer ${reader.token}` } },
        );
        assert.equal(res.status, 200);
        const body = await res.json();
        assert.ok(body.items.length > 0, 'deploys ingested');
        return body;
      },
      { timeoutMs: 120_000 },
    );
    const out = answer(
      await reader.client.callTool({
        name: 'delivery.get-deployments',
        arguments: { entityRef: SERVICE, limit: 5 },
      }),
    );
    assert.equal(out.entityRef, `component:default/${SERVICE}`);
    assert.match(
      out.deploymentsTabUrl,
      new RegExp(`/catalog/default/component/${SERVICE}/deployments$`),
    );
    // The same deploys, newest first (a deploy may land between the calls).
    const fromApi = api.items.map(
      d =>
        `${d.environment} ${d.revision.slice(0, 12)} ${d.startedAt} ${
          d.result
        }`,
    );
    const fromTool = out.deployments.map(
      d => `${d.environment} ${d.revision} ${d.startedAt} ${d.result}`,
    );
    assert.ok(out.deployments.length <= 5);
    const overlap = fromTool.filter(d => fromApi.includes(d));
    assert.ok(
      overlap.length >= 4,
      `${fromTool.join('\n')}\nvs\n${fromApi.join('\n')}`,
    );
  });

  it('refuses invalid arguments, and logs without logs.read', async () => {
    const bad = await reader.client.callTool({
      name: 'delivery.get-deployments',
      arguments: { entityRef: SERVICE, limit: 1000 },
    });
    assert.equal(bad.isError, true);
    const outsider = await mcpClient(OUTSIDER);
    try {
      const refused = await outsider.client.callTool({
        name: 'logs.search',
        arguments: { entityRef: SERVICE, level: 'error' },
      });
      assert.equal(refused.isError, true);
      assert.match(JSON.stringify(refused.content), /logs\.read/);
      const allowed = answer(
        await reader.client.callTool({
          name: 'logs.search',
          arguments: { entityRef: SERVICE, level: 'error', limit: 3 },
        }),
      );
      assert.ok(allowed.lines.length <= 3);
      assert.match(allowed.searchUrl, /\/logs\?/);
    } finally {
      await outsider.client.close();
    }
  });
});
