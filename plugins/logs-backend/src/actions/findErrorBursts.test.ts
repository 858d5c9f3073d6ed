import { findErrorBursts } from './findErrorBursts';

const MIN = 60_000;
const buckets = (counts: number[]) =>
  counts.map((count, i) => ({ t: i * 10 * MIN, count }));

describe('findErrorBursts', () => {
  it('finds the buckets far above the usual rate, adjacent ones as one burst, largest first', () => {
    const { baselinePerBucket, bursts } = findErrorBursts(
      buckets([2, 3, 2, 40, 55, 3, 2, 1, 2, 25, 2, 3]),
      10 * MIN,
    );
    expect(baselinePerBucket).toBe(2.5);
    expect(bursts).toEqual([
      { start: 30 * MIN, end: 50 * MIN, count: 95, peakPerBucket: 55 },
      { start: 90 * MIN, end: 100 * MIN, count: 25, peakPerBucket: 25 },
    ]);
  });

  it('finds none in a steady rate, nor in a handful of errors', () => {
    expect(
      findErrorBursts(buckets([20, 22, 19, 25, 21, 20]), 10 * MIN).bursts,
    ).toEqual([]);
    expect(findErrorBursts(buckets([0, 0, 3, 0, 0]), 10 * MIN).bursts).toEqual(
      [],
    );
    expect(findErrorBursts([], 10 * MIN).bursts).toEqual([]);
  });
});
