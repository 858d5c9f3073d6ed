import { Column, lowerBound } from './columns';

/** Log levels, as the index's dictionary numbers them (bulk-indexed lines may add more). */
export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** Template number of a line indexed through `_bulk`: its source is kept as given. */
export const LITERAL_TEMPLATE = 0xffff;

/**
 * The lines of one service in one environment (one index), as columns
 * sorted by time, with posting lists (sorted positions) per level, per pod
 * and for lines that carry a trace id: a query walks the smallest list that
 * its filters allow instead of every line.
 */
export class LogStream {
  readonly ts = new Column(Float64Array);
  /** Sequence number within the stream: stable id of the line (`_id`, `_shard_doc`, point-in-time). */
  readonly seq = new Column(Uint32Array);
  readonly level = new Column(Uint8Array);
  readonly pod = new Column(Uint16Array);
  /** 0: no trace; else the trace's number + 1 (ascending with time for generated lines). */
  readonly trace = new Column(Float64Array);
  readonly template = new Column(Uint16Array);
  readonly param = new Column(Uint32Array);
  readonly pods: string[] = [];
  readonly podNodes: string[] = [];
  private readonly podIds = new Map<string, number>();
  private levelPostings: Column<Uint32Array>[] = [];
  private podPostings: Column<Uint32Array>[] = [];
  private tracePostings = new Column(Uint32Array);
  /** Sources of lines indexed through `_bulk`, by sequence number. */
  readonly literal = new Map<number, Record<string, unknown>>();
  private nextSeq = 0;
  private dirty = false;

  constructor(
    readonly id: number,
    readonly index: string,
    readonly service: string,
    readonly environment: string,
    readonly namespace: string,
    readonly cluster: string,
  ) {}

  get length(): number {
    return this.ts.length;
  }

  podId(name: string, node = ''): number {
    let id = this.podIds.get(name);
    if (id === undefined) {
      id = this.pods.length;
      this.pods.push(name);
      this.podNodes.push(node);
      this.podIds.set(name, id);
      this.podPostings.push(new Column(Uint32Array, 256));
    }
    return id;
  }

  findPod(name: string): number | undefined {
    return this.podIds.get(name);
  }

  append(
    ts: number,
    level: number,
    pod: number,
    trace: number,
    template: number,
    param: number,
  ): number {
    const n = this.ts.length;
    if (n > 0 && ts < this.ts.data[n - 1]) this.dirty = true;
    const seq = this.nextSeq++;
    this.ts.push(ts);
    this.seq.push(seq);
    this.level.push(level);
    this.pod.push(pod);
    this.trace.push(trace);
    this.template.push(template);
    this.param.push(param);
    if (!this.dirty) this.post(n);
    return seq;
  }

  private post(pos: number) {
    const level = this.level.data[pos];
    while (this.levelPostings.length <= level)
      this.levelPostings.push(new Column(Uint32Array, 256));
    this.levelPostings[level].push(pos);
    this.podPostings[this.pod.data[pos]].push(pos);
    if (this.trace.data[pos] !== 0) this.tracePostings.push(pos);
  }

  /** Puts lines indexed out of order (through `_bulk`) in time order again; rebuilds the postings. */
  settle(): void {
    if (!this.dirty) return;
    const n = this.length;
    const order = Array.from({ length: n }, (_, i) => i).sort(
      (a, b) =>
        this.ts.data[a] - this.ts.data[b] ||
        this.seq.data[a] - this.seq.data[b],
    );
    for (const col of [
      this.ts,
      this.seq,
      this.level,
      this.pod,
      this.trace,
      this.template,
      this.param,
    ] as Column<any>[]) {
      const old = col.view().slice();
      col.replace(order.map(i => old[i]));
    }
    this.levelPostings = this.levelPostings.map(
      () => new Column(Uint32Array, 256),
    );
    this.podPostings = this.podPostings.map(() => new Column(Uint32Array, 256));
    this.tracePostings = new Column(Uint32Array);
    this.dirty = false;
    for (let i = 0; i < n; i++) this.post(i);
  }

  /** Positions [lo, hi) of the lines with from <= ts < to. */
  range(from: number, to: number): [number, number] {
    const ts = this.ts.view();
    return [lowerBound(ts, from), lowerBound(ts, to)];
  }

  levelPosting(level: number): Uint32Array {
    return this.levelPostings[level]?.view() ?? new Uint32Array(0);
  }

  podPosting(pod: number): Uint32Array {
    return this.podPostings[pod]?.view() ?? new Uint32Array(0);
  }

  tracePosting(): Uint32Array {
    return this.tracePostings.view();
  }

  /** Position of a sequence number, or -1. */
  positionOf(seq: number): number {
    const s = this.seq.view();
    // Generated streams are in sequence order; after a re-sort, search.
    if (s[seq] === seq) return seq;
    return s.indexOf(seq);
  }
}
