import { UpstreamReadCache } from './UpstreamReadCache';

describe('UpstreamReadCache', () => {
  it('makes one upstream call for identical concurrent reads, and answers from memory within the TTL', async () => {
    const cache = new UpstreamReadCache({ ttlMs: 60_000 });
    let calls = 0;
    const load = async () => {
      calls++;
      await new Promise(r => setTimeout(r, 20));
      return { apps: calls };
    };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => cache.read('argocd:prod:list', load)),
    );
    expect(calls).toBe(1);
    expect(new Set(answers.map(a => a.apps))).toEqual(new Set([1]));
    expect(await cache.read('argocd:prod:list', load)).toEqual({ apps: 1 });
    // Another query is another call.
    await cache.read('argocd:prod:list:selector=x', load);
    expect(calls).toBe(2);
  });

  it('forgets the keys a write made stale', async () => {
    const cache = new UpstreamReadCache({ ttlMs: 60_000 });
    await cache.read('rollouts|prod-eu|payments', async () => 'before');
    await cache.read('rollouts|dev|payments', async () => 'dev');
    cache.forget(key => key.includes('|prod-eu|'));
    expect(
      await cache.read('rollouts|prod-eu|payments', async () => 'after'),
    ).toBe('after');
    expect(
      await cache.read('rollouts|dev|payments', async () => 'not asked'),
    ).toBe('dev');
  });

  it('asks again after the TTL, and never keeps a failure', async () => {
    const cache = new UpstreamReadCache({ ttlMs: 30 });
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('Argo CD instance argocd-prod: no answer within 5 s');
    };
    await expect(cache.read('k', failing)).rejects.toThrow('no answer');
    await expect(cache.read('k', async () => 'recovered')).resolves.toBe(
      'recovered',
    );
    expect(calls).toBe(1);
    await new Promise(r => setTimeout(r, 50));
    await expect(cache.read('k', async () => 'fresh')).resolves.toBe('fresh');
  });
});
