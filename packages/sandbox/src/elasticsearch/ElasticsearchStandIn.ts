import type { estypes } from '@elastic/elasticsearch';
import express, { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import { World } from '../world/World';
import { parseTimeValue } from './dates';
import { EsError, illegalArgument, indexNotFound } from './esErrors';
import { LogGenerator } from './LogGenerator';
import { LogIndex, MAPPING, flatten } from './LogIndex';
import { LITERAL_TEMPLATE, LogStream } from './LogStream';
import { LogTemplates } from './logTemplates';
import { SearchTarget, executeCount, executeSearch } from './searchExecution';

export interface ElasticsearchStandInOptions {
  world: World;
  clock: Clock;
  seed: number;
  /** Basic auth user (the `elastic` superuser, as a fresh cluster has). */
  username: string;
  password: string;
  /** API keys: `Authorization: ApiKey base64(id:api_key)`. */
  apiKeys: Array<{ id: string; key: string }>;
  /** Days of logs seeded back from the sandbox's start (default 7). */
  days?: number;
}

/** Requests the stand-in answered, by API: benchmarks and tests count them. */
export interface ElasticsearchRequestCounts {
  search: number;
  count: number;
  openPointInTime: number;
  closePointInTime: number;
  fieldCaps: number;
  bulk: number;
  other: number;
}

interface PointInTime {
  streams: number[];
  snapshot: Map<number, number>;
  indexName: string;
  expiresAt: number;
}

const VERSION: estypes.ElasticsearchVersionInfo = {
  number: '8.15.3',
  build_flavor: 'default',
  build_type: 'docker',
  build_hash: 'sandbox',
  build_date: '2024-10-09T22:08:00.328917561Z',
  build_snapshot: false,
  lucene_version: '9.11.1',
  minimum_wire_compatibility_version: '7.17.0',
  minimum_index_compatibility_version: '7.0.0',
};

const SEARCH_PARAMS = new Set([
  'size',
  'from',
  'q',
  'sort',
  'track_total_hits',
  'typed_keys',
  'allow_partial_search_results',
  'ignore_unavailable',
  'allow_no_indices',
  'expand_wildcards',
  'rest_total_hits_as_int',
  'timeout',
  'preference',
  'request_cache',
  'batched_reduce_size',
  'ccs_minimize_roundtrips',
  'pretty',
  'human',
  'error_trace',
  'filter_path',
  'keep_alive',
  'fields',
  'format',
  'v',
  'h',
  'bytes',
  'include_unmapped',
  'refresh',
  'index_metric',
  'include_defaults',
]);

/** The type a new field gets, as the `logs` index template maps dynamic fields: strings as keyword. */
function dynamicFieldType(value: unknown): string {
  if (typeof value === 'number')
    return Number.isInteger(value) ? 'long' : 'float';
  if (typeof value === 'boolean') return 'boolean';
  return 'keyword';
}

/**
 * Elasticsearch 8, as far as the log search uses it, over the sandbox
 * World's logs: `GET /` (with the `x-elastic-product` header the official
 * client checks), `_search` (the query DSL subset in queryDsl.ts; sort,
 * search_after, size/from, track_total_hits, highlight, date_histogram /
 * terms / min / max aggregations), point-in-time open and close, `_count`,
 * `_field_caps`, `_bulk` and `_cat/indices`. Authentication as a secured
 * cluster does it: Basic or ApiKey, else 401 with `WWW-Authenticate`.
 * Every other route is refused with Elasticsearch's error shape.
 */
export class ElasticsearchStandIn {
  readonly index: LogIndex;
  readonly requests: ElasticsearchRequestCounts = {
    search: 0,
    count: 0,
    openPointInTime: 0,
    closePointInTime: 0,
    fieldCaps: 0,
    bulk: 0,
    other: 0,
  };
  private readonly generator: LogGenerator;
  private readonly pits = new Map<string, PointInTime>();
  private readonly dynamicFields = new Map<string, string>();
  private readonly clusterUuid: string;
  /** Added to every answer: tests make the cluster slow with it. */
  latencyMs = 0;

  constructor(private readonly options: ElasticsearchStandInOptions) {
    const services = [
      ...new Set(options.world.apps.map(a => a.service)),
    ].sort();
    this.index = new LogIndex(new LogTemplates(services), options.seed);
    this.generator = new LogGenerator(
      options.world,
      this.index,
      options.clock,
      options.seed,
      options.days ?? 7,
    );
    this.clusterUuid = crypto
      .createHash('sha1')
      .update(`es-${options.seed}`)
      .digest('base64url')
      .slice(0, 22);
  }

  /** Writes every log line up to the clock's now (the first call seeds the past days). */
  catchUp(): void {
    this.generator.catchUp();
  }

  /** Lines in the index. */
  get size(): number {
    return this.index.streams.reduce((n, s) => n + s.length, 0);
  }

  /** `ApiKey` header value of the first API key (clients send `base64(id:api_key)`). */
  get encodedApiKey(): string {
    const k = this.options.apiKeys[0];
    return Buffer.from(`${k.id}:${k.key}`).toString('base64');
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    // Not Elasticsearch: the sandbox's own counters, for benchmarks (as the Argo CD stand-in has).
    app.get('/_sandbox/requests', (_req, res) => {
      res.json(this.requests);
    });
    app.use((_req, _res, next) => {
      if (this.latencyMs > 0) setTimeout(next, this.latencyMs);
      else next();
    });
    app.use((req, res, next) => this.authenticate(req, res, next));
    app.use(express.raw({ type: () => true, limit: '100mb' }));
    app.use((req, _res, next) => {
      for (const key of Object.keys(req.query)) {
        if (!SEARCH_PARAMS.has(key)) {
          throw illegalArgument(
            `request [${req.path}] contains unrecognized parameter: [${key}]`,
          );
        }
      }
      next();
    });

    const route = (
      methods: string[],
      paths: string[],
      handler: (req: Request, res: Response) => void,
    ) => {
      for (const path of paths) {
        app.all(path, (req, res) => {
          if (!methods.includes(req.method)) {
            throw new EsError(
              405,
              'method_not_allowed',
              `Incorrect HTTP method for uri [${req.originalUrl}] and method [${
                req.method
              }], allowed: [${methods.join(', ')}]`,
            );
          }
          this.catchUp();
          handler(req, res);
        });
      }
    };

    route(['GET', 'HEAD'], ['/'], (req, res) => {
      this.requests.other++;
      const body: estypes.InfoResponse = {
        name: 'portolan-sandbox-es-0',
        cluster_name: 'portolan-sandbox',
        cluster_uuid: this.clusterUuid,
        version: VERSION,
        tagline: 'You Know, for Search',
      };
      this.send(req, res, 200, body);
    });
    route(['GET', 'POST'], ['/_search', '/:index/_search'], (req, res) => {
      this.requests.search++;
      const body = this.jsonBody(req);
      let target: SearchTarget;
      if (body.pit) {
        if (req.params.index) {
          throw new EsError(
            400,
            'action_request_validation_exception',
            'Validation Failed: 1: [indices] cannot be used with point in time. Do not specify any index with point in time.;',
          );
        }
        target = this.pitTarget(body.pit);
        delete body.pit;
      } else {
        target = this.target(req.params.index ?? '_all', req.query);
      }
      const response = executeSearch(
        this.index,
        target,
        body,
        this.options.clock.now(),
        {
          params: req.query as Record<string, string>,
        },
      );
      this.send(req, res, 200, response);
    });
    route(['POST'], ['/:index/_pit'], (req, res) => {
      this.requests.openPointInTime++;
      if (req.query.keep_alive === undefined) {
        throw new EsError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: [keep_alive] is not specified;',
        );
      }
      const keepAlive = parseTimeValue(req.query.keep_alive, 'keep_alive');
      const target = this.target(req.params.index, req.query);
      const id = crypto.randomBytes(48).toString('base64');
      this.pits.set(id, {
        streams: target.streams.map(s => s.id),
        snapshot: new Map(target.streams.map(s => [s.id, s.length])),
        indexName: req.params.index,
        expiresAt: this.options.clock.now() + keepAlive,
      });
      const body: estypes.OpenPointInTimeResponse = {
        id,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      };
      this.send(req, res, 200, body);
    });
    route(['DELETE'], ['/_pit'], (req, res) => {
      this.requests.closePointInTime++;
      const { id } = this.jsonBody(req);
      if (typeof id !== 'string')
        throw new EsError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: no pit ids specified;',
        );
      const freed = this.pits.delete(id) ? 1 : 0;
      const body: estypes.ClosePointInTimeResponse = {
        succeeded: true,
        num_freed: freed,
      };
      this.send(req, res, freed ? 200 : 404, body);
    });
    route(['GET', 'POST'], ['/_count', '/:index/_count'], (req, res) => {
      this.requests.count++;
      const target = this.target(req.params.index ?? '_all', req.query);
      const count = executeCount(
        this.index,
        target,
        this.jsonBody(req),
        this.options.clock.now(),
      );
      const body: estypes.CountResponse = {
        count,
        _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      };
      this.send(req, res, 200, body);
    });
    route(
      ['GET', 'POST'],
      ['/_field_caps', '/:index/_field_caps'],
      (req, res) => {
        this.requests.fieldCaps++;
        const target = this.target(req.params.index ?? '_all', req.query);
        const requested = String(
          req.query.fields ?? this.jsonBody(req).fields ?? '',
        );
        if (!requested)
          throw illegalArgument("specified fields can't be null or empty");
        this.send(req, res, 200, this.fieldCaps(target, requested.split(',')));
      },
    );
    route(['POST', 'PUT'], ['/_bulk', '/:index/_bulk'], (req, res) => {
      this.requests.bulk++;
      this.send(
        req,
        res,
        200,
        this.bulk(req.params.index, (req.body as Buffer).toString('utf8')),
      );
    });
    route(['GET'], ['/_cat/indices', '/_cat/indices/:index'], (req, res) => {
      this.requests.other++;
      const target = this.target(req.params.index ?? '_all', req.query);
      const records: estypes.CatIndicesResponse = this.catIndices(target);
      if (req.query.format === 'json') {
        this.send(req, res, 200, records);
        return;
      }
      const cols = [
        'health',
        'status',
        'index',
        'uuid',
        'pri',
        'rep',
        'docs.count',
        'docs.deleted',
        'store.size',
        'pri.store.size',
      ] as const;
      const rows = records.map(r =>
        cols.map(c => String((r as Record<string, unknown>)[c] ?? '')),
      );
      if (req.query.v !== undefined) rows.unshift([...cols]);
      const widths = cols.map((_, i) =>
        Math.max(...rows.map(r => r[i].length)),
      );
      res
        .set('x-elastic-product', 'Elasticsearch')
        .type('text/plain; charset=UTF-8');
      res.send(
        rows
          .map(r =>
            r
              .map((v, i) => v.padEnd(widths[i]))
              .join(' ')
              .trimEnd(),
          )
          .join('\n') + (rows.length ? '\n' : ''),
      );
    });

    app.use((req, _res) => {
      this.requests.other++;
      throw illegalArgument(
        `no handler found for uri [${req.originalUrl}] and method [${req.method}]`,
      );
    });
    app.use(
      (err: unknown, req: Request, res: Response, _next: NextFunction) => {
        if (err instanceof EsError) {
          const body = err.body();
          if (req.method === 'HEAD') res.status(err.status).end();
          else this.send(req, res, err.status, body);
          return;
        }
        const e = err as { type?: string; status?: number; message?: string };
        if (e?.type === 'entity.too.large') {
          this.send(
            req,
            res,
            413,
            new EsError(
              413,
              'content_too_long_exception',
              'Request entity too large',
            ).body(),
          );
          return;
        }
        this.send(
          req,
          res,
          500,
          new EsError(500, 'exception', String(e?.message ?? err)).body(),
        );
      },
    );
    return app;
  }

  private send(req: Request, res: Response, status: number, body: unknown) {
    // Answers in the media type asked for, as Elasticsearch 8 does for the
    // compatibility headers its clients send.
    const accept = String(req.headers.accept ?? '');
    const compat = /compatible-with=(\d+)/.exec(accept);
    res.status(status);
    res.set('x-elastic-product', 'Elasticsearch');
    res.type(
      compat
        ? `application/vnd.elasticsearch+json;compatible-with=${compat[1]}`
        : 'application/json; charset=UTF-8',
    );
    res.send(req.method === 'HEAD' ? undefined : JSON.stringify(body));
  }

  private authenticate(req: Request, res: Response, next: NextFunction) {
    const header = String(req.headers.authorization ?? '');
    const [scheme, value = ''] = header.split(' ');
    let ok = false;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      ok =
        i > 0 &&
        decoded.slice(0, i) === this.options.username &&
        decoded.slice(i + 1) === this.options.password;
    } else if (/^apikey$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const [id, key] = [
        decoded.slice(0, decoded.indexOf(':')),
        decoded.slice(decoded.indexOf(':') + 1),
      ];
      ok = this.options.apiKeys.some(k => k.id === id && k.key === key);
    }
    if (ok) {
      next();
      return;
    }
    const challenge = ['Basic realm="security" charset="UTF-8"', 'ApiKey'];
    const reason = header
      ? `unable to authenticate user [${
          /^basic$/i.test(scheme)
            ? Buffer.from(value, 'base64').toString('utf8').split(':')[0]
            : 'api key'
        }] for REST request [${req.path}]`
      : `missing authentication credentials for REST request [${req.originalUrl}]`;
    res.set('WWW-Authenticate', challenge);
    this.send(
      req,
      res,
      401,
      new EsError(401, 'security_exception', reason, {
        header: { 'WWW-Authenticate': challenge },
      }).body(),
    );
  }

  private jsonBody(req: Request): Record<string, any> {
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!raw.trim()) return {};
    try {
      const body = JSON.parse(raw);
      if (!body || typeof body !== 'object' || Array.isArray(body))
        throw new Error('not an object');
      return body;
    } catch (e) {
      throw new EsError(
        400,
        'x_content_parse_exception',
        `[1:1] Failed to parse object: ${(e as Error).message}`,
      );
    }
  }

  /** Resolves an index expression (`logs-*`, `a,b`, `_all`, `-excluded`) like Elasticsearch. */
  private target(
    expression: string,
    query: Record<string, unknown>,
  ): SearchTarget {
    const names = this.index.indexNames();
    const selected = new Set<string>();
    for (const part of expression.split(',')) {
      const exclude = part.startsWith('-') && selected.size > 0;
      const pattern = exclude ? part.slice(1) : part;
      const wildcard = pattern === '_all' || pattern.includes('*');
      const re = new RegExp(
        `^${
          pattern === '_all'
            ? '.*'
            : pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
        }$`,
      );
      const matches = names.filter(n => re.test(n));
      if (
        !wildcard &&
        matches.length === 0 &&
        query.ignore_unavailable !== 'true'
      )
        throw indexNotFound(pattern);
      for (const m of matches) {
        if (exclude) selected.delete(m);
        else selected.add(m);
      }
    }
    if (selected.size === 0 && query.allow_no_indices === 'false')
      throw indexNotFound(expression);
    return {
      streams: this.index.streams.filter(s => selected.has(s.index)),
      indexName: [...selected][0] ?? expression,
    };
  }

  private pitTarget(pit: { id?: unknown; keep_alive?: unknown }): SearchTarget {
    const id = String(pit?.id ?? '');
    const found = this.pits.get(id);
    const now = this.options.clock.now();
    if (!found || found.expiresAt < now) {
      this.pits.delete(id);
      throw new EsError(
        404,
        'search_context_missing_exception',
        `No search context found for id [${id.slice(0, 24)}...]`,
      );
    }
    if (pit.keep_alive !== undefined)
      found.expiresAt = now + parseTimeValue(pit.keep_alive, 'keep_alive');
    return {
      streams: found.streams.map(i => this.index.streams[i]),
      indexName: found.indexName,
      snapshot: found.snapshot,
      pitId: id,
    };
  }

  private fieldCaps(
    target: SearchTarget,
    patterns: string[],
  ): estypes.FieldCapsResponse {
    const indices = [...new Set(target.streams.map(s => s.index))].sort();
    const all: Record<string, string> = {
      _id: '_id',
      _index: '_index',
      ...MAPPING,
      ...Object.fromEntries(this.dynamicFields),
    };
    const res = patterns.map(
      p =>
        new RegExp(
          `^${p
            .trim()
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')}$`,
        ),
    );
    const fields: estypes.FieldCapsResponse['fields'] = {};
    for (const [name, type] of Object.entries(all)) {
      if (!res.some(r => r.test(name)) || indices.length === 0) continue;
      const metadata = name.startsWith('_');
      fields[name] = {
        [type]: {
          type,
          metadata_field: metadata,
          searchable: true,
          aggregatable: type !== 'text' && name !== '_id',
        },
      };
    }
    return { indices, fields };
  }

  private catIndices(target: SearchTarget): estypes.CatIndicesResponse {
    const byIndex = new Map<string, LogStream[]>();
    for (const s of target.streams)
      byIndex.set(s.index, [...(byIndex.get(s.index) ?? []), s]);
    return [...byIndex.entries()].sort().map(([name, streams]) => {
      const docs = streams.reduce((n, s) => n + s.length, 0);
      const size = `${Math.max(1, Math.round((docs * 180) / 1024 / 1024))}mb`;
      return {
        health: 'green',
        status: 'open',
        index: name,
        uuid: crypto
          .createHash('sha1')
          .update(name)
          .digest('base64url')
          .slice(0, 22),
        pri: '1',
        rep: '0',
        'docs.count': String(docs),
        'docs.deleted': '0',
        'store.size': size,
        'pri.store.size': size,
      };
    });
  }

  private bulk(
    pathIndex: string | undefined,
    ndjson: string,
  ): estypes.BulkResponse {
    const started = Date.now();
    const lines = ndjson.split('\n').filter(l => l.trim());
    const items: estypes.BulkResponse['items'] = [];
    for (let i = 0; i < lines.length; i += 2) {
      let action: Record<string, any>;
      try {
        action = JSON.parse(lines[i]);
      } catch {
        throw illegalArgument(
          `Malformed action/metadata line [${
            i + 1
          }], expected START_OBJECT but found [VALUE_STRING]`,
        );
      }
      const [op] = Object.keys(action);
      const meta = action[op] ?? {};
      const indexName: string | undefined = meta._index ?? pathIndex;
      if (op !== 'index' && op !== 'create') {
        items.push({
          [op]: {
            _index: indexName ?? '',
            status: 400,
            error: {
              type: 'illegal_argument_exception',
              reason: `the Portolan sandbox stand-in indexes with [index] and [create] only, not [${op}]`,
            },
          },
        });
        if (op !== 'delete') i++;
        else i--;
        continue;
      }
      if (!indexName)
        throw new EsError(
          400,
          'action_request_validation_exception',
          'Validation Failed: 1: index is missing;',
        );
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(lines[i + 1] ?? '');
      } catch (e) {
        items.push({
          [op]: {
            _index: indexName,
            status: 400,
            error: {
              type: 'document_parsing_exception',
              reason: `[1:1] failed to parse: ${(e as Error).message}`,
            },
          },
        });
        continue;
      }
      const flat = flatten(doc);
      const ts = Date.parse(String(flat['@timestamp'] ?? ''));
      if (Number.isNaN(ts)) {
        items.push({
          [op]: {
            _index: indexName,
            status: 400,
            error: {
              type: 'document_parsing_exception',
              reason:
                '[1:1] failed to parse: data stream timestamp field [@timestamp] is missing',
            },
          },
        });
        continue;
      }
      for (const [k, v] of Object.entries(flat)) {
        if (MAPPING[k] || this.dynamicFields.has(k)) continue;
        this.dynamicFields.set(k, dynamicFieldType(v));
      }
      const str = (k: string) =>
        typeof flat[k] === 'string' ? (flat[k] as string) : '';
      const stream = this.index.stream(
        str('service.name'),
        str('service.environment'),
        str('kubernetes.namespace'),
        str('orchestrator.cluster.name'),
        indexName,
      );
      const traceId = str('trace.id');
      const seq = stream.append(
        ts,
        this.index.levelId(str('log.level')),
        stream.podId(str('kubernetes.pod.name'), str('kubernetes.node.name')),
        traceId
          ? this.index.findTrace(traceId) ?? this.index.literalTrace(traceId)
          : 0,
        LITERAL_TEMPLATE,
        0,
      );
      stream.literal.set(seq, doc);
      const id = Buffer.alloc(6);
      id.writeUInt16BE(stream.id, 0);
      id.writeUInt32BE(seq, 2);
      items.push({
        [op]: {
          _index: indexName,
          _id: id.toString('base64url'),
          _version: 1,
          result: 'created',
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: seq,
          _primary_term: 1,
          status: 201,
        },
      });
    }
    return {
      took: Date.now() - started,
      errors: items.some(it => Object.values(it)[0]?.error),
      items,
    };
  }
}
