import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  KUBERNETES_NAMESPACE_ANNOTATION,
  workloadSelectorOf,
} from '@portolan/plugin-finops-common';

/** OpenCost reports label names sanitised as Prometheus does. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

type Term =
  | { op: 'eq'; key: string; values: string[] }
  | { op: 'ne'; key: string; values: string[] }
  | { op: 'exists' | 'absent'; key: string };

/**
 * A Kubernetes label selector (equality and set-based terms), with keys
 * sanitised for OpenCost's labels. Undefined when it has no term that
 * names a value (`app!=x` alone would claim almost everything).
 */
export function parseSelector(selector: string): Term[] | undefined {
  const terms: Term[] = [];
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of parts.map(p => p.trim()).filter(Boolean)) {
    let m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(raw);
    if (m) {
      terms.push({
        op: m[2] === '!=' ? 'ne' : 'eq',
        key: sanitizeLabelName(m[1]),
        values: [m[3]],
      });
      continue;
    }
    m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(raw);
    if (m) {
      const values = m[3]
        .split(',')
        .map(v => v.trim())
        .filter(Boolean);
      terms.push({
        op: m[2] === 'in' ? 'eq' : 'ne',
        key: sanitizeLabelName(m[1]),
        values,
      });
      continue;
    }
    m = /^(!?)([^\s!=()]+)$/.exec(raw);
    if (m) {
      terms.push({
        op: m[1] ? 'absent' : 'exists',
        key: sanitizeLabelName(m[2]),
      });
      continue;
    }
    return undefined;
  }
  return terms.some(t => t.op === 'eq') ? terms : undefined;
}

function matches(terms: Term[], labels: Record<string, string>): boolean {
  return terms.every(t => {
    const v = labels[t.key];
    switch (t.op) {
      case 'eq':
        return v !== undefined && t.values.includes(v);
      case 'ne':
        return v === undefined || !t.values.includes(v);
      case 'exists':
        return v !== undefined;
      default:
        return v === undefined;
    }
  });
}

export interface Workload {
  cluster: string;
  namespace: string;
  controller: string;
  /** Sanitised label names, as OpenCost reports them; undefined when it reports none. */
  labels?: Record<string, string>;
}

/**
 * Which entity a workload belongs to, by the same identity the Kubernetes
 * tab uses: the entity's `backstage.io/kubernetes-label-selector` (or
 * `backstage.io/kubernetes-id` label) matching the workload's labels, in
 * its `backstage.io/kubernetes-namespace` when it names one. A workload two
 * entities claim belongs to neither (it is counted as unallocated).
 */
export class WorkloadClaims {
  private readonly claims: Array<{
    ref: string;
    namespace?: string;
    terms: Term[];
  }> = [];

  constructor(entities: Entity[]) {
    for (const entity of entities) {
      const selector = workloadSelectorOf(entity);
      const terms = selector ? parseSelector(selector) : undefined;
      if (!terms) continue;
      this.claims.push({
        ref: stringifyEntityRef(entity),
        namespace:
          entity.metadata.annotations?.[KUBERNETES_NAMESPACE_ANNOTATION],
        terms,
      });
    }
  }

  get size(): number {
    return this.claims.length;
  }

  /** The entity owning a workload; undefined when none (or more than one) claims it. */
  ownerOf(w: Workload): string | undefined {
    // Without labels (some OpenCost versions drop them on aggregation), a
    // controller named like the kubernetes-id label is the workload's.
    const labels = w.labels ?? {
      [sanitizeLabelName('backstage.io/kubernetes-id')]: w.controller,
    };
    let found: string | undefined;
    for (const c of this.claims) {
      if (c.namespace && c.namespace !== w.namespace) continue;
      if (!matches(c.terms, labels)) continue;
      if (found && found !== c.ref) return undefined;
      found = c.ref;
    }
    return found;
  }
}
