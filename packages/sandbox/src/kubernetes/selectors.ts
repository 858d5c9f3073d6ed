import { StatusError } from './StatusError';
import { Obj, ResourceType } from './resources';

type LabelTerm = (labels: Record<string, string>) => boolean;

/**
 * A label selector as kube-apiserver parses it (k8s.io/apimachinery
 * pkg/labels/selector.go): comma-separated terms, each `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k` or `!k`; all must match.
 * The stand-in keeps its own parser (a server parses what clients send).
 */
export function parseLabelSelector(selector: string): LabelTerm[] {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) terms.push(cur);
  return terms.map(raw => {
    const term = raw.trim();
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const key = m[1];
      const values = m[3].split(',').map(v => v.trim());
      return m[2] === 'in'
        ? l => values.includes(l[key])
        : l => !values.includes(l[key]);
    }
    m = /^([\w./-]+)\s*(==|!=|=)\s*([\w.-]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? l => l[key] !== value : l => l[key] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) {
      const [, not, key] = m;
      return not ? l => !(key in l) : l => key in l;
    }
    throw new StatusError(
      400,
      'BadRequest',
      `unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`,
    );
  });
}

/**
 * A field selector: `metadata.name`, `metadata.namespace` on every type,
 * plus the fields the type registers (as kube-apiserver's per-type field
 * label conversion: e.g. events by `involvedObject.name`, pods by
 * `spec.nodeName`); `=`, `==` and `!=` only. Anything else is the
 * server's 400 "field label not supported".
 */
export function parseFieldSelector(
  selector: string,
  type: ResourceType,
): Array<(o: Obj) => boolean> {
  const fields: Record<string, (o: Obj) => string | undefined> = {
    'metadata.name': o => o.metadata.name,
    'metadata.namespace': o => o.metadata.namespace,
    ...type.fields,
  };
  return selector
    .split(',')
    .filter(t => t.trim())
    .map(raw => {
      const m = /^([\w.]+)\s*(==|!=|=)\s*(.*)$/.exec(raw.trim());
      if (!m)
        throw new StatusError(
          400,
          'BadRequest',
          `invalid selector: '${raw}'; can't understand '${raw}'`,
        );
      const [, field, op, value] = m;
      const read = fields[field];
      if (!read)
        throw new StatusError(
          400,
          'BadRequest',
          `field label not supported: ${field}`,
        );
      return op === '!='
        ? o => (read(o) ?? '') !== value
        : o => (read(o) ?? '') === value;
    });
}
