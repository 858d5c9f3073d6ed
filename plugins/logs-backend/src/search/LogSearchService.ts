import { estypes } from '@elastic/elasticsearch';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  FacetValue,
  HistogramBucket,
  LogContextResponse,
  LogFieldInfo,
  LogLine,
  LogScope,
  LogSearchResponse,
  LogTailResponse,
  MessageSegment,
  TraceResponse,
} from '@portolan/plugin-logs-common';
import { LogClusterClient } from '../elasticsearch/LogClusterClient';
import { CursorCodec, SearchCursor } from './CursorCodec';
import { flatten } from './flatten';
import { FieldTypes, LogQueryBuilder } from './LogQueryBuilder';
import { LogQueryNode, parseLogQuery, toKql } from './LogQueryParser';
import { PIT_KEEP_ALIVE, PointInTimePool } from './PointInTimePool';
import { Redactor } from '@portolan/portolan-node';

type Query = estypes.QueryDslQueryContainer;
type Hit = estypes.SearchHit<Record<string, unknown>>;

/** What a search reads: a cluster, an index pattern and the services (one entity, or a team's). */
export interface LogTarget {
  client: LogClusterClient;
  index: string;
  scopes: LogScope[];
  /** Identifies the entity or team, so cursors stay with it. */
  key: string;
}

export interface LogSearchParams {
  q: string;
  from: Date;
  to: Date;
  environment: string[];
  level: string[];
  pod: string[];
  filters: Array<{ field: string; value: string }>;
  size: number;
  cursor?: string;
}

const PRE = '\uE000';
const POST = '\uE001';
const FIELD_CAPS_TTL_MS = 5 * 60_000;
/** Histogram bucket sizes to pick from: the smallest giving at most ~60 buckets. */
const INTERVALS: Array<[string, number]> = [
  ['1s', 1e3],
  ['2s', 2e3],
  ['5s', 5e3],
  ['10s', 1e4],
  ['15s', 15e3],
  ['30s', 3e4],
  ['1m', 6e4],
  ['2m', 12e4],
  ['5m', 3e5],
  ['10m', 6e5],
  ['15m', 9e5],
  ['30m', 18e5],
  ['1h', 36e5],
  ['2h', 72e5],
  ['3h', 108e5],
  ['6h', 216e5],
  ['12h', 432e5],
  ['1d', 864e5],
];

export function histogramInterval(from: Date, to: Date): [string, number] {
  const span = to.getTime() - from.getTime();
  return (
    INTERVALS.find(([, ms]) => span / ms <= 60) ??
    INTERVALS[INTERVALS.length - 1]
  );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const rison = (s: string) => `'${s.replace(/!/g, '!!').replace(/'/g, "!'")}'`;
const kqlValue = (v: string) =>
  /^[\w.@/-]+$/.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;

/** A line's id: the index and document id, opaque to the browser. */
export function encodeLineId(index: string, id: string): string {
  return Buffer.from(JSON.stringify([index, id])).toString('base64url');
}

function decodeLineId(lineId: string): { index: string; id: string } {
  try {
    const [index, id] = JSON.parse(
      Buffer.from(lineId, 'base64url').toString('utf8'),
    );
    if (
      typeof index === 'string' &&
      typeof id === 'string' &&
      index.length < 256 &&
      id.length < 512
    )
      return { index, id };
  } catch {
    // fall through
  }
  throw new InputError(
    `Invalid parameter 'lineId': not a line id this API returned`,
  );
}

/**
 * Searches a service's (or a team's) logs: one Elasticsearch request per
 * page — hits, total, the histogram and the facets together on the first
 * page; deeper pages in a shared point in time with search_after. Every
 * query is the user's parsed query inside the scope filter; every line is
 * redacted before it leaves.
 */
export class LogSearchService {
  private readonly fieldCaps = new Map<
    string,
    { at: number; types: Promise<FieldTypes> }
  >();

  /** The redactor's `redact`, bound once (it runs for every string of every hit). */
  private readonly redact: (s: string) => string;

  private constructor(
    private readonly redactor: Redactor,
    private readonly cursors: CursorCodec,
    private readonly pits: PointInTimePool,
    private readonly now: () => number,
  ) {
    this.redact = s => this.redactor.redact(s);
  }

  static create(deps: {
    redactor: Redactor;
    cursors: CursorCodec;
    now?: () => number;
  }): LogSearchService {
    const now = deps.now ?? Date.now;
    return new LogSearchService(
      deps.redactor,
      deps.cursors,
      new PointInTimePool(now),
      now,
    );
  }

  /** Field name → type, from `_field_caps` (cached for 5 minutes per cluster and index). */
  async fieldTypes(
    client: LogClusterClient,
    index: string,
  ): Promise<FieldTypes> {
    const key = `${client.name}\u0000${index}`;
    const cached = this.fieldCaps.get(key);
    if (cached && this.now() - cached.at < FIELD_CAPS_TTL_MS)
      return cached.types;
    const types = client.fieldCaps(index).then(res => {
      const out: FieldTypes = new Map();
      for (const [name, byType] of Object.entries(res.fields)) {
        const caps = Object.values(byType);
        if (
          caps.some(c => c.metadata_field) &&
          name !== '_id' &&
          name !== '_index'
        )
          continue;
        out.set(name, caps[0]?.type ?? 'keyword');
      }
      return out;
    });
    this.fieldCaps.set(key, { at: this.now(), types });
    types.catch(() => this.fieldCaps.delete(key));
    return types;
  }

  async fields(target: LogTarget): Promise<LogFieldInfo[]> {
    const client = target.client;
    const res = await this.fieldTypes(client, target.index);
    return [...res.entries()]
      .filter(([name]) => !name.startsWith('_'))
      .map(([name, type]) => ({
        name,
        type,
        aggregatable: !['text', 'match_only_text'].includes(type),
        searchable: true,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private async prepare(target: LogTarget, params: LogSearchParams) {
    const types = await this.fieldTypes(target.client, target.index);
    const builder = new LogQueryBuilder(target.client.config.fields, types);
    const node = parseLogQuery(params.q);
    builder.checkFields(node);
    const key = CursorCodec.queryKey([
      target.key,
      params.q,
      params.from.getTime(),
      params.to.getTime(),
      params.environment,
      params.level,
      params.pod,
      params.filters,
    ]);
    return { builder, node, key };
  }

  private boundary(
    fields: LogTarget['client']['config']['fields'],
    b: SearchCursor['b'],
    side: 'lte' | 'gte',
  ): Query[] {
    const out: Query[] = [
      {
        range: { [fields.timestamp]: { [side]: b.ts, format: 'epoch_millis' } },
      },
    ];
    if (b.ids.length)
      out.push({ bool: { must_not: [{ ids: { values: b.ids } }] } });
    return out;
  }

  async search(
    target: LogTarget,
    params: LogSearchParams,
  ): Promise<LogSearchResponse> {
    const started = this.now();
    const { client } = target;
    const fields = client.config.fields;
    const { builder, node, key } = await this.prepare(target, params);
    const cursor = params.cursor
      ? this.cursors.decode(params.cursor, key)
      : undefined;
    const query = builder.build({
      ...params,
      scopes: target.scopes,
      node,
      extra: cursor ? this.boundary(fields, cursor.b, 'lte') : [],
    });
    const highlight: estypes.SearchHighlight = {
      pre_tags: [PRE],
      post_tags: [POST],
      fields: { [fields.message]: { number_of_fragments: 0 } },
    };
    let res: estypes.SearchResponse<Record<string, unknown>>;
    let pit: string | undefined;
    if (!cursor) {
      const [interval] = histogramInterval(params.from, params.to);
      res = await client.search(target.index, {
        query,
        size: params.size,
        sort: [{ [fields.timestamp]: { order: 'desc' } }],
        track_total_hits: 100_000,
        highlight,
        aggs: {
          histogram: {
            date_histogram: {
              field: fields.timestamp,
              fixed_interval: interval,
              min_doc_count: 0,
              extended_bounds: {
                min: params.from.getTime(),
                max: params.to.getTime(),
              },
            },
            aggs: { levels: { terms: { field: fields.level, size: 8 } } },
          },
          environment: {
            terms: {
              field: target.scopes[0]?.environmentField ?? fields.environment,
              size: 20,
            },
          },
          level: { terms: { field: fields.level, size: 10 } },
          pod: { terms: { field: fields.pod, size: 50 } },
        },
      });
    } else {
      pit =
        cursor.pit ?? (await this.pits.acquire(client, target.index, cursor.t));
      res = await client.search(undefined, {
        pit: { id: pit, keep_alive: PIT_KEEP_ALIVE },
        query,
        size: params.size,
        sort: [
          { [fields.timestamp]: { order: 'desc' } },
          { _shard_doc: 'desc' },
        ],
        ...(cursor.after ? { search_after: cursor.after } : {}),
        track_total_hits: false,
        highlight,
      });
    }
    const hits = res.hits.hits;
    const lines = hits.map(h => this.line(h, fields));
    const total =
      typeof res.hits.total === 'object' ? res.hits.total : undefined;
    let nextCursor: string | undefined;
    const more =
      hits.length === params.size &&
      (!total || total.value > params.size || total.relation === 'gte');
    if (more && hits.length) {
      const last = hits[hits.length - 1];
      if (!cursor) {
        const ts = Number(last.sort?.[0]);
        const ids = hits
          .filter(h => Number(h.sort?.[0]) === ts)
          .map(h => h._id!)
          .slice(-500);
        nextCursor = this.cursors.encode({
          k: key,
          b: { ts, ids },
          t: started,
        });
        // The next page will need a point in time opened after this search.
        this.pits.prefetch(client, target.index, started);
      } else {
        nextCursor = this.cursors.encode({
          k: key,
          b: cursor.b,
          t: cursor.t,
          pit: res.pit_id ?? pit,
          after: last.sort as Array<number | string>,
        });
      }
    }
    const response: LogSearchResponse = {
      cluster: client.name,
      scope: target.scopes,
      fields,
      from: params.from.toISOString(),
      to: params.to.toISOString(),
      lines,
      nextCursor,
      tookMs: this.now() - started,
    };
    if (!cursor) {
      response.total = total
        ? { value: total.value, relation: total.relation }
        : undefined;
      const aggs = res.aggregations as Record<string, any> | undefined;
      const [, intervalMs] = histogramInterval(params.from, params.to);
      response.histogram = {
        intervalMs,
        buckets: (aggs?.histogram?.buckets ?? []).map(
          (b: any): HistogramBucket => ({
            t: Number(b.key),
            count: b.doc_count,
            levels: Object.fromEntries(
              (b.levels?.buckets ?? []).map((l: any) => [
                String(l.key),
                l.doc_count,
              ]),
            ),
          }),
        ),
      };
      const facet = (name: string): FacetValue[] =>
        (aggs?.[name]?.buckets ?? []).map((b: any) => ({
          value: this.redactor.redact(String(b.key)),
          count: b.doc_count,
        }));
      response.facets = {
        environment: facet('environment'),
        level: facet('level'),
        pod: facet('pod'),
      };
      response.kibanaUrl = this.kibanaUrl(target, params, node);
      const newest = hits[0] ? Number(hits[0].sort?.[0]) : params.to.getTime();
      response.tailCursor = this.cursors.encode({
        k: key,
        b: {
          ts: newest,
          ids: hits
            .filter(h => Number(h.sort?.[0]) === newest)
            .map(h => h._id!),
        },
        t: started,
      });
    }
    return response;
  }

  /** Lines newer than a result (live tail), oldest first; at most `size`. */
  async tail(
    target: LogTarget,
    params: LogSearchParams,
    tailCursor: string,
  ): Promise<LogTailResponse> {
    const { client } = target;
    const fields = client.config.fields;
    const { builder, node, key } = await this.prepare(target, params);
    const cursor = this.cursors.decode(tailCursor, key, 'tailCursor');
    const query = builder.build({
      ...params,
      // Newer lines than the query's range may arrive: the tail follows them.
      to: new Date(Math.max(params.to.getTime(), this.now() + 60_000)),
      scopes: target.scopes,
      node,
      extra: this.boundary(fields, cursor.b, 'gte'),
    });
    const res = await client.search(target.index, {
      query,
      size: params.size,
      sort: [{ [fields.timestamp]: { order: 'asc' } }],
      track_total_hits: false,
      highlight: {
        pre_tags: [PRE],
        post_tags: [POST],
        fields: { [fields.message]: { number_of_fragments: 0 } },
      },
    });
    const hits = res.hits.hits;
    let b = cursor.b;
    if (hits.length) {
      const ts = Number(hits[hits.length - 1].sort?.[0]);
      const ids = hits.filter(h => Number(h.sort?.[0]) === ts).map(h => h._id!);
      b = {
        ts,
        ids: ts === cursor.b.ts ? [...cursor.b.ids, ...ids].slice(-500) : ids,
      };
    }
    return {
      lines: hits.map(h => this.line(h, fields)),
      tailCursor: this.cursors.encode({ k: key, b, t: cursor.t }),
    };
  }

  /** The lines before and after one line, from the same pod (else the same service). */
  async context(
    target: LogTarget,
    lineId: string,
    size: number,
  ): Promise<LogContextResponse> {
    const { client } = target;
    const fields = client.config.fields;
    const { index, id } = decodeLineId(lineId);
    const scope = new LogQueryBuilder(fields, new Map()).scopeFilter(
      target.scopes,
    );
    const found = await client.search(target.index, {
      query: { bool: { filter: [scope, { ids: { values: [id] } }] } },
      size: 5,
    });
    const anchorHit = found.hits.hits.find(h => h._index === index);
    if (!anchorHit)
      throw new NotFoundError(`No line ${lineId} in this service's logs`);
    const anchor = this.line(anchorHit, fields);
    const rawPod = flatten(anchorHit._source ?? {})[fields.pod];
    const ts = Date.parse(anchor.timestamp);
    const near = (side: 'lte' | 'gte'): Query => ({
      bool: {
        filter: [
          scope,
          ...(typeof rawPod === 'string'
            ? [{ term: { [fields.pod]: rawPod } }]
            : []),
          {
            range: {
              [fields.timestamp]: { [side]: ts, format: 'epoch_millis' },
            },
          },
        ],
        must_not: [{ ids: { values: [id] } }],
      },
    });
    const [before, after] = await Promise.all([
      client.search(target.index, {
        query: near('lte'),
        size,
        sort: [{ [fields.timestamp]: { order: 'desc' } }],
      }),
      client.search(target.index, {
        query: near('gte'),
        size,
        sort: [{ [fields.timestamp]: { order: 'asc' } }],
      }),
    ]);
    return {
      anchor,
      before: before.hits.hits.map(h => this.line(h, fields)).reverse(),
      after: after.hits.hits.map(h => this.line(h, fields)),
    };
  }

  /** Every line of a trace in the given targets (the services the user may read), oldest first. */
  async trace(targets: LogTarget[], traceId: string): Promise<TraceResponse> {
    const lines: LogLine[] = [];
    const errors: TraceResponse['errors'] = [];
    await Promise.all(
      targets.map(async target => {
        const { client } = target;
        const fields = client.config.fields;
        const scope = new LogQueryBuilder(fields, new Map()).scopeFilter(
          target.scopes,
        );
        try {
          const res = await client.search(target.index, {
            query: {
              bool: {
                filter: [scope, { term: { [fields.traceId]: traceId } }],
              },
            },
            size: 500,
            sort: [{ [fields.timestamp]: { order: 'asc' } }],
          });
          lines.push(...res.hits.hits.map(h => this.line(h, fields)));
        } catch (e) {
          errors.push({ cluster: client.name, message: (e as Error).message });
        }
      }),
    );
    lines.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    return {
      traceId,
      lines,
      services: [
        ...new Set(targets.flatMap(t => t.scopes.map(s => s.service))),
      ].sort(),
      errors,
    };
  }

  /** Every line of a search, newest first, up to `limit` (a point in time of its own, closed at the end). */
  async *exportLines(
    target: LogTarget,
    params: LogSearchParams,
    limit: number,
  ): AsyncGenerator<LogLine> {
    const { client } = target;
    const fields = client.config.fields;
    const { builder, node } = await this.prepare(target, params);
    const query = builder.build({ ...params, scopes: target.scopes, node });
    let pit = await client.openPointInTime(target.index, '1m');
    let after: estypes.SortResults | undefined;
    let sent = 0;
    try {
      while (sent < limit) {
        const want = Math.min(1000, limit - sent);
        const res = await client.search(undefined, {
          pit: { id: pit, keep_alive: '1m' },
          query,
          size: want,
          sort: [
            { [fields.timestamp]: { order: 'desc' } },
            { _shard_doc: 'desc' },
          ],
          ...(after ? { search_after: after } : {}),
          track_total_hits: false,
        });
        pit = res.pit_id ?? pit;
        const hits = res.hits.hits;
        for (const h of hits) {
          yield this.line(h, fields);
          sent++;
        }
        if (hits.length < want) break;
        after = hits[hits.length - 1].sort;
      }
    } finally {
      await client.closePointInTime(pit);
    }
  }

  /** A hit as the browser gets it: flattened, every string redacted, the message's matches marked. */
  private line(
    hit: Hit,
    fields: LogTarget['client']['config']['fields'],
  ): LogLine {
    const flat = flatten(hit._source ?? {}, this.redact);
    const str = (f: string) =>
      typeof flat[f] === 'string' ? (flat[f] as string) : undefined;
    const message = str(fields.message) ?? '';
    const highlighted = hit.highlight?.[fields.message]?.[0];
    return {
      id: encodeLineId(hit._index, hit._id ?? ''),
      timestamp:
        str(fields.timestamp) ??
        new Date(Number(hit.sort?.[0] ?? 0)).toISOString(),
      message,
      segments: highlighted ? segments(message, highlighted) : undefined,
      level: str(fields.level),
      service: str(fields.service),
      environment: str(fields.environment),
      namespace: str(fields.namespace),
      pod: str(fields.pod),
      traceId: str(fields.traceId),
      fields: flat,
    };
  }

  /** Discover with the same scope, filters, query and time range. */
  private kibanaUrl(
    target: LogTarget,
    params: LogSearchParams,
    node: LogQueryNode,
  ): string | undefined {
    const kibana = target.client.config.kibana;
    if (!kibana) return undefined;
    const f = target.client.config.fields;
    const anyOf = (field: string, values: string[]) =>
      values.length === 1
        ? `${field}:${kqlValue(values[0])}`
        : `${field}:(${values.map(kqlValue).join(' or ')})`;
    const parts = [
      target.scopes.length === 1
        ? anyOf(target.scopes[0].serviceField, [target.scopes[0].service])
        : `(${target.scopes
            .map(s => anyOf(s.serviceField, [s.service]))
            .join(' or ')})`,
    ];
    if (params.environment.length)
      parts.push(
        anyOf(
          target.scopes[0]?.environmentField ?? f.environment,
          params.environment,
        ),
      );
    if (params.level.length) parts.push(anyOf(f.level, params.level));
    if (params.pod.length) parts.push(anyOf(f.pod, params.pod));
    for (const filter of params.filters)
      parts.push(anyOf(filter.field, [filter.value]));
    const user = toKql(node);
    if (user) parts.push(`(${user})`);
    const g = `(time:(from:${rison(params.from.toISOString())},to:${rison(
      params.to.toISOString(),
    )}))`;
    const source = kibana.dataViewId
      ? `dataSource:(dataViewId:${rison(kibana.dataViewId)},type:dataView),`
      : '';
    const a = `(${source}query:(language:kuery,query:${rison(
      parts.join(' and '),
    )}))`;
    return `${kibana.url}/app/discover#/?_g=${encodeURIComponent(
      g,
    )}&_a=${encodeURIComponent(a)}`;
  }
}

/** The message cut where the query matched (matches found in the redacted text only, so no secret returns). */
export function segments(
  message: string,
  highlighted: string,
): MessageSegment[] | undefined {
  const terms = [
    ...new Set(
      [...highlighted.matchAll(/\uE000([^\uE001]*)\uE001/g)]
        .map(m => m[1])
        .filter(Boolean),
    ),
  ];
  if (terms.length === 0) return undefined;
  const re = new RegExp(
    terms
      .sort((a, b) => b.length - a.length)
      .map(escapeRe)
      .join('|'),
    'g',
  );
  const out: MessageSegment[] = [];
  let last = 0;
  for (const m of message.matchAll(re)) {
    if (m.index! > last) out.push({ text: message.slice(last, m.index) });
    out.push({ text: m[0], match: true });
    last = m.index! + m[0].length;
  }
  if (last < message.length) out.push({ text: message.slice(last) });
  return out.some(s => s.match) ? out : undefined;
}
