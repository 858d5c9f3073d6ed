import { PermissionsService } from '@backstage/backend-plugin-api';
import {
  ActionsRegistryService,
  ActionsService,
} from '@backstage/backend-plugin-api/alpha';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DeployMarker,
  ServiceCostActionOutput,
  findCostJumps,
} from '@portolan/plugin-finops-common';
import {
  ActionZod,
  PortalLinks,
  deploymentsOf,
  entityForAction,
  entityRefInput,
  truncateText,
} from '@portolan/portolan-node';
import { assertCanReadCosts } from '../services/assertCanReadCosts';
import { CostService } from '../services/CostService';

const round2 = (n: number) => Math.round(n * 100) / 100;

const input = (z: ActionZod) =>
  z.object({ entityRef: entityRefInput(z) }).strict();

const output = (z: ActionZod) =>
  z.object({
    entityRef: z.string(),
    currency: z.string(),
    /** The last complete day the figures run to (UTC). */
    asOfDay: z.string().optional(),
    freshness: z.string(),
    last30Days: z.object({
      total: z.number(),
      previous: z.number(),
      changePercent: z.number().optional(),
      byEnvironment: z.record(z.number()),
    }),
    monthToDate: z.object({
      month: z.string(),
      total: z.number(),
      days: z.number(),
      daysInMonth: z.number(),
    }),
    forecast: z
      .object({
        month: z.string(),
        monthEnd: z.number(),
        low: z.number(),
        high: z.number(),
      })
      .optional(),
    budget: z
      .object({
        amount: z.number(),
        source: z.string(),
        forecastBreaks: z.boolean(),
        forecastMayBreak: z.boolean(),
      })
      .optional(),
    /** Deploys after which an environment's daily cost moved by more than the threshold. */
    costJumps: z.array(
      z.object({
        environment: z.string(),
        day: z.string(),
        revision: z.string(),
        before: z.number(),
        after: z.number(),
        changePercent: z.number(),
        message: z.string().optional(),
      }),
    ),
    costJumpThresholdPercent: z.number(),
    deployLookupError: z.string().optional(),
    costsTabUrl: z.string(),
  });

/** `finops:get-service-cost`: what a service cost, where it is heading, and what moved it. */
export function createGetServiceCostAction(deps: {
  actionsRegistry: ActionsRegistryService;
  actions: ActionsService;
  catalog: CatalogService;
  permissions: PermissionsService;
  costs: CostService;
  links: PortalLinks;
  costJumpThresholdPercent: number;
}) {
  deps.actionsRegistry.register({
    name: 'get-service-cost',
    title: 'Get the cost of a service',
    description: `What one service cost (from OpenCost, in the configured currency): the last 30 days against the 30 before (and per environment), month to date, the month-end forecast with its range, the budget and whether the forecast breaks it, and the deploys after which an environment's daily cost jumped (at most 5, largest first, with the commit message).
Use it for "what does X cost", "why did X get more expensive", "will X stay in budget". Needs the finops.cost.read permission. Read-only. Cite costsTabUrl.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: { input, output },
    action: async ({ input: q, credentials }) => {
      await assertCanReadCosts(deps.permissions, credentials);
      const entity = await entityForAction(
        deps.catalog,
        q.entityRef,
        credentials,
      );
      const cost = await deps.costs.entityCost(entity);
      const { deployments, error } = cost.daily.length
        ? await deploymentsOf(
            deps.actions,
            { entityRef: cost.entityRef },
            credentials,
          )
        : { deployments: [], error: undefined };
      const deploys: DeployMarker[] = deployments.map(d => ({
        revision: d.revision,
        environment: d.environment,
        startedAt: d.startedAt,
        result: d.result,
        message: d.commit?.message,
      }));
      const jumps = findCostJumps(cost.daily, deploys, {
        thresholdPercent: deps.costJumpThresholdPercent,
        requests: cost.requests,
      }).slice(0, 5);
      const last30 = cost.daily.slice(-30);
      const byEnvironment: Record<string, number> = {};
      for (const d of last30)
        for (const [env, v] of Object.entries(d.byEnvironment))
          byEnvironment[env] = round2((byEnvironment[env] ?? 0) + v);
      return {
        output: {
          entityRef: cost.entityRef,
          currency: cost.currency,
          asOfDay: cost.asOfDay,
          freshness: cost.freshness.status,
          last30Days: {
            total: round2(cost.last30Days.total),
            previous: round2(cost.last30Days.previous),
            changePercent: cost.last30Days.changePercent,
            byEnvironment,
          },
          monthToDate: {
            ...cost.monthToDate,
            total: round2(cost.monthToDate.total),
          },
          forecast: cost.forecast && {
            month: cost.forecast.month,
            monthEnd: round2(cost.forecast.monthEnd),
            low: round2(cost.forecast.low),
            high: round2(cost.forecast.high),
          },
          budget: cost.budget && {
            amount: cost.budget.amount,
            source: cost.budget.source,
            forecastBreaks: cost.budget.forecastBreaks,
            forecastMayBreak: cost.budget.forecastMayBreak,
          },
          costJumps: jumps.map(j => ({
            environment: j.environment,
            day: j.day,
            revision: j.revision,
            before: round2(j.before),
            after: round2(j.after),
            changePercent: j.changePercent,
            message: j.message && truncateText(j.message, 200),
          })),
          costJumpThresholdPercent: deps.costJumpThresholdPercent,
          deployLookupError: error,
          costsTabUrl: deps.links.entityTab(cost.entityRef, 'costs'),
        } satisfies ServiceCostActionOutput,
      };
    },
  });
}
