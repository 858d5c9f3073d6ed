import {
  Entity,
  RELATION_DEPENDENCY_OF,
  RELATION_DEPENDS_ON,
  getCompoundEntityRef,
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
} from '@portolan/plugin-delivery-common';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';

/**
 * For every Component with Argo CD annotations: adds `dependsOn` relations
 * to the cluster Resources its apps deploy to (so the catalog graph shows
 * where it runs), and reports annotations naming apps that do not exist as
 * a processing error on the entity.
 */
export class ArgoCdDeploymentProcessor implements CatalogProcessor {
  constructor(private readonly index: ArgoCdAppIndex) {}

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
    const appName = a[ARGOCD_APP_NAME_ANNOTATION];
    const appSelector = a[ARGOCD_APP_SELECTOR_ANNOTATION];
    if (!appName && !appSelector) return entity;

    let lookup;
    try {
      const query = { appName, appSelector, instanceName: a[ARGOCD_INSTANCE_ANNOTATION] };
      lookup = this.index.lookup(query);
      if (lookup.apps.length === 0 && lookup.unavailable.length === 0 && lookup.searched.length) {
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

    const self = getCompoundEntityRef(entity);
    const clusters = new Set(lookup.apps.flatMap(app => (app.cluster ? [app.cluster] : [])));
    for (const cluster of clusters) {
      const target = { kind: 'resource', namespace: 'default', name: cluster };
      emit(processingResult.relation({ source: self, type: RELATION_DEPENDS_ON, target }));
      emit(processingResult.relation({ source: target, type: RELATION_DEPENDENCY_OF, target: self }));
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
