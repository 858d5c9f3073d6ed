/** One term of a Kubernetes-style equality label selector. */
export interface SelectorTerm {
  key: string;
  op: '=' | '!=';
  value: string;
}

/**
 * Parses `a=b,c!=d` (the equality-based selectors Argo CD annotations use).
 * Throws on anything else, with the offending term.
 */
export function parseSelector(selector: string): SelectorTerm[] {
  return selector
    .split(',')
    .map(t => t.trim())
    .filter(Boolean)
    .map(term => {
      const m = /^([A-Za-z0-9./_-]+)\s*(==|!=|=)\s*([A-Za-z0-9._-]*)$/.exec(term);
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
