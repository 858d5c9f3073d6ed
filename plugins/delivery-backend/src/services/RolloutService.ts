import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  RELATION_DEPENDS_ON,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  ConflictError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  claimSelectorProblem,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-common';
import {
  ENVIRONMENT_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
  ROLLOUT_ACTION_LABELS,
  RolloutActionRequest,
  RolloutActionResponse,
  RolloutView,
  ServiceRolloutsResponse,
  isKubernetesCluster,
  kubernetesSelectorOf,
  rolloutActionAvailability,
  rolloutControlPermission,
} from '@portolan/plugin-delivery-common';
import express from 'express';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { UpstreamReadCache } from './UpstreamReadCache';
import { RolloutsClient } from '../clients/RolloutsClient';
import { WORKLOAD_SERVICES_REQUEST } from './workloadServices';
import { rolloutPatches, rolloutState, rolloutView } from './rolloutView';

export interface RolloutServiceDeps {
  clients: RolloutsClient[];
  catalog: CatalogService;
  permissions: PermissionsService;
  auditor: AuditorService;
  store: RolloutActionStore;
  /** To mark the aborted deploy in the timeline at once. */
  deployments?: DeploymentStore;
  logger: LoggerService;
  /** Its own credentials: every service's claims, whoever asks. */
  auth: AuthService;
  /** Merges identical concurrent status reads (never used for actions). */
  cache?: UpstreamReadCache;
}

/** One answer for every target an entity may not act on: no existence leak. */
class NotThisServicesRolloutError extends NotFoundError {
  constructor(
    entityRef: string,
    request: { cluster: string; namespace: string; name: string },
  ) {
    super(
      `${entityRef} has no rollout ${request.namespace}/${request.name} in cluster ${request.cluster}`,
    );
  }
}

/** 409 carrying the rollout as it is now, so the UI can show it. */
export class StaleRolloutError extends ConflictError {
  constructor(message: string, readonly rollout: RolloutView) {
    super(message);
  }
}

/**
 * Live Argo Rollouts status for a service, and the canary actions on it:
 * permission-checked (`delivery.rollout.control`, conditional on owning the
 * entity), optimistic (the version the user saw), audited, and recorded for
 * the timeline.
 */
export class RolloutService {
  static create(deps: RolloutServiceDeps) {
    return new RolloutService(deps);
  }

  private readonly clients: Map<string, RolloutsClient>;
  private readonly cache: UpstreamReadCache;

  private constructor(private readonly deps: RolloutServiceDeps) {
    this.clients = new Map(deps.clients.map(c => [c.cluster.name, c]));
    this.cache = deps.cache ?? new UpstreamReadCache({ ttlMs: 2_000 });
  }

  async getServiceRollouts(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<ServiceRolloutsResponse> {
    const entity = await this.entity(ref, credentials);
    const entityRef = stringifyEntityRef(entity);
    const selector = kubernetesSelectorOf(entity);
    const [clusters, canControl] = await Promise.all([
      this.clustersOf(entity, credentials),
      this.allowed(entityRef, credentials),
    ]);
    if (!selector) return { entityRef, rollouts: [], errors: [], canControl };
    const namespace =
      entity.metadata.annotations?.[KUBERNETES_NAMESPACE_ANNOTATION];
    // Two calls per cluster (rollouts, analysis runs), clusters in parallel.
    const results = await Promise.all(
      clusters.map(async ({ client, environment }) => {
        const key = `${client.cluster.name}|${namespace ?? '*'}|${selector}`;
        try {
          const [rollouts, runs] = await Promise.all([
            this.cache.read(`rollouts|${key}`, () =>
              client.listRollouts(selector, namespace),
            ),
            this.cache.read(`analysisruns|${key}`, () =>
              client.listAnalysisRuns(selector, namespace),
            ),
          ]);
          return {
            rollouts: rollouts.map(r =>
              rolloutView(r, runs, {
                cluster: client.cluster.name,
                environment,
              }),
            ),
          };
        } catch (error) {
          return {
            error: {
              cluster: client.cluster.name,
              message: (error as Error).message,
            },
          };
        }
      }),
    );
    return {
      entityRef,
      rollouts: results.flatMap(r => r.rollouts ?? []),
      errors: results.flatMap(r => (r.error ? [r.error] : [])),
      canControl,
    };
  }

  async act(
    ref: CompoundEntityRef,
    request: RolloutActionRequest,
    credentials: BackstageCredentials,
    httpRequest?: express.Request,
  ): Promise<RolloutActionResponse> {
    const entity = await this.entity(ref, credentials);
    const entityRef = stringifyEntityRef(entity);
    const actor =
      (credentials.principal as { userEntityRef?: string }).userEntityRef ??
      'service';
    const meta = {
      action: request.action,
      entityRef,
      cluster: request.cluster,
      namespace: request.namespace,
      rollout: request.name,
      actor,
    };
    const audit = await this.deps.auditor.createEvent({
      eventId: 'rollout-control',
      severityLevel: 'medium',
      request: httpRequest,
      meta,
    });
    try {
      const response = await this.actAudited(
        entity,
        entityRef,
        request,
        credentials,
        actor,
      );
      await audit.success({
        meta: {
          before: {
            step: response.record.stepBefore,
            phase: response.record.phaseBefore,
          },
          after: {
            step: response.record.stepAfter,
            phase: response.record.phaseAfter,
          },
        },
      });
      this.deps.logger.info(
        `${actor} ${request.action} on rollout ${request.namespace}/${request.name} in ${request.cluster} (${entityRef}): ` +
          `step ${response.record.stepBefore} → ${response.record.stepAfter}, ${response.record.phaseBefore} → ${response.record.phaseAfter}`,
      );
      return response;
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    } finally {
      // Whatever happened (done, 409, failure half-way), the next status
      // read asks the cluster: it must show the rollout as it is now.
      this.cache.forget(key => key.includes(`|${request.cluster}|`));
    }
  }

  private async actAudited(
    entity: Entity,
    entityRef: string,
    request: RolloutActionRequest,
    credentials: BackstageCredentials,
    actor: string,
  ): Promise<RolloutActionResponse> {
    if (!(await this.allowed(entityRef, credentials))) {
      throw new NotAllowedError(
        `You may not control ${entityRef}'s rollouts: only members of its owning team or an admin group may`,
      );
    }
    const { client, selector, before } = await this.target(
      entity,
      entityRef,
      request,
      credentials,
    );
    const environment = await this.environmentOf(request.cluster, credentials);
    const where = { cluster: request.cluster, environment };
    if (before.metadata.resourceVersion !== request.resourceVersion) {
      throw new StaleRolloutError(
        `Rollout ${request.name} changed since you loaded it (version ${request.resourceVersion}, now ${before.metadata.resourceVersion}); nothing was changed`,
        rolloutView(before, [], where),
      );
    }
    const stateBefore = rolloutState(before);
    const valid = rolloutActionAvailability(stateBefore)[request.action];
    if (!valid.allowed) {
      throw new StaleRolloutError(
        `${ROLLOUT_ACTION_LABELS[request.action]} is not possible now: ${
          valid.reason
        }`,
        rolloutView(before, [], where),
      );
    }
    let after = before;
    // As kubectl-argo-rollouts: status patch first, then spec. Only the
    // first carries the version the user saw: the controller may react to
    // it before the second arrives, and the second must still apply.
    let precondition: string | undefined = request.resourceVersion;
    for (const patch of rolloutPatches(request.action, before)) {
      try {
        after = await client.patchRollout(
          request.namespace,
          request.name,
          patch,
          precondition,
        );
      } catch (error) {
        if (error instanceof ConflictError && precondition !== undefined) {
          const current = await client.getRollout(
            request.namespace,
            request.name,
          );
          throw new StaleRolloutError(
            `Rollout ${request.name} changed while the action was sent; nothing was changed`,
            rolloutView(current, [], where),
          );
        }
        throw error;
      }
      precondition = undefined;
    }
    const afterState = rolloutState(after);
    const record = await this.deps.store.add({
      entityRef,
      environment,
      cluster: request.cluster,
      namespace: request.namespace,
      rollout: request.name,
      action: request.action,
      actor,
      at: new Date(),
      stepBefore: stateBefore.currentStepIndex,
      stepAfter: afterState.currentStepIndex,
      phaseBefore: before.status?.phase ?? 'Unknown',
      phaseAfter: after.status?.phase ?? 'Unknown',
    });
    if (request.action === 'abort') {
      await this.deps.deployments?.markCanaryAborted({
        entityRef,
        cluster: request.cluster,
      });
    }
    const runs = await client
      .listAnalysisRuns(selector, request.namespace)
      .catch(() => []);
    return { rollout: rolloutView(after, runs, where), record };
  }

  /**
   * The rollout an action may touch, bound to the entity on the server the
   * way the read path finds them: one of the entity's clusters, its
   * namespace (when it names one), its workload selector (which must have a
   * `key=value` term), and a rollout no other service claims too. Anything
   * else answers the same 404, whether or not the rollout exists.
   */
  private async target(
    entity: Entity,
    entityRef: string,
    request: RolloutActionRequest,
    credentials: BackstageCredentials,
  ) {
    const refuse = (why: string) => {
      this.deps.logger.warn(
        `Refused ${request.action} on ${request.cluster}/${request.namespace}/${request.name} for ${entityRef}: ${why}`,
      );
      return new NotThisServicesRolloutError(entityRef, request);
    };
    const selector = kubernetesSelectorOf(entity);
    const selectorProblem = selector
      ? claimSelectorProblem(selector)
      : 'it claims no workloads';
    if (!selector || selectorProblem)
      throw refuse(`its workload selector is unusable (${selectorProblem})`);
    const clusters = await this.clustersOf(entity, credentials, {
      fallbackToAll: false,
    });
    const client = clusters.find(
      c => c.client.cluster.name === request.cluster,
    )?.client;
    if (!client) throw refuse('not one of its clusters');
    const namespace =
      entity.metadata.annotations?.[KUBERNETES_NAMESPACE_ANNOTATION];
    if (namespace && namespace !== request.namespace)
      throw refuse(`not its namespace ${namespace}`);
    let before;
    try {
      before = await client.getRollout(request.namespace, request.name);
    } catch (error) {
      if (error instanceof NotFoundError) throw refuse('no such rollout');
      throw error;
    }
    if (!matchesSelector(before.metadata.labels, parseSelector(selector))) {
      throw refuse(`its labels do not match ${selector}`);
    }
    const rivals = await this.rivalClaimants(
      entityRef,
      before.metadata.labels ?? {},
    );
    if (rivals.length) throw refuse(`also claimed by ${rivals.join(', ')}`);
    return { client, selector, before };
  }

  /** Other services whose workload selector matches these labels too. */
  private async rivalClaimants(
    entityRef: string,
    labels: Record<string, string>,
  ): Promise<string[]> {
    const { items } = await this.deps.catalog.getEntities(
      WORKLOAD_SERVICES_REQUEST,
      { credentials: await this.deps.auth.getOwnServiceCredentials() },
    );
    return items.flatMap(other => {
      const ref = stringifyEntityRef(other);
      const theirs = kubernetesSelectorOf(other);
      if (ref === entityRef || !theirs || claimSelectorProblem(theirs))
        return [];
      return matchesSelector(labels, parseSelector(theirs)) ? [ref] : [];
    });
  }

  private async allowed(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<boolean> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: rolloutControlPermission, resourceRef: entityRef }],
      { credentials },
    );
    return decision.result === AuthorizeResult.ALLOW;
  }

  private async entity(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const entity = await this.deps.catalog.getEntityByRef(ref, { credentials });
    if (!entity)
      throw new NotFoundError(
        `No entity ${stringifyEntityRef(ref)} in the catalog`,
      );
    return entity;
  }

  /**
   * The clusters a service runs on (its `dependsOn` cluster Resources that
   * Portolan has a client for), with their environments; for reading, every
   * configured cluster when the entity names none (never for actions).
   */
  private async clustersOf(
    entity: Entity,
    credentials: BackstageCredentials,
    options: { fallbackToAll: boolean } = { fallbackToAll: true },
  ) {
    const refs = (entity.relations ?? [])
      .filter(
        r =>
          r.type === RELATION_DEPENDS_ON &&
          parseEntityRef(r.targetRef).kind === 'resource',
      )
      .map(r => r.targetRef);
    const { items } = refs.length
      ? await this.deps.catalog.getEntitiesByRefs(
          { entityRefs: refs },
          { credentials },
        )
      : { items: [] };
    const named = items
      .filter((e): e is Entity => !!e && isKubernetesCluster(e))
      .flatMap(e => {
        const client = this.clients.get(e.metadata.name);
        return client
          ? [
              {
                client,
                environment: e.metadata.annotations?.[ENVIRONMENT_ANNOTATION],
              },
            ]
          : [];
      });
    if (named.length || !options.fallbackToAll) return named;
    return [...this.clients.values()].map(client => ({
      client,
      environment: undefined as string | undefined,
    }));
  }

  private async environmentOf(
    cluster: string,
    credentials: BackstageCredentials,
  ) {
    const resource = await this.deps.catalog.getEntityByRef(
      { kind: 'resource', namespace: 'default', name: cluster },
      { credentials },
    );
    return resource && isKubernetesCluster(resource)
      ? resource.metadata.annotations?.[ENVIRONMENT_ANNOTATION]
      : undefined;
  }
}
