import type { estypes } from '@elastic/elasticsearch';
import { EsError, parsingError, shardQueryError } from './esErrors';
import { FlatDoc, LogIndex, MAPPING } from './LogIndex';
import { LITERAL_TEMPLATE, LogStream } from './LogStream';
import { LogTemplate, LogTemplates, ParamTest } from './logTemplates';
import {
  QueryStringSyntaxError,
  TextQuery,
  matchesClause,
  parseQueryString,
  parseSimpleQueryString,
  tokenize,
} from './textAnalysis';
import { parseDate } from './dates';

/** A query bound to one stream: a constant, or a test of one line. */
export type Bound = boolean | ((pos: number) => boolean);

/** What every matching line satisfies, so the search walks the fewest lines. */
export interface Plan {
  from: number;
  to: number;
  levels?: Set<string>;
  pods?: Set<string>;
  traces?: Set<number>;
}

export interface CompiledQuery {
  bind(stream: LogStream): Bound;
  plan: Plan;
  /** Text queries per field, for highlighting. */
  texts: Array<{ field: string; query: TextQuery }>;
}

export interface QueryContext {
  index: LogIndex;
  now: number;
  /** The index name errors name. */
  indexName: string;
}

const OPEN_PLAN = (): Plan => ({ from: -Infinity, to: Infinity });

function andPlans(plans: Plan[]): Plan {
  const out = OPEN_PLAN();
  for (const p of plans) {
    out.from = Math.max(out.from, p.from);
    out.to = Math.min(out.to, p.to);
    for (const key of ['levels', 'pods', 'traces'] as const) {
      const set = p[key] as Set<any> | undefined;
      if (!set) continue;
      const cur = out[key] as Set<any> | undefined;
      (out as any)[key] = cur ? new Set([...cur].filter(v => set.has(v))) : set;
    }
  }
  return out;
}

const leaf = (
  bind: (s: LogStream) => Bound,
  plan: Plan = OPEN_PLAN(),
  texts: CompiledQuery['texts'] = [],
): CompiledQuery => ({
  bind,
  plan,
  texts,
});

function and(parts: CompiledQuery[]): CompiledQuery {
  if (parts.length === 1) return parts[0];
  return {
    plan: andPlans(parts.map(p => p.plan)),
    texts: parts.flatMap(p => p.texts),
    bind(s) {
      const fns: Array<(pos: number) => boolean> = [];
      for (const p of parts) {
        const b = p.bind(s);
        if (b === false) return false;
        if (b !== true) fns.push(b);
      }
      if (fns.length === 0) return true;
      if (fns.length === 1) return fns[0];
      return pos => {
        for (const f of fns) if (!f(pos)) return false;
        return true;
      };
    },
  };
}

function or(parts: CompiledQuery[], minimum = 1): CompiledQuery {
  return {
    plan: OPEN_PLAN(),
    texts: parts.flatMap(p => p.texts),
    bind(s) {
      let constTrue = 0;
      const fns: Array<(pos: number) => boolean> = [];
      for (const p of parts) {
        const b = p.bind(s);
        if (b === true) constTrue++;
        else if (b !== false) fns.push(b);
      }
      if (constTrue >= minimum) return true;
      if (constTrue + fns.length < minimum) return false;
      const need = minimum - constTrue;
      return pos => {
        let n = 0;
        for (const f of fns) if (f(pos) && ++n >= need) return true;
        return false;
      };
    },
  };
}

function not(part: CompiledQuery): CompiledQuery {
  return {
    plan: OPEN_PLAN(),
    texts: [],
    bind(s) {
      const b = part.bind(s);
      if (typeof b === 'boolean') return !b;
      return pos => !b(pos);
    },
  };
}

const MATCH_ALL = leaf(() => true);
const MATCH_NONE = leaf(() => false);

type Compiled = boolean | ParamTest;

/** A text query over one template's messages: a constant, or a test of the line's parameter. */
function templateTest(
  templates: LogTemplates,
  t: LogTemplate,
  q: TextQuery,
): Compiled {
  switch (q.op) {
    case 'all':
      return true;
    case 'clause':
      // (Queries naming other fields are not compiled per template.)
      return templates.clauseTest(t, q.clause);
    case 'not': {
      const c = templateTest(templates, t, q.child);
      return typeof c === 'boolean' ? !c : param => !c(param);
    }
    case 'and': {
      const tests: ParamTest[] = [];
      for (const child of q.children) {
        const c = templateTest(templates, t, child);
        if (c === false) return false;
        if (c !== true) tests.push(c);
      }
      if (tests.length === 0) return true;
      return tests.length === 1
        ? tests[0]
        : param => tests.every(f => f(param));
    }
    default: {
      const tests: ParamTest[] = [];
      for (const child of q.children) {
        const c = templateTest(templates, t, child);
        if (c === true) return true;
        if (c !== false) tests.push(c);
      }
      if (tests.length === 0) return false;
      return tests.length === 1 ? tests[0] : param => tests.some(f => f(param));
    }
  }
}

/** Whether a query names fields other than the message (those need the whole document). */
function namesOtherFields(q: TextQuery): boolean {
  if (q.op === 'clause') return !!q.field && q.field !== 'message';
  if (q.op === 'not') return namesOtherFields(q.child);
  if (q.op === 'and' || q.op === 'or') return q.children.some(namesOtherFields);
  return false;
}

function evalText(
  q: TextQuery,
  tokens: string[],
  flat: () => FlatDoc,
): boolean {
  switch (q.op) {
    case 'all':
      return true;
    case 'clause': {
      if (q.field && q.field !== 'message') {
        const v = flat()[q.field];
        if (v === undefined || v === null) return false;
        const clause = q.clause;
        const text = String(v).toLowerCase();
        if (clause.kind === 'phrase') return text === clause.tokens.join(' ');
        return clause.prefix
          ? text.startsWith(clause.value)
          : text === clause.value;
      }
      return matchesClause(tokens, q.clause);
    }
    case 'not':
      return !evalText(q.child, tokens, flat);
    case 'and':
      return q.children.every(c => evalText(c, tokens, flat));
    default:
      return q.children.some(c => evalText(c, tokens, flat));
  }
}

/**
 * A text query on the message field. A generated line's message is its
 * template and a parameter: the query is compiled per template, so most
 * lines are decided without building their message.
 */
function messageQuery(ctx: QueryContext, q: TextQuery): CompiledQuery {
  const { index } = ctx;
  const full = (s: LogStream, pos: number) =>
    evalText(q, tokenize(index.message(s, pos)), () => index.flat(s, pos));
  const perTemplate: Compiled[] | undefined = namesOtherFields(q)
    ? undefined
    : index.templates.all.map(t => templateTest(index.templates, t, q));
  return leaf(
    s => pos => {
      const template = s.template.data[pos];
      if (template === LITERAL_TEMPLATE || !perTemplate) return full(s, pos);
      const c = perTemplate[template];
      return typeof c === 'boolean' ? c : c(s.param.data[pos]);
    },
    OPEN_PLAN(),
    [{ field: 'message', query: q }],
  );
}

/** Field values read from the columns where possible (no document built). */
function keywordValue(
  field: string,
): ((s: LogStream) => string | undefined) | undefined {
  switch (field) {
    case 'service.name':
      return s => s.service || undefined;
    case 'service.environment':
    case 'data_stream.namespace':
      return s => s.environment || undefined;
    case 'kubernetes.namespace':
      return s => s.namespace || undefined;
    case 'orchestrator.cluster.name':
      return s => s.cluster || undefined;
    case '_index':
      return s => s.index;
    default:
      return undefined;
  }
}

function numberFormatError(ctx: QueryContext, value: unknown): EsError {
  return shardQueryError(ctx.indexName, {
    type: 'query_shard_exception',
    reason: `failed to create query: For input string: "${String(value)}"`,
    index_uuid: 'sandbox',
    index: ctx.indexName,
    caused_by: {
      type: 'number_format_exception',
      reason: `For input string: "${String(value)}"`,
    },
  });
}

function fieldType(field: string): string | undefined {
  return MAPPING[field];
}

/** Equality with one value: `term` semantics on any field. */
function termQuery(
  ctx: QueryContext,
  field: string,
  value: unknown,
  caseInsensitive = false,
): CompiledQuery {
  const { index } = ctx;
  const str = String(value);
  const type = fieldType(field);
  if (type === 'long' && !/^-?\d+$/.test(str.trim()))
    throw numberFormatError(ctx, value);
  const eq = (v: unknown) =>
    v !== undefined &&
    v !== null &&
    (caseInsensitive
      ? String(v).toLowerCase() === str.toLowerCase()
      : String(v) === str);
  const constant = keywordValue(field);
  if (constant) return leaf(s => eq(constant(s)));
  switch (field) {
    case '_id':
      return leaf(s => {
        const doc = index.parseDocId(str);
        if (!doc || doc.stream !== s) return false;
        return pos => pos === doc.pos;
      });
    case 'log.level': {
      return leaf(
        s => {
          const id = caseInsensitive ? undefined : index.findLevel(str);
          if (!caseInsensitive && id === undefined) return false;
          return pos =>
            id !== undefined
              ? s.level.data[pos] === id
              : eq(index.levelName(s.level.data[pos]));
        },
        caseInsensitive
          ? OPEN_PLAN()
          : { ...OPEN_PLAN(), levels: new Set([str]) },
      );
    }
    case 'kubernetes.pod.name':
      return leaf(
        s => {
          const id = s.findPod(str);
          return id === undefined ? false : pos => s.pod.data[pos] === id;
        },
        { ...OPEN_PLAN(), pods: new Set([str]) },
      );
    case 'trace.id': {
      const stored = index.findTrace(str);
      if (stored === undefined) return MATCH_NONE;
      const slot = index.traceSlot(stored);
      const plan: Plan = { ...OPEN_PLAN(), traces: new Set([stored]) };
      if (slot !== undefined) {
        // A generated trace's lines are all in its 5 s slot.
        plan.from = slot * 5000;
        plan.to = (slot + 1) * 5000;
      }
      return leaf(s => pos => s.trace.data[pos] === stored, plan);
    }
    case 'message':
      // `term` is not analysed: it matches a token exactly as stored (lower case).
      return leaf(s => pos => tokenize(index.message(s, pos)).includes(str));
    case '@timestamp': {
      const t = parseDate(str, ctx.now, false);
      return leaf(s => pos => s.ts.data[pos] === t, { from: t, to: t + 1 });
    }
    default:
      return leaf(s => pos => {
        const v = index.flat(s, pos)[field];
        return Array.isArray(v) ? v.some(eq) : eq(v);
      });
  }
}

function existsQuery(ctx: QueryContext, field: string): CompiledQuery {
  const { index } = ctx;
  if (field === 'trace.id') return leaf(s => pos => s.trace.data[pos] !== 0);
  if (
    field === '@timestamp' ||
    field === 'message' ||
    field === '_id' ||
    field === '_index'
  )
    return MATCH_ALL;
  const constant = keywordValue(field);
  if (constant) return leaf(s => constant(s) !== undefined);
  return leaf(s => pos => {
    const v = index.flat(s, pos)[field];
    return v !== undefined && v !== null;
  });
}

function rangeQuery(
  ctx: QueryContext,
  field: string,
  spec: estypes.QueryDslRangeQuery,
): CompiledQuery {
  const r = spec as Record<string, any>;
  if (field === '@timestamp') {
    let from = -Infinity;
    let to = Infinity;
    const fmt = r.format as string | undefined;
    if (r.gte !== undefined && r.gte !== null)
      from = Math.max(from, parseDate(r.gte, ctx.now, false, fmt));
    if (r.gt !== undefined && r.gt !== null)
      from = Math.max(from, parseDate(r.gt, ctx.now, true, fmt) + 1);
    if (r.lte !== undefined && r.lte !== null)
      to = Math.min(to, parseDate(r.lte, ctx.now, true, fmt) + 1);
    if (r.lt !== undefined && r.lt !== null)
      to = Math.min(to, parseDate(r.lt, ctx.now, false, fmt));
    return leaf(
      s => pos => {
        const t = s.ts.data[pos];
        return t >= from && t < to;
      },
      { from, to },
    );
  }
  const numeric = fieldType(field) === 'long';
  const conv = (v: unknown) => {
    if (!numeric) return String(v);
    if (!/^-?\d+(\.\d+)?$/.test(String(v).trim()))
      throw numberFormatError(ctx, v);
    return Number(v);
  };
  const bounds = (['gte', 'gt', 'lte', 'lt'] as const)
    .filter(k => r[k] !== undefined && r[k] !== null)
    .map(k => [k, conv(r[k])] as const);
  return leaf(s => pos => {
    const raw = ctx.index.flat(s, pos)[field];
    if (raw === undefined || raw === null) return false;
    const v = numeric ? Number(raw) : String(raw);
    return bounds.every(([k, b]) => {
      if (k === 'gte') return v >= b;
      if (k === 'gt') return v > b;
      if (k === 'lte') return v <= b;
      return v < b;
    });
  });
}

/** `{ field: value }` or `{ field: { value|query: ..., ...options } }`: the field's one entry. */
function single(
  kind: string,
  body: unknown,
  valueKey: string,
): [string, any, Record<string, any>] {
  if (!body || typeof body !== 'object')
    throw parsingError(
      `[${kind}] query malformed, no start_object after query name`,
    );
  const entries = Object.entries(body as Record<string, unknown>).filter(
    ([k]) => k !== 'boost' && k !== '_name',
  );
  if (entries.length !== 1) {
    throw parsingError(
      `[${kind}] query doesn't support multiple fields, found [${entries
        .map(([k]) => k)
        .join('] and [')}]`,
    );
  }
  const [field, spec] = entries[0];
  if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
    const opts = spec as Record<string, any>;
    return [field, opts[valueKey], opts];
  }
  return [field, spec, {}];
}

function matchQuery(
  ctx: QueryContext,
  field: string,
  query: unknown,
  opts: Record<string, any>,
  phrase: boolean,
): CompiledQuery {
  const type = fieldType(field);
  if (field === 'message' || (type === undefined && field === '*')) {
    const tokens = tokenize(String(query ?? ''));
    if (tokens.length === 0) return MATCH_NONE;
    let q: TextQuery;
    if (phrase) q = { op: 'clause', clause: { kind: 'phrase', tokens } };
    else {
      const op =
        String(opts.operator ?? 'or').toLowerCase() === 'and' ? 'and' : 'or';
      const children: TextQuery[] = tokens.map(t => ({
        op: 'clause',
        clause: { kind: 'term', value: t },
      }));
      q = children.length === 1 ? children[0] : { op, children };
    }
    return messageQuery(ctx, q);
  }
  // Keyword and number fields are not analysed: match is a term query there.
  return termQuery(ctx, field, query);
}

function textQueryFor(
  ctx: QueryContext,
  q: TextQuery,
  fields: string[],
): CompiledQuery {
  const messageFields = fields.filter(
    f => f === 'message' || f === '*' || f.startsWith('message^'),
  );
  if (messageFields.length === 0 && fields.length > 0) {
    // Only keyword fields: each bare clause must equal a field's value.
    return leaf(s => pos => {
      const flat = ctx.index.flat(s, pos);
      return fields.some(f => {
        const v = flat[f];
        return (
          v !== undefined && evalText(q, [String(v).toLowerCase()], () => flat)
        );
      });
    });
  }
  return messageQuery(ctx, q);
}

const QUERY_TYPES = new Set([
  'bool',
  'term',
  'terms',
  'range',
  'exists',
  'match',
  'match_phrase',
  'match_all',
  'match_none',
  'simple_query_string',
  'query_string',
  'ids',
]);

/** Compiles the query DSL subset the stand-in answers (see README); anything else is refused as Elasticsearch would. */
export function compileQuery(
  ctx: QueryContext,
  query: estypes.QueryDslQueryContainer | undefined,
): CompiledQuery {
  if (query === undefined || query === null) return MATCH_ALL;
  if (typeof query !== 'object' || Array.isArray(query))
    throw parsingError('[_na] query malformed, must start with start_object');
  const keys = Object.keys(query);
  if (keys.length !== 1) {
    throw parsingError(
      keys.length
        ? `[${keys[0]}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]`
        : 'query malformed, empty clause found',
    );
  }
  const kind = keys[0];
  const body = (query as Record<string, any>)[kind];
  if (!QUERY_TYPES.has(kind)) {
    const known = [
      'fuzzy',
      'prefix',
      'wildcard',
      'regexp',
      'nested',
      'script',
      'function_score',
      'geo_distance',
      'multi_match',
    ];
    throw parsingError(
      known.includes(kind)
        ? `[${kind}] query is valid Elasticsearch but not supported by the Portolan sandbox stand-in`
        : `unknown query [${kind}]`,
    );
  }
  switch (kind) {
    case 'match_all':
      return MATCH_ALL;
    case 'match_none':
      return MATCH_NONE;
    case 'bool': {
      const list = (v: unknown): any[] =>
        v === undefined ? [] : ([] as any[]).concat(v);
      const b = body as estypes.QueryDslBoolQuery;
      const must = [...list(b.must), ...list(b.filter)].map(q =>
        compileQuery(ctx, q),
      );
      const mustNot = list(b.must_not).map(q => not(compileQuery(ctx, q)));
      const should = list(b.should).map(q => compileQuery(ctx, q));
      const parts = [...must, ...mustNot];
      const msm = b.minimum_should_match;
      // Without must/filter clauses, at least one should clause must match.
      let minimum = parts.length ? 0 : 1;
      if (msm !== undefined) minimum = Number(msm);
      if (should.length && minimum > 0) parts.push(or(should, minimum));
      return parts.length ? and(parts) : MATCH_ALL;
    }
    case 'term': {
      const [field, value, opts] = single('term', body, 'value');
      if (value === undefined)
        throw parsingError('[term] query does not support [value] missing');
      return termQuery(ctx, field, value, opts.case_insensitive === true);
    }
    case 'terms': {
      const entries = Object.entries(body ?? {}).filter(
        ([k]) => k !== 'boost' && k !== '_name',
      );
      if (entries.length !== 1)
        throw parsingError('[terms] query does not support multiple fields');
      const [field, values] = entries[0];
      if (!Array.isArray(values))
        throw parsingError(`[terms] query does not support [${field}]`);
      const parts = values.map(v => termQuery(ctx, field, v));
      const combined = or(parts);
      // Keep the plan's sets: any of the values.
      for (const key of ['levels', 'pods'] as const) {
        if (parts.every(p => p.plan[key]))
          combined.plan[key] = new Set(parts.flatMap(p => [...p.plan[key]!]));
      }
      return combined;
    }
    case 'ids': {
      const values: string[] = body?.values ?? [];
      return or(values.map(v => termQuery(ctx, '_id', v)));
    }
    case 'exists': {
      if (typeof body?.field !== 'string')
        throw parsingError('[exists] must be provided with a [field]');
      return existsQuery(ctx, body.field);
    }
    case 'range': {
      const [field, , opts] = single('range', body, 'gte');
      return rangeQuery(ctx, field, opts as estypes.QueryDslRangeQuery);
    }
    case 'match':
    case 'match_phrase': {
      const [field, value, opts] = single(kind, body, 'query');
      return matchQuery(ctx, field, value, opts, kind === 'match_phrase');
    }
    case 'simple_query_string': {
      const b = body as estypes.QueryDslSimpleQueryStringQuery;
      if (typeof b?.query !== 'string')
        throw parsingError('[simple_query_string] requires a [query]');
      const op =
        String(b.default_operator ?? 'or').toLowerCase() === 'and'
          ? 'and'
          : 'or';
      return textQueryFor(
        ctx,
        parseSimpleQueryString(b.query, op),
        (b.fields as string[]) ?? ['message'],
      );
    }
    default: {
      const b = body as estypes.QueryDslQueryStringQuery;
      if (typeof b?.query !== 'string')
        throw parsingError('[query_string] requires a [query]');
      const op =
        String(b.default_operator ?? 'or').toLowerCase() === 'and'
          ? 'and'
          : 'or';
      try {
        const q = parseQueryString(b.query, op);
        return textQueryFor(
          ctx,
          q,
          b.default_field ? [b.default_field] : ['message'],
        );
      } catch (e) {
        if (!(e instanceof QueryStringSyntaxError)) throw e;
        throw shardQueryError(ctx.indexName, {
          type: 'query_shard_exception',
          reason: `Failed to parse query [${b.query}]`,
          index_uuid: 'sandbox',
          index: ctx.indexName,
          caused_by: {
            type: 'parse_exception',
            reason: e.message,
            caused_by: {
              type: 'parse_exception',
              reason: `Encountered "${e.encountered}" at line 1, column ${e.column}.`,
            },
          },
        });
      }
    }
  }
}
