import type { estypes } from '@elastic/elasticsearch';
import { lowerBound, upperBound } from './columns';
import { parseDate, parseTimeValue } from './dates';
import { EsError, illegalArgument, parsingError } from './esErrors';
import { LogIndex, flatten } from './LogIndex';
import { LogStream } from './LogStream';
import { CompiledQuery, Plan, compileQuery } from './queryDsl';
import {
  TextClause,
  TextQuery,
  positiveClauses,
  tokenSpans,
} from './textAnalysis';

/** The lines a request may see: streams, and for a point in time the sequence each stream had reached. */
export interface SearchTarget {
  streams: LogStream[];
  indexName: string;
  snapshot?: Map<number, number>;
  pitId?: string;
}

type Doc = { s: LogStream; pos: number };
type SortKey = {
  field: '@timestamp' | '_shard_doc' | '_doc' | '_score';
  desc: boolean;
};

const MAX_RESULT_WINDOW = 10_000;
const SEARCH_KEYS = new Set([
  'query',
  'size',
  'from',
  'sort',
  'search_after',
  'track_total_hits',
  'aggs',
  'aggregations',
  'highlight',
  '_source',
  'pit',
  'timeout',
  'track_scores',
  'version',
  'seq_no_primary_term',
  'explain',
  'stored_fields',
]);

/** The stable tie-breaker of a line: `_shard_doc` (and `_doc`) values. */
const shardDoc = (d: Doc) => d.s.id * 2 ** 32 + d.s.seq.data[d.pos];

function parseSort(sort: unknown, hasPit: boolean): SortKey[] {
  if (sort === undefined || sort === null) return [];
  const items = Array.isArray(sort) ? sort : [sort];
  return items.map((item): SortKey => {
    let field: string;
    let order: string | undefined;
    if (typeof item === 'string') {
      const [f, o] = item.split(':');
      field = f;
      order = o;
    } else if (item && typeof item === 'object') {
      const [[f, spec]] = Object.entries(item as Record<string, any>);
      field = f;
      order = typeof spec === 'string' ? spec : spec?.order;
    } else
      throw parsingError('[sort] malformed, expected a field name or object');
    if (order !== undefined && order !== 'asc' && order !== 'desc') {
      throw illegalArgument(
        `No enum constant org.elasticsearch.search.sort.SortOrder.${String(
          order,
        ).toUpperCase()}`,
      );
    }
    if (field === '_shard_doc' && !hasPit) {
      throw new EsError(
        400,
        'action_request_validation_exception',
        'Validation Failed: 1: [_shard_doc] sort field cannot be used without [point in time];',
      );
    }
    if (!['@timestamp', '_shard_doc', '_doc', '_score'].includes(field)) {
      throw illegalArgument(
        `the Portolan sandbox stand-in sorts by [@timestamp], [_shard_doc], [_doc] and [_score] only, not [${field}]`,
      );
    }
    const desc = order ? order === 'desc' : field === '_score';
    return { field: field as SortKey['field'], desc };
  });
}

function sortValues(keys: SortKey[], d: Doc): number[] {
  return keys.map(k => {
    if (k.field === '@timestamp') return d.s.ts.data[d.pos];
    if (k.field === '_score') return 1;
    return shardDoc(d);
  });
}

function compareValues(keys: SortKey[], a: number[], b: number[]): number {
  for (let i = 0; i < keys.length; i++) {
    if (a[i] !== b[i]) return (a[i] < b[i] ? -1 : 1) * (keys[i].desc ? -1 : 1);
  }
  return 0;
}

/** Positions to visit in a stream: a posting list (sorted) or a plain range. */
function candidates(
  s: LogStream,
  plan: Plan,
  index: LogIndex,
): { list?: Uint32Array; lo: number; hi: number } {
  const [lo, hi] = s.range(plan.from, plan.to);
  const lists: Uint32Array[] = [];
  if (plan.levels) {
    const ids = [...plan.levels]
      .map(l => index.findLevel(l))
      .filter((x): x is number => x !== undefined);
    lists.push(
      mergePostings(
        ids.map(id => s.levelPosting(id)),
        lo,
        hi,
      ),
    );
  }
  if (plan.pods) {
    const ids = [...plan.pods]
      .map(p => s.findPod(p))
      .filter((x): x is number => x !== undefined);
    lists.push(
      mergePostings(
        ids.map(id => s.podPosting(id)),
        lo,
        hi,
      ),
    );
  }
  if (plan.traces) lists.push(s.tracePosting());
  let best: Uint32Array | undefined;
  let bestLo = lo;
  let bestHi = hi;
  for (const list of lists) {
    const a = lowerBound(list, lo);
    const b = lowerBound(list, hi);
    if (b - a < bestHi - bestLo || !best) {
      best = list;
      bestLo = a;
      bestHi = b;
    }
  }
  if (best && bestHi - bestLo <= hi - lo)
    return { list: best, lo: bestLo, hi: bestHi };
  return { lo, hi };
}

/**
 * The union of sorted posting lists (positions), as one sorted list. With
 * several lists, only their part in [lo, hi) (the query's time range) is
 * merged, by a linear k-way merge: sorting every line of a week for each
 * query cost more than the search itself.
 */
export function mergePostings(
  lists: Uint32Array[],
  lo = 0,
  hi = Infinity,
): Uint32Array {
  if (lists.length === 1) return lists[0];
  const parts = lists.map(l =>
    l.subarray(lowerBound(l, lo), lowerBound(l, hi)),
  );
  const total = parts.reduce((n, l) => n + l.length, 0);
  const out = new Uint32Array(total);
  if (parts.length === 2) {
    // The common case (two levels, like error and warn): a plain two-way merge.
    const [a, b] = parts;
    let i = 0;
    let j = 0;
    let o = 0;
    while (i < a.length && j < b.length)
      out[o++] = a[i] < b[j] ? a[i++] : b[j++];
    while (i < a.length) out[o++] = a[i++];
    while (j < b.length) out[o++] = b[j++];
    return out;
  }
  const at = parts.map(() => 0);
  for (let o = 0; o < total; o++) {
    let best = -1;
    for (let k = 0; k < parts.length; k++) {
      if (
        at[k] < parts[k].length &&
        (best < 0 || parts[k][at[k]] < parts[best][at[best]])
      )
        best = k;
    }
    out[o] = parts[best][at[best]++];
  }
  return out;
}

// ---- aggregations -------------------------------------------------------

interface Collector {
  collect(d: Doc): void;
  result(): estypes.AggregationsAggregate;
}
type CollectorFactory = () => Collector;

function fieldReader(index: LogIndex, field: string): (d: Doc) => unknown {
  switch (field) {
    case '@timestamp':
      return d => d.s.ts.data[d.pos];
    case 'log.level':
      return d => index.levelName(d.s.level.data[d.pos]) || undefined;
    case 'kubernetes.pod.name':
      return d => d.s.pods[d.s.pod.data[d.pos]] || undefined;
    case 'service.name':
      return d => d.s.service || undefined;
    case 'service.environment':
      return d => d.s.environment || undefined;
    case 'kubernetes.namespace':
      return d => d.s.namespace || undefined;
    case '_index':
      return d => d.s.index;
    case 'trace.id':
      return d => index.traceId(d.s.trace.data[d.pos]) || undefined;
    default:
      return d => index.flat(d.s, d.pos)[field];
  }
}

function buildAggs(
  index: LogIndex,
  now: number,
  spec: unknown,
): Record<string, CollectorFactory> {
  if (spec === undefined) return {};
  if (!spec || typeof spec !== 'object')
    throw parsingError('[aggs] malformed, expected an object');
  const out: Record<string, CollectorFactory> = {};
  for (const [name, def] of Object.entries(spec as Record<string, any>)) {
    const { aggs, aggregations, meta: _meta, ...rest } = def ?? {};
    const types = Object.keys(rest);
    if (types.length !== 1)
      throw parsingError(
        `Expected [START_OBJECT] under [${name}], but got a different number of aggregation types`,
      );
    const [type] = types;
    const body = rest[type] ?? {};
    const sub = buildAggs(index, now, aggs ?? aggregations);
    out[name] = aggFactory(index, now, name, type, body, sub);
  }
  return out;
}

function collectAll(factories: Record<string, CollectorFactory>) {
  const names = Object.keys(factories);
  const collectors = names.map(n => factories[n]());
  return {
    collect(d: Doc) {
      // (an index loop: this runs for every matching line and sub-bucket)
      for (let i = 0; i < collectors.length; i++) collectors[i].collect(d);
    },
    result(): Record<string, estypes.AggregationsAggregate> {
      return Object.fromEntries(
        names.map((n, i) => [n, collectors[i].result()]),
      );
    },
  };
}

function aggFactory(
  index: LogIndex,
  now: number,
  name: string,
  type: string,
  body: Record<string, any>,
  sub: Record<string, CollectorFactory>,
): CollectorFactory {
  const field = body.field as string | undefined;
  if (
    ['date_histogram', 'terms', 'min', 'max'].includes(type) &&
    typeof field !== 'string'
  ) {
    throw illegalArgument(
      `Required [field] for aggregation [${name}] of type [${type}]`,
    );
  }
  switch (type) {
    case 'date_histogram': {
      const interval = histogramInterval(body);
      const offset = body.offset ? parseTimeValue(body.offset, 'offset') : 0;
      const minDocCount = body.min_doc_count ?? 0;
      const bounds = body.extended_bounds ?? body.hard_bounds;
      const read = fieldReader(index, field!);
      return () => {
        const buckets = new Map<
          number,
          { count: number; sub: ReturnType<typeof collectAll> }
        >();
        return {
          collect(d) {
            const v = Number(read(d));
            if (!Number.isFinite(v)) return;
            const key = Math.floor((v - offset) / interval) * interval + offset;
            if (body.hard_bounds) {
              const min = parseDate(body.hard_bounds.min, now, false);
              const max = parseDate(body.hard_bounds.max, now, true);
              if (key < min || key > max) return;
            }
            let b = buckets.get(key);
            if (!b) buckets.set(key, (b = { count: 0, sub: collectAll(sub) }));
            b.count++;
            b.sub.collect(d);
          },
          result() {
            let keys = [...buckets.keys()].sort((a, b) => a - b);
            if (minDocCount === 0) {
              let lo = keys[0];
              let hi = keys[keys.length - 1];
              if (bounds) {
                const bmin =
                  Math.floor(
                    (parseDate(bounds.min, now, false) - offset) / interval,
                  ) *
                    interval +
                  offset;
                const bmax =
                  Math.floor(
                    (parseDate(bounds.max, now, true) - offset) / interval,
                  ) *
                    interval +
                  offset;
                lo = lo === undefined ? bmin : Math.min(lo, bmin);
                hi = hi === undefined ? bmax : Math.max(hi, bmax);
              }
              keys = [];
              if (lo !== undefined && hi !== undefined)
                for (let k = lo; k <= hi; k += interval) keys.push(k);
            }
            const out: estypes.AggregationsDateHistogramBucket[] = [];
            for (const key of keys) {
              const b = buckets.get(key);
              if ((b?.count ?? 0) < minDocCount) continue;
              out.push({
                key_as_string: new Date(key).toISOString(),
                key,
                doc_count: b?.count ?? 0,
                ...(b ? b.sub.result() : collectAll(sub).result()),
              } as estypes.AggregationsDateHistogramBucket);
            }
            const agg: estypes.AggregationsDateHistogramAggregate = {
              buckets: out,
            };
            return agg;
          },
        };
      };
    }
    case 'terms': {
      const size = body.size ?? 10;
      const minDocCount = body.min_doc_count ?? 1;
      const read = fieldReader(index, field!);
      const orderKey = body.order
        ? Object.entries(body.order)[0]
        : ['_count', 'desc'];
      return () => {
        const counts = new Map<
          string,
          { count: number; sub: ReturnType<typeof collectAll> }
        >();
        const add = (key: string, d: Doc) => {
          let b = counts.get(key);
          if (!b) counts.set(key, (b = { count: 0, sub: collectAll(sub) }));
          b.count++;
          b.sub.collect(d);
        };
        return {
          collect(d) {
            let v = read(d);
            if (v === undefined || v === null) v = body.missing;
            if (v === undefined || v === null) return;
            if (!Array.isArray(v)) {
              add(String(v), d);
              return;
            }
            for (const one of v) add(String(one), d);
          },
          result() {
            const entries = [...counts.entries()].filter(
              ([, b]) => b.count >= minDocCount,
            );
            entries.sort(([ka, a], [kb, b]) => {
              const [k, dir] = orderKey as [string, string];
              const cmp =
                k === '_key'
                  ? ka.localeCompare(kb)
                  : a.count - b.count || kb.localeCompare(ka);
              return dir === 'asc' ? cmp : -cmp;
            });
            const shown = entries.slice(0, size);
            const other = entries
              .slice(size)
              .reduce((n, [, b]) => n + b.count, 0);
            const agg: estypes.AggregationsStringTermsAggregate = {
              doc_count_error_upper_bound: 0,
              sum_other_doc_count: other,
              buckets: shown.map(
                ([key, b]) =>
                  ({
                    key,
                    doc_count: b.count,
                    ...b.sub.result(),
                  } as estypes.AggregationsStringTermsBucket),
              ),
            };
            return agg;
          },
        };
      };
    }
    case 'min':
    case 'max': {
      const read = fieldReader(index, field!);
      const isDate = field === '@timestamp';
      return () => {
        let value: number | null = null;
        return {
          collect(d) {
            const v = Number(read(d));
            if (!Number.isFinite(v)) return;
            if (value === null || (type === 'min' ? v < value : v > value))
              value = v;
          },
          result() {
            const agg: estypes.AggregationsMinAggregate = { value };
            if (isDate && value !== null)
              agg.value_as_string = new Date(value).toISOString();
            return agg;
          },
        };
      };
    }
    default:
      throw parsingError(
        `Unknown aggregation type [${type}] did you mean [date_histogram, terms, min, max]? (the sandbox stand-in answers those)`,
      );
  }
}

function histogramInterval(body: Record<string, any>): number {
  if (body.fixed_interval)
    return parseTimeValue(body.fixed_interval, 'fixed_interval');
  const calendar: Record<string, number> = {
    minute: 60_000,
    '1m': 60_000,
    hour: 3_600_000,
    '1h': 3_600_000,
    day: 86_400_000,
    '1d': 86_400_000,
  };
  if (body.calendar_interval) {
    const v = calendar[body.calendar_interval];
    if (!v)
      throw illegalArgument(
        `The supplied interval [${body.calendar_interval}] could not be parsed as a calendar interval (the sandbox stand-in knows minute, hour, day).`,
      );
    return v;
  }
  if (body.interval)
    throw illegalArgument(
      '[interval] on [date_histogram] is deprecated: use [fixed_interval] or [calendar_interval]',
    );
  throw illegalArgument(
    'Invalid interval specified, must be non-null and non-empty',
  );
}

// ---- highlighting -------------------------------------------------------

function highlightText(
  text: string,
  clauses: TextClause[],
  pre: string,
  post: string,
): string | undefined {
  const spans = tokenSpans(text);
  const hit = new Array(spans.length).fill(false);
  for (const c of clauses) {
    if (c.kind === 'term') {
      spans.forEach((s, i) => {
        if (c.prefix ? s.token.startsWith(c.value) : s.token === c.value)
          hit[i] = true;
      });
    } else {
      for (let i = 0; i + c.tokens.length <= spans.length; i++) {
        if (c.tokens.every((t, j) => spans[i + j].token === t))
          for (let j = 0; j < c.tokens.length; j++) hit[i + j] = true;
      }
    }
  }
  if (!hit.some(Boolean)) return undefined;
  let out = '';
  let last = 0;
  spans.forEach((s, i) => {
    if (!hit[i]) return;
    out += `${text.slice(last, s.start)}${pre}${text.slice(
      s.start,
      s.end,
    )}${post}`;
    last = s.end;
  });
  return out + text.slice(last);
}

function filterSource(
  source: Record<string, unknown>,
  spec: unknown,
): Record<string, unknown> | undefined {
  if (spec === undefined || spec === true) return source;
  if (spec === false) return undefined;
  const list = typeof spec === 'string' || Array.isArray(spec);
  const includes: string[] = list
    ? ([] as string[]).concat(spec as string)
    : (spec as any).includes ?? [];
  const excludes: string[] = list ? [] : (spec as any).excludes ?? [];
  const match = (key: string, pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')}(\\..*)?$`,
    ).test(key);
  const flat = flatten(source);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flat)) {
    if (includes.length && !includes.some(p => match(k, p))) continue;
    if (excludes.some(p => match(k, p))) continue;
    out[k] = v;
  }
  return out;
}

// ---- search -------------------------------------------------------------

/** `track_total_hits`: true counts all, false none, a number up to it (default 10,000). */
function totalHitsLimit(value: unknown): number {
  if (value === undefined) return 10_000;
  if (value === true || value === 'true') return Infinity;
  if (value === false || value === 'false') return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw illegalArgument(
      `[track_total_hits] must be a boolean or a positive integer, got [${String(
        value,
      )}]`,
    );
  return n;
}

export interface SearchOptions {
  /** URL parameters (`size`, `from`, `q`, `track_total_hits`...). */
  params: Record<string, string>;
}

/** Runs a `_search` body against the target's lines, as Elasticsearch answers it. */
export function executeSearch(
  index: LogIndex,
  target: SearchTarget,
  body: Record<string, any>,
  now: number,
  options: SearchOptions = { params: {} },
): estypes.SearchResponse<Record<string, unknown>> {
  const started = performance.now();
  for (const key of Object.keys(body)) {
    if (!SEARCH_KEYS.has(key))
      throw parsingError(
        `Unknown key for a ${
          typeof body[key] === 'object' ? 'START_OBJECT' : 'VALUE_STRING'
        } in [${key}].`,
      );
  }
  const p = options.params;
  const size = Number(body.size ?? p.size ?? 10);
  const from = Number(body.from ?? p.from ?? 0);
  if (!Number.isInteger(size) || size < 0)
    throw illegalArgument(
      `[size] parameter cannot be negative, found [${body.size ?? p.size}]`,
    );
  if (!Number.isInteger(from) || from < 0)
    throw illegalArgument(
      `[from] parameter cannot be negative, found [${body.from ?? p.from}]`,
    );
  if (from + size > MAX_RESULT_WINDOW) {
    throw illegalArgument(
      `Result window is too large, from + size must be less than or equal to: [${MAX_RESULT_WINDOW}] but was [${
        from + size
      }]. See the scroll api for a more efficient way to request large data sets. This limit can be set by changing the [index.max_result_window] index level setting.`,
    );
  }
  const query =
    body.query ?? (p.q ? { query_string: { query: p.q } } : undefined);
  const ctx = { index, now, indexName: target.indexName };
  const compiled: CompiledQuery = compileQuery(ctx, query);
  const keys = parseSort(
    body.sort ?? (p.sort ? p.sort.split(',') : undefined),
    !!target.pitId,
  );
  const after: number[] | undefined = body.search_after;
  if (after !== undefined) {
    if (!Array.isArray(after))
      throw parsingError('[search_after] must be an array');
    if (keys.length === 0)
      throw illegalArgument('Sort must contain at least one field.');
    if (after.length !== keys.length) {
      throw illegalArgument(
        `search_after has ${after.length} value(s) but sort has ${keys.length}.`,
      );
    }
    if (from > 0)
      throw illegalArgument(
        '[from] parameter must be set to 0 when [search_after] is used.',
      );
  }
  const afterValues = after?.map((v, i) =>
    keys[i].field === '@timestamp' ? parseDate(v, now, false) : Number(v),
  );
  const trackLimit = totalHitsLimit(
    body.track_total_hits ?? p.track_total_hits,
  );
  const aggFactories = buildAggs(index, now, body.aggs ?? body.aggregations);
  const hasAggs = Object.keys(aggFactories).length > 0;
  const aggs = collectAll(aggFactories);
  const want = from + size;

  const visible = (s: LogStream) => {
    const snap = target.snapshot?.get(s.id);
    if (target.snapshot && snap === undefined) return undefined;
    return snap;
  };

  // Hits: walk each stream in sort order from the search_after point, keep the first `want`.
  const picked: Array<{ d: Doc; values: number[] }> = [];
  const timePrimary = keys[0]?.field === '@timestamp';
  let total = 0;
  let totalCapped = false;
  for (const s of target.streams) {
    s.settle();
    const snap = visible(s);
    if (target.snapshot && snap === undefined) continue;
    const pred = compiled.bind(s);
    if (pred === false) continue;
    const test = pred === true ? () => true : pred;
    const c = candidates(s, compiled.plan, index);
    const at = (i: number) => (c.list ? c.list[i] : i);
    const ok = (pos: number) =>
      (snap === undefined || s.seq.data[pos] < snap) && test(pos);

    // Count and aggregate (search_after does not change totals).
    if (hasAggs || total < trackLimit) {
      for (let i = c.lo; i < c.hi; i++) {
        const pos = at(i);
        if (!ok(pos)) continue;
        total++;
        if (hasAggs) aggs.collect({ s, pos });
        else if (total >= trackLimit) {
          totalCapped = true;
          break;
        }
      }
    }
    if (want === 0) continue;

    // Hits in sort order.
    let lo = c.lo;
    let hi = c.hi;
    const desc = timePrimary ? keys[0].desc : keys[0]?.desc ?? false;
    if (timePrimary && afterValues) {
      const ts = s.ts.view();
      if (desc) {
        const bound = upperBound(ts, afterValues[0]);
        hi = c.list ? lowerBound(c.list, bound, lo, hi) : Math.min(hi, bound);
      } else {
        const bound = lowerBound(ts, afterValues[0]);
        lo = c.list ? lowerBound(c.list, bound, lo, hi) : Math.max(lo, bound);
      }
    }
    let taken = 0;
    let lastTs: number | undefined;
    const visit = (i: number) => {
      const pos = at(i);
      if (!ok(pos)) return true;
      const d = { s, pos };
      const values = sortValues(keys, d);
      if (afterValues && compareValues(keys, values, afterValues) <= 0)
        return true;
      if (timePrimary && taken >= want && s.ts.data[pos] !== lastTs)
        return false;
      picked.push({ d, values });
      taken++;
      lastTs = s.ts.data[pos];
      return true;
    };
    if (!timePrimary && keys.length === 0) {
      for (let i = lo; i < hi && taken < want; i++) visit(i);
    } else if (desc) {
      for (let i = hi - 1; i >= lo; i--) if (!visit(i)) break;
    } else {
      for (let i = lo; i < hi; i++) if (!visit(i)) break;
    }
  }
  if (keys.length)
    picked.sort((a, b) => compareValues(keys, a.values, b.values));
  const page = picked.slice(from, want);

  const highlight = body.highlight as Record<string, any> | undefined;
  const pre = highlight?.pre_tags?.[0] ?? '<em>';
  const post = highlight?.post_tags?.[0] ?? '</em>';
  let hlFields: string[] = [];
  if (Array.isArray(highlight?.fields))
    hlFields = highlight!.fields.flatMap((f: object) => Object.keys(f));
  else if (highlight) hlFields = Object.keys(highlight.fields ?? {});
  const clausesFor = (field: string) =>
    compiled.texts
      .filter(t => t.field === field)
      .flatMap(t => positiveClauses(t.query as TextQuery));

  const hits: estypes.SearchHit<Record<string, unknown>>[] = page.map(
    ({ d, values }) => {
      const source = index.source(d.s, d.pos);
      const hit: estypes.SearchHit<Record<string, unknown>> = {
        _index: d.s.index,
        _id: index.docId(d.s, d.pos),
        _score: keys.length ? null : 1,
        _source: filterSource(source, body._source),
      };
      if (keys.length) hit.sort = values;
      if (hlFields.some(f => f === 'message' || f === '*')) {
        // The message the source holds already (rendering it again cost as much as the source).
        const h = highlightText(
          typeof source.message === 'string'
            ? source.message
            : index.message(d.s, d.pos),
          clausesFor('message'),
          pre,
          post,
        );
        if (h !== undefined) hit.highlight = { message: [h] };
      }
      return hit;
    },
  );

  const response: estypes.SearchResponse<Record<string, unknown>> = {
    took: Math.round(performance.now() - started),
    timed_out: false,
    _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
    hits: {
      max_score: keys.length === 0 && hits.length ? 1 : null,
      hits,
    },
  };
  if (trackLimit > 0) {
    response.hits.total = {
      value: Math.min(total, trackLimit),
      relation: totalCapped || total > trackLimit ? 'gte' : 'eq',
    };
  }
  if (hasAggs) response.aggregations = aggs.result();
  if (target.pitId) response.pit_id = target.pitId;
  return response;
}

/** `_count`: the number of lines a query matches. */
export function executeCount(
  index: LogIndex,
  target: SearchTarget,
  body: Record<string, any>,
  now: number,
): number {
  for (const key of Object.keys(body))
    if (key !== 'query')
      throw parsingError(`request does not support [${key}]`);
  const compiled = compileQuery(
    { index, now, indexName: target.indexName },
    body.query,
  );
  let n = 0;
  for (const s of target.streams) {
    s.settle();
    const pred = compiled.bind(s);
    if (pred === false) continue;
    const c = candidates(s, compiled.plan, index);
    for (let i = c.lo; i < c.hi; i++) {
      const pos = c.list ? c.list[i] : i;
      if (pred === true || pred(pos)) n++;
    }
  }
  return n;
}
