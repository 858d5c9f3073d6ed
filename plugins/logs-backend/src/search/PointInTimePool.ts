import { LogClusterClient } from '../elasticsearch/LogClusterClient';

/** How long a point in time lives between uses. */
export const PIT_KEEP_ALIVE = '5m';
const KEEP_ALIVE_MS = 5 * 60_000;

interface Entry {
  id: string;
  openedAt: number;
  usedAt: number;
}

/**
 * One point in time per cluster and index pattern, shared by every user's
 * deep pages: a point in time opened after a first page was searched holds
 * every line that page saw, so any cursor from before its opening can page
 * on in it. It is opened in the background once a first page has more to
 * show, so no page waits for it (the first search of a new point in time
 * only if the user scrolls before it is ready).
 */
export class PointInTimePool {
  private readonly entries = new Map<string, Entry>();
  private readonly opening = new Map<
    string,
    { startedAt: number; entry: Promise<Entry> }
  >();
  /** Background openings scheduled, by cluster and index: the latest search each must cover. */
  private readonly scheduled = new Map<string, number>();

  /**
   * @param prefetchDelayMs how long a background opening waits, so that
   * every first page searched meanwhile shares it: under load, one opening
   * per cluster and index and interval rather than one per search (each
   * also costs the cluster a point in time kept for 5 minutes).
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly prefetchDelayMs = 1_000,
  ) {}

  /** A point in time opened at or after `notBefore`. */
  async acquire(
    client: LogClusterClient,
    index: string,
    notBefore: number,
  ): Promise<string> {
    const key = `${client.name}\u0000${index}`;
    const current = this.entries.get(key);
    const now = this.now();
    if (
      current &&
      current.openedAt >= notBefore &&
      now - current.usedAt < KEEP_ALIVE_MS - 30_000
    ) {
      current.usedAt = now;
      return current.id;
    }
    let pending = this.opening.get(key)?.entry;
    if (!pending) {
      const openedAt = this.now();
      pending = client
        .openPointInTime(index, PIT_KEEP_ALIVE)
        .then(id => {
          const entry = { id, openedAt, usedAt: openedAt };
          this.entries.set(key, entry);
          return entry;
        })
        .finally(() => this.opening.delete(key));
      this.opening.set(key, { startedAt: openedAt, entry: pending });
    }
    const entry = await pending;
    if (entry.openedAt < notBefore)
      return this.acquire(client, index, notBefore);
    return entry.id;
  }

  /**
   * Opens one in the background, after `prefetchDelayMs`, unless one opened
   * (or opening, or scheduled) at or after `notBefore` will do. Errors
   * surface on the page that needs it.
   */
  prefetch(client: LogClusterClient, index: string, notBefore: number): void {
    const key = `${client.name}\u0000${index}`;
    const current = this.entries.get(key);
    if (current && current.openedAt >= notBefore) return;
    const pending = this.opening.get(key);
    if (pending && pending.startedAt >= notBefore) return;
    // A scheduled opening will cover this search too.
    const latest = this.scheduled.get(key);
    if (latest !== undefined) {
      this.scheduled.set(key, Math.max(latest, notBefore));
      return;
    }
    this.scheduled.set(key, notBefore);
    const timer = setTimeout(() => {
      const cover = this.scheduled.get(key) ?? notBefore;
      this.scheduled.delete(key);
      this.acquire(client, index, cover).catch(() => undefined);
    }, this.prefetchDelayMs);
    timer.unref?.();
  }
}
