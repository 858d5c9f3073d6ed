type TypedArray = Float64Array | Uint32Array | Uint16Array | Uint8Array;
type Ctor<T extends TypedArray> = { new (length: number): T };

/** An append-only typed array that grows by doubling: one column of the index. */
export class Column<T extends TypedArray> {
  data: T;
  length = 0;

  constructor(private readonly ctor: Ctor<T>, capacity = 1024) {
    this.data = new ctor(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new this.ctor(this.data.length * 2);
      next.set(this.data as any);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  get(i: number): number {
    return this.data[i];
  }

  /** The values as a plain view of the filled part. */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }

  /** Replaces the contents (after a re-sort). */
  replace(values: ArrayLike<number>): void {
    this.data = new this.ctor(Math.max(1024, values.length * 2));
    this.data.set(values as any);
    this.length = values.length;
  }
}

/** First index in [lo, hi) whose value is >= x (values ascending). */
export function lowerBound(values: ArrayLike<number>, x: number, lo = 0, hi = values.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [lo, hi) whose value is > x (values ascending). */
export function upperBound(values: ArrayLike<number>, x: number, lo = 0, hi = values.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
