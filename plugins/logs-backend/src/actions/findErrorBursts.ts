import { HistogramBucket } from '@portolan/plugin-logs-common';

/** A run of histogram buckets whose error count stands out from the rest. */
export interface ErrorBurst {
  /** Start of the first bucket, epoch ms. */
  start: number;
  /** End of the last bucket, epoch ms. */
  end: number;
  count: number;
  peakPerBucket: number;
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The buckets where errors spike: counts above the median by more than
 * three median absolute deviations, at least three times the median and at
 * least `minCount`; adjacent ones merged into one burst. Robust statistics,
 * so one burst does not raise its own bar. Largest first.
 */
export function findErrorBursts(
  buckets: Array<Pick<HistogramBucket, 't' | 'count'>>,
  intervalMs: number,
  options: { minCount?: number } = {},
): { baselinePerBucket: number; bursts: ErrorBurst[] } {
  const counts = buckets.map(b => b.count);
  const baseline = median(counts);
  const mad = median(counts.map(c => Math.abs(c - baseline)));
  const bar = Math.max(baseline + 3 * mad, baseline * 3, options.minCount ?? 5);
  const bursts: ErrorBurst[] = [];
  let current: ErrorBurst | undefined;
  for (const b of [...buckets].sort((x, y) => x.t - y.t)) {
    if (b.count < bar || b.count === 0) {
      current = undefined;
      continue;
    }
    if (current && current.end === b.t) {
      current.end = b.t + intervalMs;
      current.count += b.count;
      current.peakPerBucket = Math.max(current.peakPerBucket, b.count);
    } else {
      current = {
        start: b.t,
        end: b.t + intervalMs,
        count: b.count,
        peakPerBucket: b.count,
      };
      bursts.push(current);
    }
  }
  return {
    baselinePerBucket: baseline,
    bursts: bursts.sort((a, b) => b.count - a.count),
  };
}
