import {
  CATALOG_FILTER_EXISTS,
  EntityFilterQuery,
} from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
  claimSelectorProblem,
  parseSelector,
} from '@portolan/argocd-common';
import { ArgoCdAppIndex, IndexedApp } from './ArgoCdAppIndex';

export const KUBERNETES_ID_ANNOTATION = 'backstage.io/kubernetes-id';
export const KUBERNETES_LABEL_SELECTOR_ANNOTATION =
  'backstage.io/kubernetes-label-selector';

/** One catalog query for every entity that claims apps or workloads. */
export const CLAIMING_ENTITIES_FILTER: EntityFilterQuery = [
  {
    [`metadata.annotations.${ARGOCD_APP_NAME_ANNOTATION}`]:
      CATALOG_FILTER_EXISTS,
  },
  {
    [`metadata.annotations.${ARGOCD_APP_SELECTOR_ANNOTATION}`]:
      CATALOG_FILTER_EXISTS,
  },
  {
    [`metadata.annotations.${KUBERNETES_ID_ANNOTATION}`]: CATALOG_FILTER_EXISTS,
  },
  {
    [`metadata.annotations.${KUBERNETES_LABEL_SELECTOR_ANNOTATION}`]:
      CATALOG_FILTER_EXISTS,
  },
];

/**
 * The workload selector an entity claims, normalised (terms sorted) so two
 * spellings of the same claim compare equal. Undefined when it has none or
 * the selector is unusable.
 */
export function workloadClaimOf(entity: Entity): string | undefined {
  const a = entity.metadata.annotations ?? {};
  const selector =
    a[KUBERNETES_LABEL_SELECTOR_ANNOTATION] ??
    (a[KUBERNETES_ID_ANNOTATION]
      ? `${KUBERNETES_ID_ANNOTATION}=${a[KUBERNETES_ID_ANNOTATION]}`
      : undefined);
  if (!selector || claimSelectorProblem(selector)) return undefined;
  return parseSelector(selector)
    .map(t => `${t.key}${t.op}${t.value}`)
    .sort()
    .join(',');
}

const appKey = (app: { instance: string; name: string }) =>
  `${app.instance}/${app.name}`;

/**
 * Who claims what, across the catalog: each Argo CD app and each workload
 * selector with the entities whose annotations select it. Rebuilt with the
 * app index (one catalog query), so catalog processing can tell, without
 * calls, that an entity's claim collides with another's — a copied
 * `backstage.io/kubernetes-id`, or an app selector that also matches
 * another team's apps. A contested app or workload belongs to nobody.
 */
export class ServiceClaims {
  private appClaims = new Map<
    string,
    { app: IndexedApp; claimedBy: Set<string> }
  >();
  private workloadClaims = new Map<string, Set<string>>();

  update(index: ArgoCdAppIndex, entities: Entity[]): void {
    const apps = new Map<string, { app: IndexedApp; claimedBy: Set<string> }>();
    const workloads = new Map<string, Set<string>>();
    for (const entity of entities) {
      if (entity.kind.toLocaleLowerCase('en-US') !== 'component') continue;
      const ref = stringifyEntityRef(entity);
      for (const app of this.appsOf(index, entity)) {
        const entry = apps.get(appKey(app)) ?? {
          app,
          claimedBy: new Set<string>(),
        };
        entry.claimedBy.add(ref);
        apps.set(appKey(app), entry);
      }
      const workload = workloadClaimOf(entity);
      if (workload) {
        const set = workloads.get(workload) ?? new Set<string>();
        set.add(ref);
        workloads.set(workload, set);
      }
    }
    this.appClaims = apps;
    this.workloadClaims = workloads;
  }

  /** Other entities claiming the same apps as `entityRef`, per app. */
  contestedAppsOf(
    entityRef: string,
    apps: IndexedApp[],
  ): Array<{ app: IndexedApp; others: string[] }> {
    return apps.flatMap(app => {
      const others = [
        ...(this.appClaims.get(appKey(app))?.claimedBy ?? []),
      ].filter(r => r !== entityRef);
      return others.length ? [{ app, others }] : [];
    });
  }

  /** Other entities claiming the same workloads as `entity`. */
  workloadRivalsOf(entity: Entity): string[] {
    const workload = workloadClaimOf(entity);
    if (!workload) return [];
    const ref = stringifyEntityRef(entity);
    return [...(this.workloadClaims.get(workload) ?? [])].filter(
      r => r !== ref,
    );
  }

  /** Every app claimed by more than one entity, for the report. */
  contestedApps(): Array<{
    instance: string;
    name: string;
    claimedBy: string[];
  }> {
    return [...this.appClaims.values()]
      .filter(e => e.claimedBy.size > 1)
      .map(e => ({
        instance: e.app.instance,
        name: e.app.name,
        claimedBy: [...e.claimedBy].sort(),
      }))
      .sort((x, y) => appKey(x).localeCompare(appKey(y)));
  }

  private appsOf(index: ArgoCdAppIndex, entity: Entity): IndexedApp[] {
    const a = entity.metadata.annotations ?? {};
    const appName = a[ARGOCD_APP_NAME_ANNOTATION];
    const appSelector = a[ARGOCD_APP_SELECTOR_ANNOTATION];
    if (!appName && !appSelector) return [];
    if (appSelector && claimSelectorProblem(appSelector)) return [];
    try {
      return index.lookup({
        appName,
        appSelector,
        instanceName: a[ARGOCD_INSTANCE_ANNOTATION],
      }).apps;
    } catch {
      return [];
    }
  }
}
