import { LEVELS, LITERAL_TEMPLATE, LogStream } from './LogStream';
import { LogTemplates, mix } from './logTemplates';

/** Field types of the log indices, as the `logs` index template maps ECS fields. */
export const MAPPING: Record<string, 'date' | 'text' | 'keyword' | 'long'> = {
  '@timestamp': 'date',
  message: 'text',
  'log.level': 'keyword',
  'log.logger': 'keyword',
  'service.name': 'keyword',
  'service.environment': 'keyword',
  'service.version': 'keyword',
  'kubernetes.namespace': 'keyword',
  'kubernetes.pod.name': 'keyword',
  'kubernetes.node.name': 'keyword',
  'kubernetes.container.name': 'keyword',
  'orchestrator.cluster.name': 'keyword',
  'trace.id': 'keyword',
  'http.request.method': 'keyword',
  'http.response.status_code': 'long',
  'url.path': 'keyword',
  'event.duration': 'long',
  'error.type': 'keyword',
  'user.id': 'keyword',
  'data_stream.type': 'keyword',
  'data_stream.dataset': 'keyword',
  'data_stream.namespace': 'keyword',
  'ecs.version': 'keyword',
};

const MASK48 = 0x5a3c96e1f00d;
const LITERAL_TRACE_BASE = 2 ** 50;

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');

/** A flat view of a document: dotted field name → value. */
export type FlatDoc = Record<string, unknown>;

/**
 * The stand-in's log indices: one stream (service × environment) per app,
 * grouped into indices `logs-app-<environment>` (ECS data stream naming:
 * type-dataset-namespace).
 */
export class LogIndex {
  readonly streams: LogStream[] = [];
  private readonly byKey = new Map<string, LogStream>();
  private readonly levels = [...LEVELS];
  private readonly levelIds = new Map(LEVELS.map((l, i) => [l, i]));
  private readonly literalTraces = new Map<string, number>();
  private readonly literalTraceIds: string[] = [];
  /** Index names created through `_bulk` that hold no stream yet. */
  readonly createdAt = new Map<string, number>();

  constructor(
    readonly templates: LogTemplates,
    private readonly seed: number,
  ) {}

  static indexName(environment: string): string {
    return `logs-app-${environment}`;
  }

  stream(
    service: string,
    environment: string,
    namespace: string,
    cluster: string,
    index?: string,
  ): LogStream {
    const name = index ?? LogIndex.indexName(environment);
    const key = `${name}\u0000${service}\u0000${environment}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = new LogStream(
        this.streams.length,
        name,
        service,
        environment,
        namespace,
        cluster,
      );
      this.streams.push(s);
      this.byKey.set(key, s);
    }
    return s;
  }

  indexNames(): string[] {
    return [
      ...new Set([...this.streams.map(s => s.index), ...this.createdAt.keys()]),
    ].sort();
  }

  levelId(level: string): number {
    let id = this.levelIds.get(level);
    if (id === undefined) {
      id = this.levels.length;
      this.levels.push(level);
      this.levelIds.set(level, id);
    }
    return id;
  }

  findLevel(level: string): number | undefined {
    return this.levelIds.get(level);
  }

  levelName(id: number): string {
    return this.levels[id];
  }

  /** Trace number of a generated trace (+1, as the trace column stores it). */
  generatedTrace(slot: number, env: number, k: number): number {
    return (slot * 4 + env) * 64 + k + 1;
  }

  /** The W3C-style 32-hex trace id of a stored trace number. */
  traceId(stored: number): string {
    if (stored === 0) return '';
    const num = stored - 1;
    if (num >= LITERAL_TRACE_BASE)
      return this.literalTraceIds[num - LITERAL_TRACE_BASE];
    const lo = num % 2 ** 24;
    const hi = Math.floor(num / 2 ** 24);
    const mlo = lo ^ MASK48 % 2 ** 24;
    const mhi = hi ^ Math.floor(MASK48 / 2 ** 24);
    return (
      hex8(mix(this.seed, lo, hi)) +
      hex8(mix(hi, lo, 0x51)) +
      mhi.toString(16).padStart(6, '0') +
      mlo.toString(16).padStart(6, '0') +
      hex8(mix(lo, this.seed)).slice(0, 4)
    );
  }

  /** The stored trace number of a trace id, if any line may carry it. */
  findTrace(id: string): number | undefined {
    const literal = this.literalTraces.get(id);
    if (literal !== undefined) return literal + 1;
    if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
    const mhi = parseInt(id.slice(16, 22), 16);
    const mlo = parseInt(id.slice(22, 28), 16);
    const hi = mhi ^ Math.floor(MASK48 / 2 ** 24);
    const lo = mlo ^ MASK48 % 2 ** 24;
    const stored = hi * 2 ** 24 + lo + 1;
    return this.traceId(stored) === id ? stored : undefined;
  }

  /** The 5 s slot a generated trace belongs to (its lines are all in it). */
  traceSlot(stored: number): number | undefined {
    const num = stored - 1;
    if (num >= LITERAL_TRACE_BASE) return undefined;
    return Math.floor(num / 64 / 4);
  }

  literalTrace(id: string): number {
    let n = this.literalTraces.get(id);
    if (n === undefined) {
      n = LITERAL_TRACE_BASE + this.literalTraceIds.length;
      this.literalTraceIds.push(id);
      this.literalTraces.set(id, n);
    }
    return n + 1;
  }

  /** `_id` of a line: stream and sequence number, base64url like Elasticsearch's ids. */
  docId(stream: LogStream, pos: number): string {
    const b = Buffer.alloc(6);
    b.writeUInt16BE(stream.id, 0);
    b.writeUInt32BE(stream.seq.data[pos], 2);
    return b.toString('base64url');
  }

  parseDocId(id: string): { stream: LogStream; pos: number } | undefined {
    const b = Buffer.from(id, 'base64url');
    if (b.length !== 6 || b.toString('base64url') !== id) return undefined;
    const stream = this.streams[b.readUInt16BE(0)];
    if (!stream) return undefined;
    const pos = stream.positionOf(b.readUInt32BE(2));
    return pos < 0 ? undefined : { stream, pos };
  }

  /** The flattened document at a position. */
  flat(stream: LogStream, pos: number): FlatDoc {
    const template = stream.template.data[pos];
    if (template === LITERAL_TEMPLATE) {
      return flatten(stream.literal.get(stream.seq.data[pos]) ?? {});
    }
    const t = this.templates.all[template];
    const { message, values } = this.templates.render(
      t,
      stream.param.data[pos],
    );
    const pod = stream.pod.data[pos];
    const podName = stream.pods[pod];
    const doc: FlatDoc = {
      '@timestamp': new Date(stream.ts.data[pos]).toISOString(),
      message,
      'log.level': this.levels[stream.level.data[pos]],
      'log.logger': t.logger,
      'service.name': stream.service,
      'service.environment': stream.environment,
      'service.version': podName.split('-').slice(-2, -1)[0],
      'kubernetes.namespace': stream.namespace,
      'kubernetes.pod.name': podName,
      'kubernetes.node.name': stream.podNodes[pod],
      'kubernetes.container.name': stream.service,
      'orchestrator.cluster.name': stream.cluster,
    };
    const trace = stream.trace.data[pos];
    if (trace) doc['trace.id'] = this.traceId(trace);
    if (values.method) doc['http.request.method'] = values.method;
    if (values.path) doc['url.path'] = values.path;
    if (values.status ?? values.status5xx)
      doc['http.response.status_code'] = Number(
        values.status ?? values.status5xx,
      );
    if (values.ms) doc['event.duration'] = Number(values.ms) * 1_000_000;
    if (values.user) doc['user.id'] = values.user;
    if (t.errorType) doc['error.type'] = t.errorType;
    doc['data_stream.type'] = 'logs';
    doc['data_stream.dataset'] = 'app';
    doc['data_stream.namespace'] = stream.environment;
    doc['ecs.version'] = '8.11.0';
    return doc;
  }

  /** The `_source` of a line: ECS objects nested as the shipper sent them. */
  source(stream: LogStream, pos: number): Record<string, unknown> {
    if (stream.template.data[pos] === LITERAL_TEMPLATE)
      return stream.literal.get(stream.seq.data[pos]) ?? {};
    return nest(this.flat(stream, pos));
  }

  /** Message text only (what text queries read), without building the whole document. */
  message(stream: LogStream, pos: number): string {
    const template = stream.template.data[pos];
    if (template === LITERAL_TEMPLATE) {
      const m = flatten(stream.literal.get(stream.seq.data[pos]) ?? {}).message;
      return typeof m === 'string' ? m : '';
    }
    return this.templates.render(
      this.templates.all[template],
      stream.param.data[pos],
    ).message;
  }
}

/** `{ a: { b: 1 } }` → `{ 'a.b': 1 }` (arrays kept as values). */
export function flatten(
  obj: Record<string, unknown>,
  prefix = '',
  out: FlatDoc = {},
): FlatDoc {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v))
      flatten(v as Record<string, unknown>, key, out);
    else out[key] = v;
  }
  return out;
}

/** Field name → its path in `_source`, split once (every hit of every search nests ~20 fields). */
const sourcePaths = new Map<string, string[]>();

function sourcePath(key: string): string[] {
  let parts = sourcePaths.get(key);
  if (!parts) {
    // @timestamp and message stay top level; the rest are ECS objects.
    parts = key.startsWith('@') ? [key] : key.split('.');
    // Field names come from the mapping and bulk-indexed lines: bounded, but not trusted.
    if (sourcePaths.size < 10_000) sourcePaths.set(key, parts);
  }
  return parts;
}

function nest(flat: FlatDoc): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const key in flat) {
    if (!Object.prototype.hasOwnProperty.call(flat, key)) continue;
    const parts = sourcePath(key);
    let o = out;
    for (let i = 0; i < parts.length - 1; i++) o = o[parts[i]] ??= {};
    o[parts[parts.length - 1]] = flat[key];
  }
  return out;
}
