import {
  CATALOG_FILTER_EXISTS,
  EntityFilterQuery,
} from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
  ArgoCdReport,
} from '@portolan/argocd-common';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';
import { ServiceClaims } from './ServiceClaims';

/** The catalog query for every entity with Argo CD annotations: one call. */
export const ANNOTATED_ENTITIES_FILTER: EntityFilterQuery = [
  {
    [`metadata.annotations.${ARGOCD_APP_NAME_ANNOTATION}`]:
      CATALOG_FILTER_EXISTS,
  },
  {
    [`metadata.annotations.${ARGOCD_APP_SELECTOR_ANNOTATION}`]:
      CATALOG_FILTER_EXISTS,
  },
];

/** Compares the catalog's claims with the apps Argo CD has. */
export function buildArgoCdReport(
  index: ArgoCdAppIndex,
  entities: Entity[],
  claims: ServiceClaims = new ServiceClaims(),
): ArgoCdReport {
  const claimed = new Set<string>();
  const missingApps: ArgoCdReport['missingApps'] = [];
  for (const entity of entities) {
    const a = entity.metadata.annotations ?? {};
    const appName = a[ARGOCD_APP_NAME_ANNOTATION];
    const appSelector = a[ARGOCD_APP_SELECTOR_ANNOTATION];
    let lookup;
    try {
      lookup = index.lookup({
        appName,
        appSelector,
        instanceName: a[ARGOCD_INSTANCE_ANNOTATION],
      });
    } catch {
      lookup = { apps: [], unavailable: [], searched: [] };
    }
    for (const app of lookup.apps) claimed.add(`${app.instance}/${app.name}`);
    if (lookup.apps.length === 0 && lookup.unavailable.length === 0) {
      missingApps.push({
        entityRef: stringifyEntityRef(entity),
        annotation: appName
          ? ARGOCD_APP_NAME_ANNOTATION
          : ARGOCD_APP_SELECTOR_ANNOTATION,
        value: (appName ?? appSelector)!,
        searched: lookup.searched,
      });
    }
  }
  const states = index.instanceStates();
  return {
    instances: states.map(s => ({
      instance: s.instance,
      ok: s.ok,
      error: s.error,
      fetchedAt: s.fetchedAt,
      apps: s.apps.length,
    })),
    unclaimedApps: states
      .flatMap(s => s.apps)
      .filter(app => !claimed.has(`${app.instance}/${app.name}`))
      .map(app => ({
        instance: app.instance,
        name: app.name,
        cluster: app.cluster,
        project: app.project,
      }))
      .sort((x, y) =>
        `${x.instance}/${x.name}`.localeCompare(`${y.instance}/${y.name}`),
      ),
    contestedApps: claims.contestedApps(),
    missingApps: missingApps.sort((x, y) =>
      x.entityRef.localeCompare(y.entityRef),
    ),
  };
}
