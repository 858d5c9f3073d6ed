import { PermissionsService } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ActionZod,
  PortalLinks,
  entityForAction,
  entityRefInput,
} from '@portolan/portolan-node';
import { assertCanReadCosts } from '../services/assertCanReadCosts';
import { CostService } from '../services/CostService';

const MAX_ROWS = 10;

const input = (z: ActionZod) =>
  z.object({ entityRef: entityRefInput(z) }).strict();

const usage = (z: ActionZod) =>
  z.object({
    requested: z.number(),
    used: z.number(),
    recommended: z.number(),
  });

const output = (z: ActionZod) =>
  z.object({
    entityRef: z.string(),
    currency: z.string(),
    method: z.object({
      percentile: z.number(),
      headroom: z.number(),
      days: z.number(),
    }),
    totalMonthlySaving: z.number(),
    /** Workloads to resize, largest saving first (at most 10). */
    workloads: z.array(
      z.object({
        environment: z.string(),
        cluster: z.string(),
        namespace: z.string(),
        workload: z.string(),
        cpuCores: usage(z),
        memoryBytes: usage(z),
        monthlyCost: z.number(),
        monthlySaving: z.number(),
      }),
    ),
    moreWorkloads: z.number(),
    /** Environments idle most of the time (e.g. over weekends). */
    idleEnvironments: z.array(
      z.object({
        environment: z.string(),
        cluster: z.string(),
        cpuUtilisation: z.number(),
        cost: z.number(),
        weekendCost: z.number(),
        days: z.number(),
      }),
    ),
    costsTabUrl: z.string(),
  });

const round2 = (n: number) => Math.round(n * 100) / 100;

/** `finops:get-rightsizing`: what resizing a service's workloads would save. */
export function createGetRightsizingAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  permissions: PermissionsService;
  costs: CostService;
  links: PortalLinks;
}) {
  deps.actionsRegistry.register({
    name: 'get-rightsizing',
    title: 'Get right-sizing recommendations of a service',
    description: `Right-sizing for one service: per workload and environment, requested vs used (a high percentile over recent days) vs recommended CPU cores and memory bytes, the monthly cost and the monthly saving if resized (largest saving first, at most ${MAX_ROWS}), the total monthly saving, and environments that sit idle (low CPU use, weekend cost).
Use it for "what would right-sizing save us", "is X over-provisioned". Needs the finops.cost.read permission. Read-only: it recommends, it changes nothing.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: { input, output },
    action: async ({ input: q, credentials }) => {
      await assertCanReadCosts(deps.permissions, credentials);
      const entity = await entityForAction(
        deps.catalog,
        q.entityRef,
        credentials,
      );
      const entityRef = stringifyEntityRef(entity);
      const res = await deps.costs.rightsizing(entityRef);
      const rows = [...res.rows].sort(
        (a, b) => b.monthlySaving - a.monthlySaving,
      );
      return {
        output: {
          entityRef,
          currency: res.currency,
          method: res.method,
          totalMonthlySaving: round2(res.totalMonthlySaving),
          workloads: rows.slice(0, MAX_ROWS).map(r => ({
            environment: r.environment,
            cluster: r.cluster,
            namespace: r.namespace,
            workload: r.workload,
            cpuCores: r.cpu,
            memoryBytes: r.memory,
            monthlyCost: round2(r.monthlyCost),
            monthlySaving: round2(r.monthlySaving),
          })),
          moreWorkloads: Math.max(0, rows.length - MAX_ROWS),
          idleEnvironments: res.idle.slice(0, 5).map(i => ({
            environment: i.environment,
            cluster: i.cluster,
            cpuUtilisation: i.cpuUtilisation,
            cost: round2(i.cost),
            weekendCost: round2(i.weekendCost),
            days: i.days,
          })),
          costsTabUrl: deps.links.entityTab(entityRef, 'costs'),
        },
      };
    },
  });
}
