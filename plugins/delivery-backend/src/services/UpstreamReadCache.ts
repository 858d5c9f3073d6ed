import { LRUCache } from 'lru-cache';

/**
 * Merges identical concurrent reads of an upstream and keeps the answer
 * briefly: twenty people opening the same service page make one Argo CD
 * list call, not twenty. Keys name the upstream and the exact query; only
 * answers that do not depend on the caller are cached (permission checks
 * and catalog reads happen around it, with the caller's credentials).
 * Failures are not cached: the next read asks again.
 */
export class UpstreamReadCache {
  private readonly cache: LRUCache<
    string,
    { value: unknown },
    () => Promise<unknown>
  >;

  constructor(options: { ttlMs?: number; max?: number } = {}) {
    this.cache = new LRUCache({
      max: options.max ?? 1000,
      ttl: options.ttlMs ?? 5_000,
      // lru-cache merges concurrent fetches of one key into one call.
      fetchMethod: async (_key, _stale, { context }) => ({
        value: await context(),
      }),
    });
  }

  /** Forgets what a write made stale, so the next read asks again. */
  forget(matches: (key: string) => boolean): void {
    for (const key of [...this.cache.keys()]) {
      if (matches(key)) this.cache.delete(key);
    }
  }

  async read<T>(key: string, load: () => Promise<T>): Promise<T> {
    const entry = await this.cache.fetch(key, { context: load });
    return entry!.value as T;
  }
}
