import { BackstageCredentials } from '@backstage/backend-plugin-api';
import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DEPLOYMENT_RESULTS,
  DeploymentResult,
  RolloutView,
} from '@portolan/plugin-delivery-common';
import {
  PortalLinks,
  entityForAction,
  entityRefInput,
  environmentInput,
  ActionZod,
  SchemaOutput,
  truncateText,
} from '@portolan/portolan-node';
import { DeploymentTimelineService } from '../services/DeploymentTimelineService';
import { RolloutService } from '../services/RolloutService';
import { analysisSummary, analysisSummarySchema } from './analysisSummary';

const input = (z: ActionZod) =>
  z
    .object({
      entityRef: entityRefInput(z),
      environment: environmentInput(z)
        .optional()
        .describe('Only deploys to this environment, e.g. "prod".'),
      limit: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(20)
        .describe('How many of the newest deploys (default 20, at most 100).'),
    })
    .strict();

const canaryAction = (z: ActionZod) =>
  z.object({
    action: z.string(),
    actor: z.string(),
    at: z.string(),
    phaseAfter: z.string(),
  });

const output = (z: ActionZod) =>
  z.object({
    entityRef: z.string(),
    deploymentsTabUrl: z.string(),
    /** Whether older deploys exist beyond `limit`. */
    more: z.boolean(),
    lastIngestedAt: z.string().optional(),
    deployments: z.array(
      z.object({
        environment: z.string(),
        cluster: z.string().optional(),
        revision: z.string(),
        previousRevision: z.string().optional(),
        startedAt: z.string(),
        finishedAt: z.string().optional(),
        result: z.enum(
          DEPLOYMENT_RESULTS as [DeploymentResult, ...DeploymentResult[]],
        ),
        initiator: z.string().optional(),
        commit: z
          .object({
            author: z.string().optional(),
            message: z.string().optional(),
            date: z.string().optional(),
          })
          .optional(),
        commitUrl: z.string().optional(),
        argoCdUrl: z.string().optional(),
        canary: z
          .object({
            outcome: z.enum(['aborted', 'in-progress', 'completed', 'unknown']),
            actions: z.array(canaryAction(z)),
            analysis: analysisSummarySchema(z).optional(),
          })
          .optional(),
      }),
    ),
    liveStatusError: z.string().optional(),
  });

/** The newest deploy of an environment gets its live canary (phase, analysis). */
function liveCanaryOf(rollouts: RolloutView[], environment: string) {
  const rollout = rollouts.find(r => r.environment === environment);
  return rollout ? analysisSummary(rollout) : undefined;
}

function canaryOutcome(result: DeploymentResult) {
  if (result === 'canary-aborted') return 'aborted' as const;
  if (result === 'in-progress') return 'in-progress' as const;
  if (result === 'succeeded') return 'completed' as const;
  return 'unknown' as const;
}

/** `delivery:get-deployments`: the newest deploys of a service, with their canaries. */
export function createGetDeploymentsAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  timeline: DeploymentTimelineService;
  rollouts: RolloutService;
  links: PortalLinks;
}) {
  deps.actionsRegistry.register({
    name: 'get-deployments',
    title: 'Get deployments of a service',
    description: `Lists the newest deployments of one service (newest first), from Argo CD history: environment, cluster, git revision, who committed and who deployed, the commit message (first line), when it started and finished, and the result (succeeded, failed, rolled-back, canary-aborted, in-progress).
Canary actions taken through Portolan (promote, abort, ...) are attached to the deploy they acted on; the newest deploy of each environment also carries its live Argo Rollouts canary: phase, step and the latest analysis run with failing metrics.
Use it to answer "what was deployed when", "why did the last prod deploy fail", "who deployed X". Read-only. Cite deploymentsTabUrl, commitUrl and argoCdUrl.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: { input, output },
    action: async ({ input: q, credentials }) => ({
      output: await getDeployments(deps, q, credentials),
    }),
  });
}

async function getDeployments(
  deps: Parameters<typeof createGetDeploymentsAction>[0],
  q: SchemaOutput<typeof input>,
  credentials: BackstageCredentials,
): Promise<SchemaOutput<typeof output>> {
  const entity = await entityForAction(deps.catalog, q.entityRef, credentials);
  const entityRef = stringifyEntityRef(entity);
  const [page, live] = await Promise.all([
    deps.timeline.page([entityRef], {
      environment: q.environment,
      limit: q.limit,
    }),
    deps.rollouts
      .getServiceRollouts(getCompoundEntityRef(entity), credentials)
      .then(r => ({
        rollouts: r.rollouts,
        error: r.errors.length
          ? r.errors.map(e => `${e.cluster}: ${e.message}`).join('; ')
          : undefined,
      }))
      .catch((error: Error) => ({
        rollouts: [] as RolloutView[],
        error: error.message,
      })),
  ]);
  const seenEnvironment = new Set<string>();
  // Each deploy's window runs to the next (newer) deploy of its environment.
  const nextStart = new Map<string, string>();
  const deployments = page.items.map(d => {
    const windowEnd = nextStart.get(d.environment);
    nextStart.set(d.environment, d.startedAt);
    const actions = (page.actions ?? [])
      .filter(
        a =>
          (a.environment ?? d.environment) === d.environment &&
          a.at >= d.startedAt &&
          (!windowEnd || a.at < windowEnd),
      )
      .slice(0, 5)
      .map(a => ({
        action: a.action,
        actor: a.actor,
        at: a.at,
        phaseAfter: a.phaseAfter,
      }));
    const newest = !seenEnvironment.has(d.environment);
    seenEnvironment.add(d.environment);
    const analysis = newest
      ? liveCanaryOf(live.rollouts, d.environment)
      : undefined;
    const outcome = canaryOutcome(d.result);
    return {
      environment: d.environment,
      cluster: d.cluster,
      revision: d.revision.slice(0, 12),
      previousRevision: d.previousRevision?.slice(0, 12),
      startedAt: d.startedAt,
      finishedAt: d.finishedAt,
      result: d.result,
      initiator: d.initiator,
      commit: d.commit && {
        author: d.commit.author,
        message:
          d.commit.message &&
          truncateText(d.commit.message.split('\n')[0], 200),
        date: d.commit.date,
      },
      commitUrl: d.commitUrl,
      argoCdUrl: d.argoCdUrl,
      canary:
        actions.length || analysis || outcome === 'aborted'
          ? { outcome, actions, analysis }
          : undefined,
    };
  });
  return {
    entityRef,
    deploymentsTabUrl: deps.links.entityTab(entityRef, 'deployments'),
    more: !!page.nextCursor,
    lastIngestedAt: page.lastIngestedAt,
    deployments,
    liveStatusError: live.error,
  };
}
