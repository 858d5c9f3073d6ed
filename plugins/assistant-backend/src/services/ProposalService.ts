import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { JsonObject } from '@backstage/types';
import type { CatalogService } from '@backstage/plugin-catalog-node';
import type { AssistantProposal } from '@portolan/plugin-assistant-common';
import {
  CHECK_STATUSES,
  CheckResultView,
  CheckStatus,
  complianceWaiverRequestPermission,
} from '@portolan/plugin-compliance-common';
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
import { TemplateValues } from './TemplateValues';

const DAY = 86_400_000;

/** Rollout columns of the other kinds. */
const NO_ROLLOUT = {
  cluster: '',
  namespace: '',
  rollout: '',
  resourceVersion: '',
};

/** The rollout proposal tool's arguments: what the model may ask for, nothing more. */
export const proposalArguments = z
  .object({
    action: z.enum(ROLLOUT_ACTIONS as [RolloutAction, ...RolloutAction[]]),
    environment: z.string().max(63).optional(),
    reason: z.string().max(500).default(''),
  })
  .strict();

/** The waiver proposal tool's arguments: the check and why; the entity is the one open. */
export const waiverProposalArguments = z
  .object({
    checkId: z.string().min(1).max(63),
    reason: z
      .string()
      .max(500)
      .refine(v => v.trim().length > 0, 'a waiver needs a reason'),
    days: z.number().int().min(1).max(730).optional(),
  })
  .strict();

/** The template proposal tool's arguments: a template of the catalog and its values. */
export const templateProposalArguments = z
  .object({
    template: z.string().min(1).max(300),
    values: z.record(z.unknown()).default({}),
    reason: z.string().max(500).default(''),
  })
  .strict();

/** The part of `delivery:get-rollouts` a rollout proposal is computed from. */
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

/** The part of `compliance:get-service-checks` (the compliance plugin's CheckResultView) a waiver proposal rests on. */
type CheckOfAction = Pick<CheckResultView, 'checkId' | 'title' | 'reason'> & {
  status: CheckStatus;
};
const checksOutput: z.ZodType<{ checks: CheckOfAction[] }> = z.object({
  checks: z.array(
    z
      .object({
        checkId: z.string(),
        title: z.string(),
        status: z.enum(CHECK_STATUSES as [CheckStatus, ...CheckStatus[]]),
        reason: z.string(),
      })
      .passthrough(),
  ),
});

/** Runs one of the user's read-only actions, with their credentials. */
export type InvokeAction = (
  id: string,
  input: JsonObject,
  credentials: BackstageCredentials,
) => Promise<unknown>;

export interface ProposalContext {
  credentials: BackstageCredentials;
  userRef: string;
  conversationId: string;
  entityRef?: string;
}

/** The default waiver length when the model names none (capped by the compliance maximum). */
const DEFAULT_WAIVER_DAYS = 30;

/**
 * Proposals: the model asks, the backend computes the target from live
 * data read with the user's credentials (the entity's rollouts, its
 * checks, the template in the catalog) and stores it; only the stored
 * proposal can ever run, once, before it expires, by the user it was made
 * for, through the owning backend's own route with that user's
 * credentials. A template proposal runs nothing: it opens the scaffolder
 * with the values filled in.
 */
export class ProposalService {
  static create(deps: ProposalServiceDeps) {
    return new ProposalService(deps);
  }

  private readonly templateValues = new TemplateValues();

  private constructor(private readonly deps: ProposalServiceDeps) {}

  /** Stores a proposal for a rollout of the entity where the action is valid now. */
  async propose(
    ctx: ProposalContext,
    raw: unknown,
  ): Promise<AssistantProposal> {
    const args = proposalArguments.parse(raw);
    const entityRef = requireEntity(ctx);
    const { rollouts } = rolloutsOutput.parse(
      await this.deps.invokeAction(
        'delivery:get-rollouts',
        { entityRef },
        ctx.credentials,
      ),
    );
    const candidates = rollouts.filter(
      r => !args.environment || r.environment === args.environment,
    );
    const target = candidates.find(r =>
      r.availableActions.includes(args.action),
    );
    if (!target)
      throw new ConflictError(
        `No rollout of ${entityRef}${
          args.environment ? ` in ${args.environment}` : ''
        } can ${args.action} now (${
          candidates.map(r => `${r.name}: ${r.phase}`).join(', ') ||
          'no rollouts'
        })`,
      );
    return this.store(ctx, () => ({
      entityRef,
      kind: 'rollout',
      action: args.action,
      cluster: target.cluster,
      namespace: target.namespace,
      rollout: target.name,
      environment: target.environment,
      resourceVersion: target.resourceVersion,
      basedOn: `${target.phase}${target.step ? `, ${target.step}` : ''}`,
      reason: args.reason,
    }));
  }

  /** Stores a waiver request for a check of the open entity that fails now. */
  async proposeWaiver(
    ctx: ProposalContext,
    raw: unknown,
  ): Promise<AssistantProposal> {
    const args = waiverProposalArguments.parse(raw);
    const entityRef = requireEntity(ctx);
    const check = await this.failingCheck(
      entityRef,
      args.checkId,
      ctx.credentials,
    );
    const maxDays = await this.waiverMaxDays(ctx.credentials);
    const days = args.days ?? Math.min(DEFAULT_WAIVER_DAYS, maxDays);
    if (days > maxDays)
      throw new InputError(
        `a waiver may run at most ${maxDays} days, not ${days}`,
      );
    return this.store(ctx, now => ({
      entityRef,
      kind: 'waiver',
      action: 'request-waiver',
      payload: {
        checkId: check.checkId,
        checkTitle: check.title,
        waiverExpiresAt: new Date(now + days * DAY).toISOString(),
      },
      ...NO_ROLLOUT,
      basedOn: `${check.checkId} fails: ${check.reason}`,
      reason: args.reason,
    }));
  }

  /** Stores a template of the catalog with values valid for its parameters. */
  async proposeTemplate(
    ctx: ProposalContext,
    raw: unknown,
  ): Promise<AssistantProposal> {
    const args = templateProposalArguments.parse(raw);
    const template = await this.readTemplate(args.template, ctx.credentials);
    const templateRef = stringifyEntityRef(template);
    const values = this.templateValues.validate(template, args.values);
    return this.store(ctx, () => ({
      entityRef: ctx.entityRef ?? templateRef,
      kind: 'template',
      action: 'open-template',
      payload: {
        templateRef,
        templateTitle: template.metadata.title ?? template.metadata.name,
        values,
      },
      ...NO_ROLLOUT,
      basedOn: `the parameters of ${templateRef}`,
      reason: args.reason,
    }));
  }

  /** Stores what a proposal does for this user and conversation, for the configured time. */
  private async store(
    ctx: ProposalContext,
    fields: (
      now: number,
    ) => Omit<
      StoredProposal,
      | 'id'
      | 'conversationId'
      | 'userRef'
      | 'createdAt'
      | 'expiresAt'
      | 'usedAt'
      | 'status'
      | 'outcome'
    >,
  ): Promise<AssistantProposal> {
    const now = this.deps.now();
    const stored = await this.deps.store.addProposal({
      ...fields(now),
      conversationId: ctx.conversationId,
      userRef: ctx.userRef,
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
    return this.allowed(rolloutControlPermission, entityRef, credentials);
  }

  /** Why this user may not approve the proposal now; undefined when they may. */
  private async refusal(
    p: StoredProposal,
    credentials: BackstageCredentials,
  ): Promise<string | undefined> {
    if (p.kind === 'rollout')
      return (await this.mayControl(p.entityRef, credentials))
        ? undefined
        : `You may not ${p.action} rollouts of ${p.entityRef}.`;
    if (p.kind === 'waiver') {
      if (
        !(await this.allowed(
          complianceWaiverRequestPermission,
          p.entityRef,
          credentials,
        ))
      )
        return `You may not ask for waivers on ${p.entityRef}.`;
      const checkId = String(p.payload?.checkId);
      try {
        await this.failingCheck(p.entityRef, checkId, credentials);
      } catch (error) {
        return `${(error as Error).message}.`;
      }
      return undefined;
    }
    try {
      const template = await this.readTemplate(
        String(p.payload?.templateRef),
        credentials,
      );
      this.templateValues.validate(
        template,
        (p.payload?.values ?? {}) as Record<string, unknown>,
      );
    } catch (error) {
      return `${(error as Error).message}.`;
    }
    return undefined;
  }

  async view(
    p: StoredProposal,
    credentials: BackstageCredentials,
  ): Promise<AssistantProposal> {
    const expired = !p.usedAt && p.expiresAt <= this.deps.now();
    let status: AssistantProposal['status'] = 'open';
    if (p.status) status = p.status;
    else if (expired) status = 'expired';
    const refused =
      status === 'open' ? await this.refusal(p, credentials) : undefined;
    const approvable = status === 'open' && !refused;
    const base = {
      id: p.id,
      conversationId: p.conversationId,
      entityRef: p.entityRef,
      basedOn: p.basedOn,
      reason: p.reason,
      expiresAt: new Date(p.expiresAt).toISOString(),
      approvable,
      notApprovableReason:
        status !== 'open' ? `This proposal is ${status}.` : refused,
      status,
      outcome: p.outcome,
    };
    if (p.kind === 'waiver')
      return {
        ...base,
        kind: 'waiver',
        action: 'request-waiver',
        checkId: String(p.payload?.checkId),
        checkTitle: String(p.payload?.checkTitle),
        waiverExpiresAt: String(p.payload?.waiverExpiresAt),
      };
    if (p.kind === 'template') {
      const templateRef = String(p.payload?.templateRef);
      const values = (p.payload?.values ?? {}) as Record<string, unknown>;
      return {
        ...base,
        kind: 'template',
        action: 'open-template',
        templateRef,
        templateTitle: String(p.payload?.templateTitle),
        values,
        url: scaffolderUrl(templateRef, values),
      };
    }
    return {
      ...base,
      kind: 'rollout',
      action: p.action as RolloutAction,
      cluster: p.cluster,
      namespace: p.namespace,
      rollout: p.rollout,
      environment: p.environment,
      resourceVersion: p.resourceVersion,
    };
  }

  /** Runs the stored proposal once, as the user, through the owning backend. */
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
        kind: p.kind,
        action: p.action,
        entityRef: p.entityRef,
        ...(p.kind === 'rollout'
          ? {
              target: `${p.cluster}/${p.namespace}/${p.rollout}`,
              resourceVersion: p.resourceVersion,
            }
          : {
              target: String(
                p.payload?.checkId ?? p.payload?.templateRef ?? '',
              ),
            }),
      },
    });
    try {
      const refused = await this.refusal(p, credentials);
      if (refused) throw new NotAllowedError(refused.replace(/\.$/, ''));
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

  private async allowed(
    permission:
      | typeof rolloutControlPermission
      | typeof complianceWaiverRequestPermission,
    entityRef: string,
    credentials: BackstageCredentials,
  ) {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  /** The check as the compliance plugin reports it now; throws unless it fails. */
  private async failingCheck(
    entityRef: string,
    checkId: string,
    credentials: BackstageCredentials,
  ): Promise<CheckOfAction> {
    const { checks } = checksOutput.parse(
      await this.deps.invokeAction(
        'compliance:get-service-checks',
        { entityRef },
        credentials,
      ),
    );
    const check = checks.find(c => c.checkId === checkId);
    const failing = checks.filter(c => c.status === 'fail').map(c => c.checkId);
    if (!check)
      throw new InputError(
        `${checkId} is not a check of ${entityRef} (failing: ${
          failing.join(', ') || 'none'
        })`,
      );
    if (check.status !== 'fail')
      throw new ConflictError(
        `${checkId} does not fail for ${entityRef} now (it is ${check.status})`,
      );
    return check;
  }

  /** The compliance plugin's own maximum waiver length. */
  private async waiverMaxDays(
    credentials: BackstageCredentials,
  ): Promise<number> {
    const res = await this.callBackend(
      'compliance',
      '/checks',
      { method: 'GET' },
      credentials,
    );
    if (!res.ok) throw await ResponseError.fromResponse(res);
    const body = z
      .object({ waiverMaxDays: z.number().int().positive() })
      .passthrough()
      .parse(await res.json());
    return body.waiverMaxDays;
  }

  /** A template of the catalog as this user sees it. */
  private async readTemplate(
    name: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    let ref;
    try {
      ref = parseEntityRef(name, {
        defaultKind: 'template',
        defaultNamespace: 'default',
      });
    } catch {
      throw new InputError(`${name} is not a template reference`);
    }
    if (ref.kind.toLocaleLowerCase('en-US') !== 'template')
      throw new InputError(`${name} is not a template`);
    const entity = await this.deps.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity)
      throw new NotFoundError(`No template ${stringifyEntityRef(ref)}`);
    return entity;
  }

  private async callBackend(
    pluginId: string,
    path: string,
    init: RequestInit,
    credentials: BackstageCredentials,
  ): Promise<Response> {
    const base = await this.deps.discovery.getBaseUrl(pluginId);
    const { token } = await this.deps.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: pluginId,
    });
    return (this.deps.fetchImpl ?? fetch)(`${base}${path}`, {
      ...init,
      headers: {
        ...(init.body ? { 'Content-Type': 'application/json' } : {}),
        Authorization: `Bearer ${token}`,
      },
      signal: AbortSignal.timeout(15_000),
    });
  }

  private async execute(
    p: StoredProposal,
    credentials: BackstageCredentials,
  ): Promise<string> {
    if (p.kind === 'template')
      // Nothing is created here: the user reviews and runs it in the scaffolder.
      return `opened ${String(
        p.payload?.templateTitle,
      )} with the values filled in`;
    const ref = parseEntityRef(p.entityRef);
    const entityPath = `/entities/${encodeURIComponent(
      ref.kind,
    )}/${encodeURIComponent(ref.namespace)}/${encodeURIComponent(ref.name)}`;
    if (p.kind === 'waiver') {
      const res = await this.callBackend(
        'compliance',
        `${entityPath}/waivers`,
        {
          method: 'POST',
          body: JSON.stringify({
            checkId: p.payload?.checkId,
            reason: p.reason,
            expiresAt: p.payload?.waiverExpiresAt,
          }),
        },
        credentials,
      );
      if (res.status === 403)
        throw new NotAllowedError(
          `The compliance backend refused a waiver of ${String(
            p.payload?.checkId,
          )} on ${p.entityRef}`,
        );
      if (!res.ok) throw await ResponseError.fromResponse(res);
      const body = (await res.json()) as { id?: string; status?: string };
      return `waiver of ${String(p.payload?.checkId)} requested${
        body.status ? ` (${body.status})` : ''
      }: an approver decides`;
    }
    const res = await this.callBackend(
      'delivery',
      `${entityPath}/rollouts/actions`,
      {
        method: 'POST',
        body: JSON.stringify({
          cluster: p.cluster,
          namespace: p.namespace,
          name: p.rollout,
          action: p.action,
          resourceVersion: p.resourceVersion,
        }),
      },
      credentials,
    );
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

interface ProposalServiceDeps {
  store: ConversationStore;
  invokeAction: InvokeAction;
  catalog: Pick<CatalogService, 'getEntityByRef'>;
  permissions: PermissionsService;
  auth: AuthService;
  discovery: DiscoveryService;
  auditor: AuditorService;
  ttlMs: number;
  now: () => number;
  fetchImpl?: typeof fetch;
}

function requireEntity(ctx: ProposalContext): string {
  if (!ctx.entityRef) throw new InputError('no entity is open to act on');
  return ctx.entityRef;
}

/** The scaffolder page of a template with the values prefilled (its `formData` query). */
export function scaffolderUrl(
  templateRef: string,
  values: Record<string, unknown>,
): string {
  const ref = parseEntityRef(templateRef);
  return `/create/templates/${encodeURIComponent(
    ref.namespace,
  )}/${encodeURIComponent(ref.name)}?formData=${encodeURIComponent(
    JSON.stringify(values),
  )}`;
}
