import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  SelectorTerm,
  claimSelectorProblem,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-common';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
  kubernetesSelectorOf,
} from '@portolan/plugin-delivery-common';

/** One service's claim on Argo CD apps, from its annotations. */
export interface ArgoCdClaim {
  entityRef: string;
  appName?: string;
  selector?: SelectorTerm[];
  instance?: string;
  /** How the read path finds its workloads (rollouts), when it says. */
  workloadSelector?: SelectorTerm[];
}

/** A claim ingestion does not act on, and why. */
export interface IgnoredClaim {
  entityRef: string;
  annotation: string;
  reason: string;
}

/** Who an app belongs to: one entity, several (contested: nobody), or none. */
export type AppOwner =
  | { kind: 'owned'; claim: ArgoCdClaim }
  | { kind: 'contested'; claimedBy: string[] }
  | { kind: 'unclaimed' };

/** A selector's terms, or why it cannot be a claim (the catalog module's rule). */
function usableTerms(selector: string): {
  terms?: SelectorTerm[];
  problem?: string;
} {
  const problem = claimSelectorProblem(selector);
  return problem ? { problem } : { terms: parseSelector(selector) };
}

/**
 * The catalog's claims on Argo CD apps (`argocd/app-name`,
 * `argocd/app-selector`, `argocd/instance-name` on Components), resolved
 * the way the catalog module resolves them: an app two services claim
 * belongs to neither (a copied selector must not take another team's
 * history), and a selector with no positive `key=value` term claims
 * nothing.
 */
export class ArgoCdClaims {
  static fromEntities(entities: Entity[]): ArgoCdClaims {
    const claims: ArgoCdClaim[] = [];
    const ignored: IgnoredClaim[] = [];
    for (const e of entities) {
      if (e.kind.toLocaleLowerCase('en-US') !== 'component') continue;
      const a = e.metadata.annotations ?? {};
      const entityRef = stringifyEntityRef(e);
      const appName = a[ARGOCD_APP_NAME_ANNOTATION] || undefined;
      const rawSelector = a[ARGOCD_APP_SELECTOR_ANNOTATION];
      if (!appName && !rawSelector) continue;
      let selector: SelectorTerm[] | undefined;
      if (rawSelector) {
        const { terms, problem } = usableTerms(rawSelector);
        if (problem) {
          ignored.push({
            entityRef,
            annotation: ARGOCD_APP_SELECTOR_ANNOTATION,
            reason: problem,
          });
          continue;
        }
        selector = terms;
      }
      const workload = kubernetesSelectorOf(e);
      claims.push({
        entityRef,
        appName,
        selector,
        instance: a[ARGOCD_INSTANCE_ANNOTATION] || undefined,
        workloadSelector: workload ? usableTerms(workload).terms : undefined,
      });
    }
    return new ArgoCdClaims(claims, ignored);
  }

  private readonly byAppName = new Map<string, ArgoCdClaim[]>();
  private readonly bySelector: ArgoCdClaim[];

  private constructor(
    readonly claims: ArgoCdClaim[],
    readonly ignored: IgnoredClaim[],
  ) {
    for (const c of claims) {
      if (c.appName)
        this.byAppName.set(c.appName, [
          ...(this.byAppName.get(c.appName) ?? []),
          c,
        ]);
    }
    this.bySelector = claims.filter(c => c.selector);
  }

  /** Distinct services with a usable claim. */
  get services(): number {
    return new Set(this.claims.map(c => c.entityRef)).size;
  }

  ownerOf(
    instance: string,
    app: { name: string; labels?: Record<string, string> },
  ): AppOwner {
    const matching = new Map<string, ArgoCdClaim>();
    const consider = (c: ArgoCdClaim) => {
      if (!c.instance || c.instance === instance)
        matching.set(c.entityRef, matching.get(c.entityRef) ?? c);
    };
    for (const c of this.byAppName.get(app.name) ?? []) consider(c);
    for (const c of this.bySelector)
      if (matchesSelector(app.labels, c.selector!)) consider(c);
    if (matching.size === 0) return { kind: 'unclaimed' };
    if (matching.size > 1)
      return { kind: 'contested', claimedBy: [...matching.keys()].sort() };
    return { kind: 'owned', claim: [...matching.values()][0] };
  }
}
