type TypedArray = Float64Array | Uint32Array | Uint16Array | Uint8Array;
type TypedArrayConstructor<T extends TypedArray> = { new (length: number): T };

/** An append-only typed array that grows by doubling: one column of the index. */
export class Column<T extends TypedArray> {
  data: T;
  length = 0;

  /** The typed array's constructor (Float64Array, Uint32Array, ...), used to grow the column. */
  private readonly ArrayType: TypedArrayConstructor<T>;

  constructor(ArrayType: TypedArrayConstructor<T>, capacity = 1024) {
    this.ArrayType = ArrayType;
    this.data = new ArrayType(capacity);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new this.ArrayType(this.data.length * 2);
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
    this.data = new this.ArrayType(Math.max(1024, values.length * 2));
    this.data.set(values as any);
    this.length = values.length;
  }
}

/** First index in [from, to) whose value is not `before` (values ordered so that those come first). */
function partitionPoint(
  values: ArrayLike<number>,
  before: (value: number) => boolean,
  from: number,
  to: number,
): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(values[mid])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in [from, to) whose value is >= x (values ascending). */
export function lowerBound(
  values: ArrayLike<number>,
  x: number,
  from = 0,
  to = values.length,
): number {
  return partitionPoint(values, v => v < x, from, to);
}

/** First index in [from, to) whose value is > x (values ascending). */
export function upperBound(
  values: ArrayLike<number>,
  x: number,
  from = 0,
  to = values.length,
): number {
  return partitionPoint(values, v => v <= x, from, to);
}
