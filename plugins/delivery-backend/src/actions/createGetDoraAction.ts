import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { DORA_DEFINITIONS } from '@portolan/plugin-delivery-common';
import {
  PortalLinks,
  entityForAction,
  entityRefInput,
  environmentInput,
  ActionZod,
} from '@portolan/portolan-node';
import { DeploymentMetricsService } from '../services/DeploymentMetricsService';

const input = (z: ActionZod) =>
  z
    .object({
      entityRef: entityRefInput(z),
      environment: environmentInput(z)
        .default('prod')
        .describe('The environment the figures are for (default "prod").'),
      weeks: z
        .number()
        .int()
        .min(1)
        .max(26)
        .default(12)
        .describe('How many full weeks (default 12, at most 26).'),
    })
    .strict();

const figures = (z: ActionZod) =>
  z.object({
    deployments: z.number(),
    rollbacks: z.number(),
    changeFailures: z.number(),
    leadTimeSeconds: z.number().optional(),
    changeFailureRate: z.number().optional(),
    timeToRestoreSeconds: z.number().optional(),
  });

const output = (z: ActionZod) =>
  z.object({
    entityRef: z.string(),
    environment: z.string(),
    timeZone: z.string(),
    deploymentsTabUrl: z.string(),
    total: figures(z).extend({ deploymentsPerWeek: z.number() }),
    weekInProgress: figures(z).extend({ weekStart: z.string() }),
    weeks: z.array(figures(z).extend({ weekStart: z.string() })),
    definitions: z.record(z.string()),
  });

/** `delivery:get-dora`: the four DORA keys of a service over full weeks. */
export function createGetDoraAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  metrics: DeploymentMetricsService;
  links: PortalLinks;
}) {
  deps.actionsRegistry.register({
    name: 'get-dora',
    title: 'Get DORA metrics of a service',
    description: `The four DORA keys of one service in one environment (default prod), from its Argo CD deploy history, over full weeks (UTC, Monday to Sunday) plus the week in progress: deploys of changes per week, change lead time (median commit to deploy, seconds), change failure rate (0..1) and failed deployment recovery time (median, seconds), with weekly figures for the trend and the definitions used.
Use it for "how often do we deploy", "is our change failure rate getting worse". Read-only.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: { input, output },
    action: async ({ input: q, credentials }) => {
      const entity = await entityForAction(
        deps.catalog,
        q.entityRef,
        credentials,
      );
      const entityRef = stringifyEntityRef(entity);
      const dora = await deps.metrics.dora({
        subject: entityRef,
        entityRefs: [entityRef],
        environment: q.environment,
        weeks: q.weeks,
        timeZone: 'UTC',
      });
      return {
        output: {
          entityRef,
          environment: dora.environment,
          timeZone: dora.timeZone,
          deploymentsTabUrl: deps.links.entityTab(entityRef, 'deployments'),
          total: dora.total,
          weekInProgress: dora.weekInProgress,
          weeks: dora.weeks,
          definitions: { ...DORA_DEFINITIONS },
        },
      };
    },
  });
}
