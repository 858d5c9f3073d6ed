/**
 * Equality-based label selectors (`a=b,c!=d`), as Argo CD's and the
 * Kubernetes plugin's annotations use them: the one parser of the portal.
 */

/** One term of a Kubernetes-style equality label selector. */
export interface SelectorTerm {
  key: string;
  op: '=' | '!=';
  value: string;
}

/**
 * Parses `a=b,c!=d` (also `a==b`). Throws on anything else (set-based
 * terms such as `a in (b)`, `!a`), naming the offending term.
 */
export function parseSelector(selector: string): SelectorTerm[] {
  return selector
    .split(',')
    .map(t => t.trim())
    .filter(Boolean)
    .map(term => {
      const m = /^([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)$/.exec(
        term,
      );
      if (!m) {
        throw new Error(`unsupported label selector term '${term}'`);
      }
      return { key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
    });
}

export function matchesSelector(
  labels: Record<string, string> | undefined,
  terms: SelectorTerm[],
): boolean {
  return terms.every(t =>
    t.op === '=' ? labels?.[t.key] === t.value : labels?.[t.key] !== t.value,
  );
}

/**
 * Why a label selector cannot be a service's claim on workloads or apps, or
 * undefined when it can. A claim must name at least one `key=value` the
 * workloads carry: `a!=b` alone, or an empty selector, matches (nearly)
 * everything in a cluster.
 */
export function claimSelectorProblem(selector: string): string | undefined {
  let terms;
  try {
    terms = parseSelector(selector);
  } catch (error) {
    return (error as Error).message;
  }
  if (!terms.some(t => t.op === '=' && t.value !== '')) {
    return `'${selector}' has no key=value term, so it would match other services' workloads too`;
  }
  return undefined;
}
