import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { AssistantProposal } from '@portolan/plugin-assistant-common';
import {
  ROLLOUT_ACTIONS,
  RolloutAction,
  rolloutControlPermission,
} from '@portolan/plugin-delivery-common';
import type { Request } from 'express';
import { z } from 'zod';
import {
  ConversationStore,
  StoredProposal,
} from '../database/ConversationStore';

/** The proposal tool's arguments: what the model may ask for, nothing more. */
export const proposalArguments = z
  .object({
    action: z.enum(ROLLOUT_ACTIONS as [RolloutAction, ...RolloutAction[]]),
    environment: z.string().max(63).optional(),
    reason: z.string().max(500).default(''),
  })
  .strict();

/** The part of `delivery:get-rollouts` a proposal is computed from. */
const rolloutsOutput = z.object({
  rollouts: z.array(
    z
      .object({
        cluster: z.string(),
        environment: z.string().optional(),
        namespace: z.string(),
        name: z.string(),
        resourceVersion: z.string(),
        phase: z.string(),
        step: z.string().optional(),
        availableActions: z.array(z.string()),
      })
      .passthrough(),
  ),
});

export type ReadRollouts = (
  entityRef: string,
  credentials: BackstageCredentials,
) => Promise<unknown>;

export interface ProposalContext {
  credentials: BackstageCredentials;
  userRef: string;
  conversationId: string;
  entityRef: string;
}

/**
 * Proposals: the model asks, the backend computes the target from the
 * entity's live rollouts and stores it; only the stored proposal can ever
 * run, once, before it expires, by the user it was made for, through the
 * delivery backend's own action route with that user's credentials.
 */
export class ProposalService {
  static create(deps: {
    store: ConversationStore;
    readRollouts: ReadRollouts;
    permissions: PermissionsService;
    auth: AuthService;
    discovery: DiscoveryService;
    auditor: AuditorService;
    ttlMs: number;
    now: () => number;
    fetchImpl?: typeof fetch;
  }) {
    return new ProposalService(deps);
  }

  private constructor(
    private readonly deps: {
      store: ConversationStore;
      readRollouts: ReadRollouts;
      permissions: PermissionsService;
      auth: AuthService;
      discovery: DiscoveryService;
      auditor: AuditorService;
      ttlMs: number;
      now: () => number;
      fetchImpl?: typeof fetch;
    },
  ) {}

  /** Stores a proposal for a rollout of the entity where the action is valid now. */
  async propose(
    ctx: ProposalContext,
    raw: unknown,
  ): Promise<AssistantProposal> {
    const args = proposalArguments.parse(raw);
    const { rollouts } = rolloutsOutput.parse(
      await this.deps.readRollouts(ctx.entityRef, ctx.credentials),
    );
    const candidates = rollouts.filter(
      r => !args.environment || r.environment === args.environment,
    );
    const target = candidates.find(r =>
      r.availableActions.includes(args.action),
    );
    if (!target)
      throw new ConflictError(
        `No rollout of ${ctx.entityRef}${
          args.environment ? ` in ${args.environment}` : ''
        } can ${args.action} now (${
          candidates.map(r => `${r.name}: ${r.phase}`).join(', ') ||
          'no rollouts'
        })`,
      );
    const now = this.deps.now();
    const stored = await this.deps.store.addProposal({
      conversationId: ctx.conversationId,
      userRef: ctx.userRef,
      entityRef: ctx.entityRef,
      action: args.action,
      cluster: target.cluster,
      namespace: target.namespace,
      rollout: target.name,
      environment: target.environment,
      resourceVersion: target.resourceVersion,
      basedOn: `${target.phase}${target.step ? `, ${target.step}` : ''}`,
      reason: args.reason,
      createdAt: now,
      expiresAt: now + this.deps.ttlMs,
    });
    return this.view(stored, ctx.credentials);
  }

  /** Whether these credentials may do what the Canary tab's buttons do on the entity. */
  async mayControl(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: rolloutControlPermission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  async view(
    p: StoredProposal,
    credentials: BackstageCredentials,
  ): Promise<AssistantProposal> {
    const expired = !p.usedAt && p.expiresAt <= this.deps.now();
    let status: AssistantProposal['status'] = 'open';
    if (p.status) status = p.status;
    else if (expired) status = 'expired';
    const allowed =
      status === 'open' && (await this.mayControl(p.entityRef, credentials));
    let notApprovableReason: string | undefined;
    if (status !== 'open') notApprovableReason = `This proposal is ${status}.`;
    else if (!allowed)
      notApprovableReason = `You may not ${p.action} rollouts of ${p.entityRef}.`;
    return {
      id: p.id,
      conversationId: p.conversationId,
      action: p.action,
      entityRef: p.entityRef,
      cluster: p.cluster,
      namespace: p.namespace,
      rollout: p.rollout,
      environment: p.environment,
      resourceVersion: p.resourceVersion,
      basedOn: p.basedOn,
      reason: p.reason,
      expiresAt: new Date(p.expiresAt).toISOString(),
      approvable: allowed,
      notApprovableReason,
      status,
      outcome: p.outcome,
    };
  }

  /** Runs the stored proposal once, as the user, through the delivery backend. */
  async approve(
    id: string,
    userRef: string,
    credentials: BackstageCredentials,
    request: Request,
  ): Promise<AssistantProposal> {
    const p = await this.deps.store.getProposal(id);
    // Another user's proposal does not exist for this one.
    if (!p || p.userRef !== userRef)
      throw new NotFoundError(`No proposal ${id}`);
    const event = await this.deps.auditor.createEvent({
      eventId: 'proposal-approve',
      severityLevel: 'medium',
      request,
      meta: {
        conversationId: p.conversationId,
        proposalId: p.id,
        action: p.action,
        entityRef: p.entityRef,
        target: `${p.cluster}/${p.namespace}/${p.rollout}`,
        resourceVersion: p.resourceVersion,
      },
    });
    try {
      if (!(await this.mayControl(p.entityRef, credentials)))
        throw new NotAllowedError(
          `You may not ${p.action} rollouts of ${p.entityRef}`,
        );
      if (!(await this.deps.store.claimProposal(id, userRef, this.deps.now())))
        throw new ConflictError(
          p.usedAt
            ? 'This proposal was already used'
            : 'This proposal has expired or was already used',
        );
      const outcome = await this.execute(p, credentials);
      await this.deps.store.finishProposal(id, 'approved', outcome);
      await event.success({ meta: { outcome } });
    } catch (error) {
      const message = (error as Error).message;
      if (!(error instanceof NotFoundError)) {
        const stored = await this.deps.store.getProposal(id);
        if (stored?.usedAt && !stored.status)
          await this.deps.store.finishProposal(id, 'failed', message);
      }
      await event.fail({ error: error as Error });
      throw error;
    }
    return this.view((await this.deps.store.getProposal(id))!, credentials);
  }

  private async execute(
    p: StoredProposal,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const ref = parseEntityRef(p.entityRef);
    const base = await this.deps.discovery.getBaseUrl('delivery');
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'delivery',
    });
    const url = `${base}/entities/${encodeURIComponent(
      ref.kind,
    )}/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(
      ref.name,
    )}/rollouts/actions`;
    const res = await (this.deps.fetchImpl ?? fetch)(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        cluster: p.cluster,
        namespace: p.namespace,
        name: p.rollout,
        action: p.action,
        resourceVersion: p.resourceVersion,
      }),
      signal: AbortSignal.timeout(15_000),
    });
    if (res.status === 409)
      throw new ConflictError(
        `The rollout changed since the proposal (it was ${p.basedOn}); look again before acting`,
      );
    if (res.status === 403)
      throw new NotAllowedError(
        `The delivery backend refused to ${p.action} ${p.rollout}`,
      );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    const body = (await res.json()) as {
      rollout?: { phase?: string };
    };
    return `${p.action} of ${p.rollout} in ${p.environment ?? p.cluster} done${
      body.rollout?.phase ? `: now ${body.rollout.phase}` : ''
    }`;
  }
}
