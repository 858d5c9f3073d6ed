import {
  AuditorService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  finopsBudgetSetPermission,
  formatMoney,
  roundMoney,
} from '@portolan/plugin-finops-common';
import type { Request } from 'express';
import { BudgetStore } from '../database/BudgetStore';
import { CostStore } from '../database/CostStore';
import { CostService } from './CostService';

/** Budgets: owners set a service's from the portal; alerts when a forecast crosses one. */
export class BudgetService {
  static create(deps: {
    budgets: BudgetStore;
    store: CostStore;
    costs: CostService;
    permissions: PermissionsService;
    auditor: AuditorService;
    notifications?: NotificationService;
    logger: LoggerService;
    currency: string;
    now?: () => number;
  }) {
    return new BudgetService(deps);
  }

  private constructor(
    private readonly deps: Parameters<typeof BudgetService.create>[0],
  ) {}

  /**
   * Sets (or with null, removes) a service's monthly budget: the caller
   * must hold `finops.budget.set` on it (its owners, admins); audited
   * either way. A bad amount is a 400 and nothing is stored.
   */
  async setBudget(
    entity: Entity,
    amount: number | null,
    credentials: BackstageCredentials<any>,
    request: Request,
  ): Promise<void> {
    const entityRef = stringifyEntityRef(entity);
    const actor =
      (credentials.principal as { userEntityRef?: string })?.userEntityRef ??
      'unknown';
    const audit = await this.deps.auditor.createEvent({
      eventId: 'budget-set',
      severityLevel: 'medium',
      request,
      meta: { entityRef, amount, currency: this.deps.currency },
    });
    try {
      if (
        amount !== null &&
        !(Number.isFinite(amount) && amount > 0 && amount < 1e12)
      ) {
        throw new InputError(
          'amount must be a positive number (or null to remove the budget)',
        );
      }
      const [decision] = await this.deps.permissions.authorize(
        [{ permission: finopsBudgetSetPermission, resourceRef: entityRef }],
        { credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Only members of the team owning ${entityRef} (or an admin group) may set its budget`,
        );
      }
      const before = await this.deps.budgets.get(entityRef);
      if (amount === null) await this.deps.budgets.remove(entityRef);
      else {
        await this.deps.budgets.set({
          entityRef,
          amount: roundMoney(amount, this.deps.currency),
          currency: this.deps.currency,
          setBy: actor,
          setAt: new Date(this.deps.now?.() ?? Date.now()),
        });
      }
      await audit.success({
        meta: { before: before?.amount ?? null, after: amount },
      });
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
    await this.checkAlerts([entityRef]).catch(error =>
      this.deps.logger.warn(
        `Budget alert check for ${entityRef} failed: ${
          (error as Error).message
        }`,
      ),
    );
  }

  /**
   * Sends a notification to the owning team of every service (and team)
   * whose month-end forecast is above its budget, once per month: the
   * claim on (entity, month) is stored before sending.
   */
  async checkAlerts(only?: string[]): Promise<
    Array<{
      entityRef: string;
      recipient: string;
      budget: number;
      forecast: number;
    }>
  > {
    const { budgets, store, costs, notifications, currency } = this.deps;
    const sent: Array<{
      entityRef: string;
      recipient: string;
      budget: number;
      forecast: number;
    }> = [];
    const infos = await store.entities();
    const stored = new Map(
      (await budgets.list()).map(b => [b.entityRef, b.amount]),
    );
    const candidates = infos
      .map(i => ({
        info: i,
        amount: stored.get(i.entityRef) ?? i.annotationBudget,
      }))
      .filter(
        c =>
          c.amount !== undefined && (!only || only.includes(c.info.entityRef)),
      );
    for (const { info, amount } of candidates) {
      const isTeam = info.entityRef.startsWith('group:');
      const recipient = isTeam ? info.entityRef : info.ownerRef;
      if (!recipient) continue;
      const forecast = await costs.forecastOf(
        info.entityRef,
        isTeam ? 'team' : 'entity',
      );
      if (!forecast || !(forecast.monthEnd > amount!)) continue;
      const at = new Date(this.deps.now?.() ?? Date.now());
      if (
        !(await budgets.claimAlert(
          info.entityRef,
          forecast.month,
          amount!,
          forecast.monthEnd,
          at,
        ))
      )
        continue;
      const name = info.title ?? info.entityRef.split('/').pop();
      const [kind, rest] = info.entityRef.split(':');
      const [namespace, entityName] = rest.split('/');
      try {
        await notifications?.send({
          recipients: { type: 'entity', entityRef: recipient },
          payload: {
            title: `${name} is forecast to exceed its ${forecast.month} budget`,
            description: `Forecast ${formatMoney(
              forecast.monthEnd,
              currency,
            )} (80 %: ${formatMoney(forecast.low, currency)}–${formatMoney(
              forecast.high,
              currency,
            )}) against a budget of ${formatMoney(amount!, currency)}.`,
            link: isTeam
              ? '/costs'
              : `/catalog/${namespace}/${kind}/${entityName}`,
            severity: 'high',
            topic: 'finops-budget',
            scope: `finops-budget:${info.entityRef}:${forecast.month}`,
          },
        });
      } catch (error) {
        // Not sent: let a later cycle try again.
        await budgets.releaseAlert(info.entityRef, forecast.month);
        throw error;
      }
      sent.push({
        entityRef: info.entityRef,
        recipient,
        budget: amount!,
        forecast: forecast.monthEnd,
      });
    }
    return sent;
  }
}
