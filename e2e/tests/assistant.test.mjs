// The assistant (issue 15): an owner asks about a failing canary; the
// answer cites the deploy, the canary analysis and the error lines; the
// assistant proposes an abort, the owner approves, the rollout is aborted and
// the audit names the conversation. A user of another team gets no
// approvable proposal. With the model endpoint off, the panel shows the
// brief.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  baseUrl,
  eventually,
  kubeApi,
  launchBrowser,
  sandboxInfo,
  screenshot,
  signedInAs,
  syncSandboxApp,
  userToken,
} from '../lib.mjs';

// invoice-service (team-payments): the canary and logs tests use others.
const service = 'invoice-service';
const entityRef = `component:default/${service}`;

/** Asks through the API; returns the streamed events. */
async function ask(token, text, conversation = 'new') {
  const res = await fetch(
    `${baseUrl}/api/assistant/conversations/${conversation}/messages`,
    {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ text, entityRef }),
    },
  );
  assert.equal(res.status, 200, await res.clone().text());
  const body = await res.text();
  return body
    .split('\n\n')
    .filter(Boolean)
    .map(block => JSON.parse(block.split('\ndata: ')[1]));
}

describe('assistant', () => {
  let browser;
  let sandbox;
  before(async () => {
    browser = await launchBrowser();
    sandbox = sandboxInfo();
  });
  after(async () => {
    await browser?.close();
  });

  const kube = () => sandbox.kubernetes.find(k => k.name === 'prod-eu');
  async function rollout() {
    const list = await kubeApi(kube(), '/apis/argoproj.io/v1alpha1/rollouts');
    assert.equal(list.status, 200);
    const r = list.body.items.find(i => i.metadata.name === service);
    assert.ok(r, `no rollout ${service} in prod-eu`);
    return r;
  }

  it('answers an owner with sources, proposes an abort she approves, and audits it with the conversation', async () => {
    // A canary in flight: a new revision whose canary waits at a pause.
    const current = await rollout();
    if (
      current.status.phase !== 'Paused' ||
      current.status.currentPodHash === current.status.stableRS
    ) {
      const revision = `a5${randomBytes(19).toString('hex')}`;
      await syncSandboxApp(`${service}-prod`, revision);
      await eventually(async () => {
        const r = await rollout();
        assert.equal(r.status.phase, 'Paused');
        assert.notEqual(r.status.currentPodHash, r.status.stableRS);
      });
    }

    const owner = await userToken('barbara.liskov');
    const events = await ask(
      owner,
      `Why are there errors in the canary of ${service}? Should we abort it?`,
    );
    const done = events.at(-1);
    assert.equal(done.type, 'done', JSON.stringify(events.at(-1)));
    const message = done.message;
    assert.deepEqual(message.model, {
      name: 'portolan-sandbox',
      standIn: true,
    });
    const urls = message.sources.map(s => s.url).join('\n');
    assert.match(urls, /\/deployments/, 'cites the deploy');
    assert.match(urls, /\/canary/, 'cites the canary analysis');
    assert.match(urls, /\/logs/, 'cites the error lines');
    const tools = message.tools.map(t => t.tool);
    assert.ok(tools.includes('delivery:get-rollouts'), tools.join());
    assert.equal(message.proposals.length, 1, JSON.stringify(message.tools));
    const proposal = message.proposals[0];
    assert.equal(proposal.action, 'abort');
    assert.equal(proposal.rollout, service);
    assert.equal(proposal.approvable, true);

    // Another team's user asking the same gets no approvable proposal.
    const outsider = await userToken('grace.hopper');
    const theirs = (
      await ask(outsider, `Should we abort the canary of ${service}?`)
    ).at(-1).message;
    assert.ok(theirs.proposals.every(p => !p.approvable));
    const refused = await fetch(
      `${baseUrl}/api/assistant/proposals/${proposal.id}/approve`,
      { method: 'POST', headers: { Authorization: `Bearer ${outsider}` } },
    );
    assert.equal(refused.status, 404);

    // The owner approves in the panel.
    const page = await signedInAs(
      browser,
      'barbara.liskov',
      `/catalog/default/component/${service}`,
    );
    await page.getByRole('button', { name: 'Open the assistant' }).click();
    await page.getByLabel('Conversations').click();
    await page
      .getByRole('option', { name: new RegExp(`canary of ${service}`) })
      .first()
      .click();
    await page.getByTestId('assistant-proposal').first().waitFor();
    await page.getByText('Sandbox stand-in, not a model').first().waitFor();
    await screenshot(page, 'assistant-proposal');
    await page.getByRole('button', { name: 'Approve abort' }).click();
    await page
      .getByTestId('assistant-proposal-status')
      .getByText(/approved/)
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'assistant-approved');
    await eventually(async () => {
      const r = await rollout();
      assert.equal(r.status.abort, true);
    });
    // Single use.
    const again = await fetch(
      `${baseUrl}/api/assistant/proposals/${proposal.id}/approve`,
      { method: 'POST', headers: { Authorization: `Bearer ${owner}` } },
    );
    assert.equal(again.status, 409);
    const log = join(
      process.env.PORTOLAN_E2E_DATA_DIR ?? '.data',
      'backend.log',
    );
    if (existsSync(log)) {
      await eventually(async () => {
        const lines = readFileSync(log, 'utf8')
          .split('\n')
          .filter(l => l.includes('proposal-approve'));
        assert.ok(
          lines.some(l => l.includes(events[0].conversationId)),
          'the audit names the conversation',
        );
      });
    }
    await page.context().close();
  });

  it('proposes a waiver of a failing check that only the owner can approve, and requests nothing before Approve', async () => {
    const owner = await userToken('barbara.liskov');
    const approver = await userToken('margaret.hamilton');
    const get = async (path, token) => {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 200, path);
      return res.json();
    };
    const pendingOf = async checkId =>
      (await get('/api/compliance/waivers?status=pending', owner)).items.filter(
        w => w.entityRef === entityRef && w.checkId === checkId,
      );
    // The first compliance evaluation runs shortly after start.
    let failing = [];
    await eventually(
      async () => {
        const checks = await get(
          `/api/compliance/entities/component/default/${service}`,
          owner,
        );
        failing = checks.checks.filter(c => c.status === 'fail');
        assert.ok(failing.length > 0, 'a failing check');
      },
      { timeoutMs: 180_000, intervalMs: 2000 },
    );

    const question = `Please request a waiver for the failing check of ${service} for 14 days.`;
    const message = (await ask(owner, question)).at(-1).message;
    const proposal = message.proposals.find(p => p.kind === 'waiver');
    assert.ok(proposal, JSON.stringify(message.tools));
    assert.equal(proposal.approvable, true);
    assert.ok(
      failing.some(c => c.checkId === proposal.checkId),
      `${proposal.checkId} fails now`,
    );
    assert.deepEqual(await pendingOf(proposal.checkId), []);

    // Someone of another team gets nothing they could approve.
    const outsider = await userToken('grace.hopper');
    const theirs = (await ask(outsider, question)).at(-1).message;
    assert.ok(theirs.proposals.every(p => !p.approvable));

    const approved = await fetch(
      `${baseUrl}/api/assistant/proposals/${proposal.id}/approve`,
      { method: 'POST', headers: { Authorization: `Bearer ${owner}` } },
    );
    assert.equal(approved.status, 200, await approved.clone().text());
    const [waiver] = await pendingOf(proposal.checkId);
    assert.ok(waiver, 'the compliance backend has the request');
    assert.equal(waiver.requestedBy, 'user:default/barbara.liskov');

    // Leave the check as the compliance test expects to find it.
    const rejected = await fetch(
      `${baseUrl}/api/compliance/waivers/${waiver.id}/reject`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${approver}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ comment: 'assistant e2e clean-up' }),
      },
    );
    assert.equal(rejected.status, 200, await rejected.clone().text());
  });

  it('shows the offline brief in the panel when the model endpoint is off', async () => {
    const switchModel = available =>
      fetch(
        `${sandbox.openai.baseURL.replace(/\/v1$/, '')}/sandbox/availability`,
        {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${sandbox.openai.apiKey}`,
            'Content-Type': 'application/json',
          },
          body: JSON.stringify({ available }),
        },
      );
    assert.equal((await switchModel(false)).status, 200);
    try {
      const page = await signedInAs(
        browser,
        'barbara.liskov',
        `/catalog/default/component/${service}`,
      );
      await page.getByRole('button', { name: 'Open the assistant' }).click();
      await page.getByLabel('Question').fill('What happened today?');
      await page.getByLabel('Question').press('Enter');
      const brief = page.getByTestId('assistant-brief');
      await brief.waitFor({ timeout: 30_000 });
      await page.getByText(/The model is unavailable/).waitFor();
      for (const title of [
        'Deployed in the last 24 h',
        'Canary state',
        'Error bursts near deploys',
        'Failing checks',
        'Cost jumps',
      ])
        await brief.getByText(title, { exact: true }).waitFor();
      // Each section has its items, or names the action that was too slow
      // (the brief never waits past its deadline).
      const text = await brief.innerText();
      assert.match(
        text,
        /Offline brief for component:default\/invoice-service/,
      );
      assert.match(
        text,
        new RegExp(`prod ${service}:|unavailable: no answer within`),
      );
      await screenshot(page, 'assistant-brief');
      // The conversation survives moving to another page.
      await page
        .getByTestId('sidebar-root')
        .getByRole('link', { name: 'Deployments' })
        .click();
      await page.waitForURL(/\/deployments$/);
      await page.getByTestId('assistant-brief').waitFor();
      await page.context().close();
    } finally {
      await switchModel(true);
    }
  });
});
