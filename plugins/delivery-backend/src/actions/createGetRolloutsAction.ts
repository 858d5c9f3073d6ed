import { ActionsRegistryService } from '@backstage/backend-plugin-api/alpha';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ROLLOUT_ACTIONS } from '@portolan/plugin-delivery-common';
import {
  PortalLinks,
  entityForAction,
  entityRefInput,
  ActionZod,
  truncateText,
} from '@portolan/portolan-node';
import { RolloutService } from '../services/RolloutService';
import { analysisRunSchema, latestAnalysisOf, stepOf } from './analysisSummary';

const input = (z: ActionZod) =>
  z.object({ entityRef: entityRefInput(z) }).strict();

const output = (z: ActionZod) =>
  z.object({
    entityRef: z.string(),
    canaryTabUrl: z.string(),
    /** Whether the asking user may promote or abort these rollouts (in the UI). */
    canControl: z.boolean(),
    rollouts: z.array(
      z.object({
        cluster: z.string(),
        environment: z.string().optional(),
        namespace: z.string(),
        name: z.string(),
        resourceVersion: z.string(),
        phase: z.string(),
        message: z.string().optional(),
        strategy: z.string(),
        step: z.string(),
        currentStepIndex: z.number(),
        stepCount: z.number(),
        canaryWeight: z.number(),
        updating: z.boolean(),
        aborted: z.boolean(),
        paused: z.boolean(),
        canaryImage: z.string().optional(),
        stableImage: z.string().optional(),
        replicas: z.object({
          desired: z.number(),
          ready: z.number(),
          available: z.number(),
          updated: z.number(),
        }),
        latestAnalysis: analysisRunSchema(z).optional(),
        /** The canary actions that make sense now (the UI's buttons). */
        availableActions: z.array(z.string()),
      }),
    ),
    /** Clusters that did not answer; the others' rollouts are still listed. */
    errors: z.array(z.object({ cluster: z.string(), message: z.string() })),
  });

/** `delivery:get-rollouts`: live Argo Rollouts status of a service, per cluster. */
export function createGetRolloutsAction(deps: {
  actionsRegistry: ActionsRegistryService;
  catalog: CatalogService;
  rollouts: RolloutService;
  links: PortalLinks;
}) {
  deps.actionsRegistry.register({
    name: 'get-rollouts',
    title: 'Get canary rollout status of a service',
    description: `Reads, live from each Kubernetes cluster the service runs on, its Argo Rollouts: phase (Healthy, Progressing, Paused, Degraded), the current canary step and weight, whether it is paused or aborted, canary and stable images, replicas, the latest analysis run with its metrics (failing ones first), the actions that make sense now (promote, abort, ...) and the resourceVersion an action would be based on.
Use it for "where is the canary of X", "why is the canary paused / degraded". Read-only: it never changes a rollout. Cite canaryTabUrl.`,
    attributes: { readOnly: true, destructive: false, idempotent: true },
    schema: { input, output },
    action: async ({ input: q, credentials }) => {
      const entity = await entityForAction(
        deps.catalog,
        q.entityRef,
        credentials,
      );
      const res = await deps.rollouts.getServiceRollouts(
        getCompoundEntityRef(entity),
        credentials,
      );
      return {
        output: {
          entityRef: res.entityRef,
          canaryTabUrl: deps.links.entityTab(res.entityRef, 'canary'),
          canControl: res.canControl,
          rollouts: res.rollouts.slice(0, 20).map(r => ({
            cluster: r.cluster,
            environment: r.environment,
            namespace: r.namespace,
            name: r.name,
            resourceVersion: r.resourceVersion,
            phase: r.phase,
            message: r.message && truncateText(r.message, 300),
            strategy: r.strategy,
            step: stepOf(r),
            currentStepIndex: r.currentStepIndex,
            stepCount: r.stepCount,
            canaryWeight: r.canaryWeight,
            updating: r.updating,
            aborted: r.aborted,
            paused: r.paused || r.pauseReasons.length > 0,
            canaryImage: r.canaryImage,
            stableImage: r.stableImage,
            replicas: r.replicas,
            latestAnalysis: latestAnalysisOf(r),
            availableActions: ROLLOUT_ACTIONS.filter(a => r.actions[a].allowed),
          })),
          errors: res.errors.map(e => ({
            cluster: e.cluster,
            message: truncateText(e.message, 300),
          })),
        },
      };
    },
  });
}
