/** A sliding one-minute window of questions per user (per replica). */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {}

  /** Records a hit; returns the seconds to wait when over the limit. */
  take(key: string): number | undefined {
    const now = this.now();
    const recent = (this.hits.get(key) ?? []).filter(t => now - t < 60_000);
    if (recent.length >= this.perMinute) {
      this.hits.set(key, recent);
      return Math.ceil((recent[0] + 60_000 - now) / 1000);
    }
    recent.push(now);
    this.hits.set(key, recent);
    if (this.hits.size > 10_000)
      for (const [k, v] of this.hits)
        if (v.every(t => now - t >= 60_000)) this.hits.delete(k);
    return undefined;
  }
}
