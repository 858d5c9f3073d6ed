import { LogClusterClient } from '../elasticsearch/LogClusterClient';
import { PointInTimePool } from './PointInTimePool';

/** A cluster that counts point-in-time openings; each opening takes `openMs`. */
function fakeCluster(openMs = 5) {
  let opened = 0;
  const client = {
    name: 'c1',
    openPointInTime: jest.fn(async () => {
      await new Promise(r => setTimeout(r, openMs));
      opened++;
      return `pit-${opened}`;
    }),
  } as unknown as LogClusterClient;
  return { client, opened: () => opened };
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

describe('PointInTimePool', () => {
  let clock = 1_000;
  const now = () => clock;

  it('opens one point in time for all first pages searched while a background opening waits', async () => {
    const { client, opened } = fakeCluster();
    const pool = new PointInTimePool(now, 30);
    const starts: number[] = [];
    for (let i = 0; i < 10; i++) {
      clock += 7;
      starts.push(clock);
      pool.prefetch(client, 'logs-*', clock);
    }
    expect(opened()).toBe(0);
    clock += 7;
    await sleep(80);
    expect(opened()).toBe(1);
    // Every one of those searches pages on in it, without another opening.
    for (const started of starts)
      expect(await pool.acquire(client, 'logs-*', started)).toBe('pit-1');
    expect(opened()).toBe(1);
  });

  it('opens again for a search that started after the shared point in time was opened', async () => {
    const { client, opened } = fakeCluster();
    const pool = new PointInTimePool(now, 10);
    pool.prefetch(client, 'logs-*', clock);
    await sleep(40);
    expect(opened()).toBe(1);
    clock += 1_000;
    expect(await pool.acquire(client, 'logs-*', clock)).toBe('pit-2');
    expect(opened()).toBe(2);
  });

  it('covers a later search joining a scheduled opening even when a page opened one meanwhile', async () => {
    const { client, opened } = fakeCluster(1);
    const pool = new PointInTimePool(now, 40);
    pool.prefetch(client, 'logs-*', clock);
    // A second page right away opens one on demand.
    expect(await pool.acquire(client, 'logs-*', clock)).toBe('pit-1');
    clock += 5;
    const later = clock;
    pool.prefetch(client, 'logs-*', later);
    clock += 5;
    await sleep(90);
    expect(opened()).toBe(2);
    expect(await pool.acquire(client, 'logs-*', later)).toBe('pit-2');
  });

  it('does not prefetch when the current point in time already covers the search', async () => {
    const { client, opened } = fakeCluster(1);
    const pool = new PointInTimePool(now, 5);
    const started = clock;
    clock += 1;
    await pool.acquire(client, 'logs-*', started);
    pool.prefetch(client, 'logs-*', started);
    await sleep(30);
    expect(opened()).toBe(1);
  });
});
