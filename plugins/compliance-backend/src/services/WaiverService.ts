import {
  AuditorService,
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  Waiver,
  checkById,
  complianceWaiverApprovePermission,
  complianceWaiverRequestPermission,
} from '@portolan/plugin-compliance-common';
import type { Request } from 'express';
import crypto from 'node:crypto';
import { ComplianceStore } from '../database/ComplianceStore';
import { ComplianceService } from './ComplianceService';

const DAY = 86_400_000;

/**
 * Waivers: an owner asks to waive one failing check of one service until
 * a date; an approver (another user) approves or rejects. Every attempt is
 * audited; a refused one stores nothing.
 */
export class WaiverService {
  static create(deps: {
    store: ComplianceStore;
    compliance: ComplianceService;
    permissions: PermissionsService;
    auditor: AuditorService;
    /** Resolves the caller's groups, for the approver-group check. */
    userInfo: Pick<UserInfoService, 'getUserInfo'>;
    maxDays: number;
    /** Groups whose members approve or reject (compliance.waivers.approverGroups). */
    approverGroups: string[];
    now?: () => number;
  }) {
    return new WaiverService(deps);
  }

  private constructor(
    private readonly deps: Parameters<typeof WaiverService.create>[0],
  ) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  async request(
    input: {
      entityRef: string;
      checkId: string;
      reason: string;
      expiresAt: Date;
    },
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    request: Request,
  ): Promise<Waiver> {
    const audit = await this.deps.auditor.createEvent({
      eventId: 'waiver-request',
      severityLevel: 'medium',
      request,
      meta: {
        entityRef: input.entityRef,
        checkId: input.checkId,
        expiresAt: input.expiresAt.toISOString(),
      },
    });
    try {
      const now = this.now();
      if (!input.reason.trim())
        throw new InputError(
          "Invalid parameter 'reason': a waiver needs a reason",
        );
      if (input.expiresAt.getTime() <= now) {
        throw new InputError(
          "Invalid parameter 'expiresAt': the expiry is in the past",
        );
      }
      if (input.expiresAt.getTime() > now + this.deps.maxDays * DAY) {
        throw new InputError(
          `Invalid parameter 'expiresAt': a waiver may run at most ${
            this.deps.maxDays
          } days (until ${new Date(
            now + this.deps.maxDays * DAY,
          ).toISOString()})`,
        );
      }
      if (!checkById(input.checkId)) {
        throw new InputError(
          `Invalid parameter 'checkId': unknown check '${input.checkId}'`,
        );
      }
      const [decision] = await this.deps.permissions.authorize(
        [
          {
            permission: complianceWaiverRequestPermission,
            resourceRef: input.entityRef,
          },
        ],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Only members of the team owning ${input.entityRef} may ask for a waiver`,
        );
      }
      const view = await this.deps.compliance.service(input.entityRef);
      const check = view.checks.find(c => c.checkId === input.checkId);
      if (!check) {
        throw new InputError(
          `Invalid parameter 'checkId': ${input.checkId} does not apply to ${input.entityRef}`,
        );
      }
      if (check.status === 'pass') {
        throw new InputError(
          `Invalid parameter 'checkId': ${input.checkId} passes for ${input.entityRef}; only a failing check can be waived`,
        );
      }
      if (check.status === 'waived' || check.pendingWaiver) {
        throw new ConflictError(
          `${input.checkId} of ${input.entityRef} already has a ${
            check.status === 'waived' ? 'waiver' : 'pending waiver request'
          }`,
        );
      }
      const waiver: Waiver = {
        id: crypto.randomUUID(),
        entityRef: input.entityRef,
        checkId: input.checkId,
        reason: input.reason.trim(),
        expiresAt: input.expiresAt.toISOString(),
        status: 'pending',
        requestedBy: credentials.principal.userEntityRef,
        requestedAt: new Date(now).toISOString(),
      };
      await this.deps.store.insertWaiver(waiver);
      await audit.success({ meta: { waiverId: waiver.id } });
      return waiver;
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  }

  async decide(
    id: string,
    decision: { approve: boolean; comment?: string },
    credentials: BackstageCredentials<BackstageUserPrincipal>,
    request: Request,
  ): Promise<Waiver> {
    const audit = await this.deps.auditor.createEvent({
      eventId: decision.approve ? 'waiver-approve' : 'waiver-reject',
      severityLevel: 'medium',
      request,
      meta: { waiverId: id },
    });
    try {
      const waiver = await this.deps.store.waiver(id);
      if (!waiver) throw new NotFoundError(`No waiver ${id}`);
      const [allowed] = await this.deps.permissions.authorize(
        [{ permission: complianceWaiverApprovePermission }],
        { credentials },
      );
      const { ownershipEntityRefs } = await this.deps.userInfo.getUserInfo(
        credentials,
      );
      const approverGroups = this.deps.approverGroups;
      if (
        allowed.result !== AuthorizeResult.ALLOW ||
        !ownershipEntityRefs.some(ref => approverGroups.includes(ref))
      ) {
        throw new NotAllowedError(
          `Only members of the approver group${
            approverGroups.length === 1 ? '' : 's'
          } (${
            approverGroups.join(', ') || 'none configured'
          }) may approve or reject waivers`,
        );
      }
      const actor = credentials.principal.userEntityRef;
      if (decision.approve && waiver.requestedBy === actor) {
        throw new InputError(
          'You cannot approve your own waiver; another approver must',
        );
      }
      if (waiver.status !== 'pending') {
        throw new ConflictError(`Waiver ${id} was already ${waiver.status}`);
      }
      const now = this.now();
      if (decision.approve && Date.parse(waiver.expiresAt) <= now) {
        throw new InputError(`Waiver ${id} expired before it was approved`);
      }
      const done = await this.deps.store.decideWaiver(id, {
        status: decision.approve ? 'approved' : 'rejected',
        decidedBy: actor,
        decidedAt: new Date(now),
        comment: decision.comment,
      });
      if (!done) throw new ConflictError(`Waiver ${id} was decided meanwhile`);
      await this.deps.compliance.rescore();
      const after = (await this.deps.store.waiver(id))!;
      await audit.success({
        meta: {
          entityRef: after.entityRef,
          checkId: after.checkId,
          status: after.status,
        },
      });
      return after;
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  }
}
