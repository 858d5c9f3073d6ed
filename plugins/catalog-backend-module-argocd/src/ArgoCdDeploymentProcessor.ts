import {
  Entity,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
  claimSelectorProblem,
} from '@portolan/argocd-common';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';
import {
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  ServiceClaims,
} from './ServiceClaims';

/**
 * For every Component with Argo CD annotations: adds `dependsOn` relations
 * to the cluster Resources its apps deploy to (so the catalog graph shows
 * where it runs), and reports annotations naming apps that do not exist as
 * a processing error on the entity.
 *
 * Claims are guarded too, because the portal acts on what an entity claims
 * (canary controls, deployment history): a selector with no `key=value`
 * term, and an app or workload another service claims as well, are
 * processing errors on the entity, and a contested app gives it no
 * relation (neither claimant gets it).
 */
export class ArgoCdDeploymentProcessor implements CatalogProcessor {
  constructor(
    private readonly index: ArgoCdAppIndex,
    private readonly claims: ServiceClaims = new ServiceClaims(),
  ) {}

  getProcessorName(): string {
    return 'PortolanArgoCdDeploymentProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    if (entity.kind !== 'Component') return entity;
    const a = entity.metadata.annotations ?? {};
    const self = getCompoundEntityRef(entity);
    const selfRef = stringifyEntityRef(entity);

    const workloadSelector = a[KUBERNETES_LABEL_SELECTOR_ANNOTATION];
    const workloadProblem = workloadSelector
      ? claimSelectorProblem(workloadSelector)
      : undefined;
    if (workloadProblem) {
      emit(
        processingResult.inputError(
          location,
          `${KUBERNETES_LABEL_SELECTOR_ANNOTATION}: ${workloadProblem}`,
        ),
      );
    }
    const rivals = this.claims.workloadRivalsOf(entity);
    if (rivals.length) {
      emit(
        processingResult.inputError(
          location,
          `Its Kubernetes workloads are also claimed by ${rivals.join(
            ', ',
          )}: ` +
            'Portolan acts on them for neither until one claim is removed',
        ),
      );
    }

    const appName = a[ARGOCD_APP_NAME_ANNOTATION];
    const appSelector = a[ARGOCD_APP_SELECTOR_ANNOTATION];
    if (!appName && !appSelector) return entity;
    const appSelectorProblem = appSelector
      ? claimSelectorProblem(appSelector)
      : undefined;
    if (appSelectorProblem) {
      emit(
        processingResult.inputError(
          location,
          `${ARGOCD_APP_SELECTOR_ANNOTATION}: ${appSelectorProblem}`,
        ),
      );
      return entity;
    }

    let lookup;
    try {
      const query = {
        appName,
        appSelector,
        instanceName: a[ARGOCD_INSTANCE_ANNOTATION],
      };
      lookup = this.index.lookup(query);
      if (
        lookup.apps.length === 0 &&
        lookup.unavailable.length === 0 &&
        lookup.searched.length
      ) {
        // Maybe created since the last refresh (a template just made it).
        await this.index.refreshIfOlderThan(10_000);
        lookup = this.index.lookup(query);
      }
    } catch (error) {
      emit(
        processingResult.inputError(
          location,
          `${ARGOCD_APP_SELECTOR_ANNOTATION}: ${(error as Error).message}`,
        ),
      );
      return entity;
    }

    const contested = this.claims.contestedAppsOf(selfRef, lookup.apps);
    for (const { app, others } of contested) {
      emit(
        processingResult.inputError(
          location,
          `Argo CD app ${app.name} on ${
            app.instance
          } is also claimed by ${others.join(', ')}: ` +
            'neither service gets it until one claim is removed',
        ),
      );
    }
    const owned = lookup.apps.filter(
      app => !contested.some(c => c.app === app),
    );
    const clusters = new Set(
      owned.flatMap(app => (app.cluster ? [app.cluster] : [])),
    );
    for (const cluster of clusters) {
      const target = { kind: 'resource', namespace: 'default', name: cluster };
      emit(
        processingResult.relation({
          source: self,
          type: RELATION_DEPENDS_ON,
          target,
        }),
      );
      emit(
        processingResult.relation({
          source: target,
          type: RELATION_DEPENDENCY_OF,
          target: self,
        }),
      );
    }

    // Only claim "not found" when every instance searched answered.
    if (lookup.apps.length === 0 && lookup.unavailable.length === 0) {
      const what = appName
        ? `${ARGOCD_APP_NAME_ANNOTATION} '${appName}'`
        : `${ARGOCD_APP_SELECTOR_ANNOTATION} '${appSelector}'`;
      const where =
        lookup.searched.length === 1
          ? `Argo CD instance ${lookup.searched[0]}`
          : `Argo CD instances ${lookup.searched.join(', ')}`;
      emit(
        processingResult.inputError(
          location,
          lookup.searched.length
            ? `${what}: not found in ${where}`
            : `${what}: no Argo CD instance named '${a[ARGOCD_INSTANCE_ANNOTATION]}' is configured`,
        ),
      );
    }
    return entity;
  }
}
