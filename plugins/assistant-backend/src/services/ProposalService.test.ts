import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  NOW,
  OTHER,
  OWNER,
  SERVICE,
  startHarness,
} from '../__testUtils__/assistantHarness';

jest.setTimeout(60_000);

type Harness = Awaited<ReturnType<typeof startHarness>>;
const DAY = 86_400_000;

describe('proposals beyond canary actions', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.stop());

  describe('a compliance waiver', () => {
    it('is proposed for the failing check, and approving sends the stored request once through the compliance route as the user, audited with the conversation', async () => {
      const { message, events } = await h.ask(
        OWNER,
        'Request a waiver for the failing check for 14 days',
      );
      expect(message.tools.map(t => t.tool)).toEqual(
        expect.arrayContaining([
          'compliance:get-service-checks',
          'propose_waiver_request',
        ]),
      );
      expect(message.proposals).toHaveLength(1);
      const proposal = message.proposals[0];
      expect(proposal).toMatchObject({
        kind: 'waiver',
        action: 'request-waiver',
        entityRef: SERVICE,
        checkId: 'image-signed',
        checkTitle: 'Images are signed',
        waiverExpiresAt: new Date(NOW + 14 * DAY).toISOString(),
        approvable: true,
        status: 'open',
      });
      // Nothing is asked for before Approve.
      expect(h.complianceCalls).toEqual([]);
      expect(h.deliveryCalls).toEqual([]);

      const approved = await h.proposals.approve(
        proposal.id,
        OWNER,
        h.credentials(OWNER),
        {} as any,
      );
      expect(approved).toMatchObject({
        status: 'approved',
        outcome: expect.stringMatching(/waiver of image-signed requested/),
      });
      expect(h.complianceCalls).toEqual([
        {
          url: expect.stringMatching(
            /\/api\/compliance\/entities\/component\/default\/checkout\/waivers$/,
          ),
          body: {
            checkId: 'image-signed',
            reason: expect.any(String),
            expiresAt: new Date(NOW + 14 * DAY).toISOString(),
          },
          auth: expect.stringMatching(/^Bearer /),
        },
      ]);
      expect(h.audits).toContainEqual({
        eventId: 'proposal-approve',
        meta: expect.objectContaining({
          conversationId: events[0].conversationId,
          kind: 'waiver',
          target: 'image-signed',
        }),
        outcome: 'succeeded',
      });
      // Single use.
      await expect(
        h.proposals.approve(
          proposal.id,
          OWNER,
          h.credentials(OWNER),
          {} as any,
        ),
      ).rejects.toBeInstanceOf(ConflictError);
      expect(h.complianceCalls).toHaveLength(1);
    });

    it('is not approvable without compliance.waiver.request on the entity, and the approval is refused', async () => {
      const { message } = await h.ask(OTHER, 'Request a waiver please');
      const [proposal] = message.proposals;
      expect(proposal).toMatchObject({
        kind: 'waiver',
        approvable: false,
        notApprovableReason: `You may not ask for waivers on ${SERVICE}.`,
      });
      await expect(
        h.proposals.approve(
          proposal.id,
          OTHER,
          h.credentials(OTHER),
          {} as any,
        ),
      ).rejects.toBeInstanceOf(NotAllowedError);
      // Another user's proposal does not exist for the owner either.
      await expect(
        h.proposals.approve(
          proposal.id,
          OWNER,
          h.credentials(OWNER),
          {} as any,
        ),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(h.complianceCalls).toEqual([]);
    });

    it('is not approvable once the check passes, nor proposable for a passing check or beyond the maximum', async () => {
      const { message } = await h.ask(OWNER, 'Request a waiver');
      const [proposal] = message.proposals;
      h.actions.imageSignedStatus = 'pass';
      const ctx = {
        credentials: h.credentials(OWNER),
        userRef: OWNER,
        conversationId: proposal.conversationId,
        entityRef: SERVICE,
      };
      expect(
        await h.proposals.view(
          (await h.store.getProposal(proposal.id))!,
          h.credentials(OWNER),
        ),
      ).toMatchObject({
        approvable: false,
        notApprovableReason: expect.stringMatching(
          /image-signed does not fail .* now \(it is pass\)/,
        ),
      });
      await expect(
        h.proposals.approve(
          proposal.id,
          OWNER,
          h.credentials(OWNER),
          {} as any,
        ),
      ).rejects.toBeInstanceOf(NotAllowedError);
      await expect(
        h.proposals.proposeWaiver(ctx, {
          checkId: 'image-signed',
          reason: 'r',
        }),
      ).rejects.toBeInstanceOf(ConflictError);
      h.actions.imageSignedStatus = 'fail';
      await expect(
        h.proposals.proposeWaiver(ctx, {
          checkId: 'image-signed',
          reason: 'r',
          days: 91,
        }),
      ).rejects.toThrow('a waiver may run at most 90 days, not 91');
      await expect(
        h.proposals.proposeWaiver(ctx, { checkId: 'no-such', reason: 'r' }),
      ).rejects.toThrow(/no-such is not a check .* \(failing: image-signed\)/);
      expect(h.complianceCalls).toEqual([]);
    });
  });

  describe('a software template with values', () => {
    it("is validated against the template's parameters; Approve returns the prefilled scaffolder page and creates nothing", async () => {
      const { message } = await h.ask(
        OWNER,
        'Open the template add-environment with service=component:default/checkout environment=staging',
      );
      expect(message.proposals).toHaveLength(1);
      const [proposal] = message.proposals;
      const values = {
        service: 'component:default/checkout',
        environment: 'staging',
      };
      expect(proposal).toMatchObject({
        kind: 'template',
        templateRef: 'template:default/add-environment',
        templateTitle: 'Add an environment to a service',
        values,
        approvable: true,
        url: `/create/templates/default/add-environment?formData=${encodeURIComponent(
          JSON.stringify(values),
        )}`,
      });
      const approved = await h.proposals.approve(
        proposal.id,
        OWNER,
        h.credentials(OWNER),
        {} as any,
      );
      expect(approved.status).toBe('approved');
      expect(h.deliveryCalls).toEqual([]);
      expect(h.complianceCalls).toEqual([]);
      expect(h.audits.map(a => a.meta?.kind)).toContain('template');
    });

    it('refuses values the template does not accept, naming the problem, and unknown templates', async () => {
      const ctx = {
        credentials: h.credentials(OWNER),
        userRef: OWNER,
        conversationId: (
          await h.store.createConversation({
            userRef: OWNER,
            title: 't',
            createdAt: NOW,
            updatedAt: NOW,
          })
        ).id,
      };
      await expect(
        h.proposals.proposeTemplate(ctx, {
          template: 'add-environment',
          values: { service: 'component:default/checkout', environment: 'qa' },
        }),
      ).rejects.toThrow(/\/environment must be equal to one of the allowed/);
      await expect(
        h.proposals.proposeTemplate(ctx, {
          template: 'add-environment',
          values: { environment: 'dev' },
        }),
      ).rejects.toThrow(/must have required property 'service'/);
      await expect(
        h.proposals.proposeTemplate(ctx, {
          template: 'add-environment',
          values: { service: 'x', environment: 'dev', token: 'x' },
        }),
      ).rejects.toThrow(/has no parameter token/);
      await expect(
        h.proposals.proposeTemplate(ctx, { template: 'component:default/x' }),
      ).rejects.toBeInstanceOf(InputError);
      await expect(
        h.proposals.proposeTemplate(ctx, { template: 'nothing-like-it' }),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await h.store.listProposals(ctx.conversationId)).toEqual([]);
    });
  });
});
