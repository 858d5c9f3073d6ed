import { ConflictError, NotAllowedError } from '@backstage/errors';
import { countTokens } from 'gpt-tokenizer';
import {
  OTHER,
  OWNER,
  SECRETS,
  SERVICE,
  startHarness,
} from '../__testUtils__/assistantHarness';

jest.setTimeout(60_000);

type Harness = Awaited<ReturnType<typeof startHarness>>;

describe('ChatService with the sandbox stand-in model', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.stop());

  it('answers about a failed canary citing the deploy, the analysis and the error lines, and proposes an abort the owner approves once', async () => {
    const { message, events } = await h.ask(
      OWNER,
      'Why did the canary of checkout fail?',
    );
    const types = events.map(e => e.type);
    expect(types[0]).toBe('conversation');
    expect(types).toContain('token');
    expect(types[types.length - 1]).toBe('done');
    expect(message.model).toEqual({ name: 'portolan-sandbox', standIn: true });
    expect(message.tools.map(t => t.tool)).toEqual(
      expect.arrayContaining([
        'delivery:get-rollouts',
        'delivery:get-deployments',
        'logs:error-bursts',
        'logs:search',
        'propose_rollout_action',
      ]),
    );
    expect(message.tools.every(t => t.ok)).toBe(true);
    const urls = message.sources.map(s => s.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        '/catalog/default/component/checkout/deployments',
        '/catalog/default/component/checkout/canary#analysis',
        '/catalog/default/component/checkout/logs?level=error',
      ]),
    );
    // The proposal's target and state come from the live rollout, not the model.
    expect(message.proposals).toHaveLength(1);
    const proposal = message.proposals[0];
    expect(proposal).toMatchObject({
      action: 'abort',
      cluster: 'prod-eu',
      namespace: 'checkout',
      rollout: 'checkout',
      resourceVersion: '1234',
      basedOn: 'Degraded, step 2 of 5 (20%)',
      approvable: true,
      status: 'open',
    });
    expect(h.deliveryCalls).toHaveLength(0);

    const conversationId = events[0].conversationId;
    const approved = await h.proposals.approve(
      proposal.id,
      OWNER,
      h.credentials(OWNER),
      {} as any,
    );
    expect(approved.status).toBe('approved');
    expect(h.deliveryCalls).toEqual([
      {
        url: expect.stringMatching(
          /\/api\/delivery\/entities\/component\/default\/checkout\/rollouts\/actions$/,
        ),
        body: {
          cluster: 'prod-eu',
          namespace: 'checkout',
          name: 'checkout',
          action: 'abort',
          resourceVersion: '1234',
        },
        auth: expect.stringMatching(/^Bearer /),
      },
    ]);
    expect(h.audits).toEqual([
      {
        eventId: 'proposal-approve',
        meta: expect.objectContaining({
          conversationId,
          proposalId: proposal.id,
        }),
        outcome: 'succeeded',
      },
    ]);
    // Single use.
    await expect(
      h.proposals.approve(proposal.id, OWNER, h.credentials(OWNER), {} as any),
    ).rejects.toThrow(ConflictError);
    expect(h.deliveryCalls).toHaveLength(1);
  });

  it('shows a non-owner no approvable proposal and refuses the approval', async () => {
    const { message } = await h.ask(OTHER, 'Why did the canary fail?');
    expect(message.proposals).toHaveLength(1);
    expect(message.proposals[0].approvable).toBe(false);
    expect(message.proposals[0].notApprovableReason).toMatch(/may not abort/);
    await expect(
      h.proposals.approve(
        message.proposals[0].id,
        OTHER,
        h.credentials(OTHER),
        {} as any,
      ),
    ).rejects.toThrow(NotAllowedError);
    // Another user cannot even see it.
    await expect(
      h.proposals.approve(
        message.proposals[0].id,
        OWNER,
        h.credentials(OWNER),
        {} as any,
      ),
    ).rejects.toThrow(/No proposal/);
    expect(h.deliveryCalls).toHaveLength(0);
  });

  it('refuses an expired proposal, and reports a stale rollout (409) as a conflict', async () => {
    const first = await h.ask(OWNER, 'Why did the canary fail?');
    h.advance(301_000);
    await expect(
      h.proposals.approve(
        first.message.proposals[0].id,
        OWNER,
        h.credentials(OWNER),
        {} as any,
      ),
    ).rejects.toThrow(/expired/);
    const second = await h.ask(OWNER, 'Why did the canary fail?');
    h.setDeliveryStatus(409);
    await expect(
      h.proposals.approve(
        second.message.proposals[0].id,
        OWNER,
        h.credentials(OWNER),
        {} as any,
      ),
    ).rejects.toThrow(/changed since the proposal/);
    expect(h.audits.map(a => a.outcome)).toEqual(['failed', 'failed']);
  });

  it('keeps the prompt within 6,000 tokens for a service with 5,000 deploys and a huge log', async () => {
    h.actions.deployments = 5000;
    h.actions.logLines = 20_000;
    const { message } = await h.ask(
      OWNER,
      'Why did the last prod deploy fail? What changed before the error burst?',
    );
    expect(message.promptTokens).toBeLessThanOrEqual(6000);
    expect(h.prompts.length).toBeGreaterThan(1);
    for (const p of h.prompts) {
      const body = JSON.parse(p);
      const text =
        body.messages.map((m: any) => m.content ?? '').join('\n') +
        JSON.stringify(body.tools ?? []);
      expect(countTokens(text)).toBeLessThanOrEqual(6000);
    }
  });

  it('redacts secrets from the prompt, the answer and the stored conversation', async () => {
    const { message, events } = await h.ask(
      OWNER,
      `Why do errors happen? my token=${SECRETS[3]} fyi`,
    );
    const all = [
      ...h.prompts,
      JSON.stringify(message),
      JSON.stringify(events),
      JSON.stringify(await h.store.listMessages(events[0].conversationId)),
    ].join('\n');
    for (const s of SECRETS) expect(all).not.toContain(s);
    expect(all).toContain('[REDACTED]');
    // Tool output is delimited as data.
    expect(h.prompts.join('\n')).toContain(
      '<untrusted-data tool=\\"logs:search\\">',
    );
  });

  it('reports invalid tool arguments and unknown tools, then falls back to the brief', async () => {
    const g = await startHarness({ model: 'portolan-sandbox-garbage' });
    try {
      const { message } = await g.ask(OWNER, 'what happened?');
      const errors = message.tools.filter(t => !t.ok).map(t => t.error);
      expect(errors).toEqual(
        expect.arrayContaining([
          'unknown tool delete_everything',
          expect.stringMatching(/not valid JSON/),
        ]),
      );
      expect(message.notice).toMatch(/model is unavailable/);
      expect(message.brief?.sections.map(s => s.title)).toContain(
        'Canary state',
      );
      expect(g.actions.writes).toBe(0);
    } finally {
      await g.stop();
    }
  });

  it('gives the offline brief within 500 ms when the model endpoint is down, or none is configured', async () => {
    for (const options of [
      { baseURL: 'http://127.0.0.1:9/v1' },
      { model: 'none' },
    ]) {
      const d = await startHarness(options);
      try {
        const started = Date.now();
        const { message, events } = await d.ask(OWNER, 'what is going on?');
        expect(Date.now() - started).toBeLessThan(500);
        expect(events.map(e => e.type)).toEqual([
          'conversation',
          'notice',
          'brief',
          'done',
        ]);
        const brief = message.brief!;
        expect(brief.entityRef).toBe(SERVICE);
        const byTitle = Object.fromEntries(
          brief.sections.map(s => [s.title, s]),
        );
        expect(byTitle['Deployed in the last 24 h'].items[0]).toMatch(
          /prod a1b2c3d0 canary-aborted: Switch payment retries/,
        );
        expect(byTitle['Canary state'].items).toEqual([
          'prod checkout: Degraded, step 2 of 5 (20%), analysis Failed',
        ]);
        // The logs action's own match of the deploy before the burst.
        expect(byTitle['Error bursts near deploys'].items).toEqual([
          '2026-11-20 13:40: 412 errors (10 min after prod a1b2c3d0 canary-aborted)',
        ]);
        expect(byTitle['Failing checks'].items).toEqual([
          'Images are signed: unsigned image',
        ]);
        expect(byTitle['Cost jumps'].items).toEqual([
          '2026-11-12 prod: +55% (20 -> 31 EUR/day) after f00dfeed',
        ]);
        expect(message.model).toBeUndefined();
      } finally {
        await d.stop();
      }
    }
  });

  it('marks a burst that follows a listed deploy when the logs action matched none', async () => {
    const d = await startHarness({ model: 'none' });
    try {
      d.actions.burstDeploy = false;
      const { message } = await d.ask(OWNER, 'what is going on?');
      const bursts = message.brief!.sections.find(
        s => s.title === 'Error bursts near deploys',
      )!;
      expect(bursts.items).toEqual([
        '2026-11-20 13:40: 412 errors (within 30 min after a deploy)',
      ]);
    } finally {
      await d.stop();
    }
  });

  it('names a slow tool in the brief instead of waiting for it', async () => {
    const d = await startHarness({ model: 'none' });
    try {
      d.actions.delayMs = 2000;
      const started = Date.now();
      const { message } = await d.ask(OWNER, 'brief me');
      expect(Date.now() - started).toBeLessThan(1000);
      expect(message.brief!.sections[0].error).toMatch(/no answer within/);
    } finally {
      await d.stop();
    }
  });
});
