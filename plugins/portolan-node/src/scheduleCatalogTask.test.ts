import { ConfigReader } from '@backstage/config';
import { scheduleCatalogTask } from './scheduleCatalogTask';

function fakeScheduler() {
  const scheduled: any[] = [];
  const triggered: string[] = [];
  return {
    scheduled,
    triggered,
    scheduler: {
      scheduleTask: async (task: any) => {
        scheduled.push(task);
      },
      triggerTask: async (id: string) => {
        triggered.push(id);
      },
    } as any,
  };
}

describe('scheduleCatalogTask', () => {
  afterEach(() => jest.useRealTimers());

  it('takes the schedule from config when set, else the defaults', async () => {
    const defaults = {
      frequency: { minutes: 1 },
      timeout: { minutes: 5 },
    };
    const a = fakeScheduler();
    await scheduleCatalogTask({
      scheduler: a.scheduler,
      config: new ConfigReader({}),
      id: 't',
      configKey: 'x.schedule',
      defaults,
      retryAfterMs: 10,
      run: async () => ({ catalogEmpty: false }),
    });
    expect(a.scheduled[0]).toMatchObject({ id: 't', ...defaults });

    const b = fakeScheduler();
    await scheduleCatalogTask({
      scheduler: b.scheduler,
      config: new ConfigReader({
        x: { schedule: { frequency: { hours: 2 }, timeout: { minutes: 9 } } },
      }),
      id: 't',
      configKey: 'x.schedule',
      defaults,
      retryAfterMs: 10,
      run: async () => ({ catalogEmpty: false }),
    });
    expect(b.scheduled[0]).toMatchObject({
      frequency: { hours: 2 },
      timeout: { minutes: 9 },
    });
  });

  it('runs again soon while the catalog is empty, six times at most', async () => {
    jest.useFakeTimers();
    const { scheduler, scheduled, triggered } = fakeScheduler();
    let empty = true;
    await scheduleCatalogTask({
      scheduler,
      config: new ConfigReader({}),
      id: 'ingest',
      configKey: 'x.schedule',
      defaults: { frequency: { minutes: 1 }, timeout: { minutes: 1 } },
      retryAfterMs: 10_000,
      run: async () => ({ catalogEmpty: empty }),
    });
    const fn = scheduled[0].fn;
    for (let i = 0; i < 8; i++) {
      await fn();
      jest.advanceTimersByTime(10_000);
    }
    expect(triggered).toEqual(Array(6).fill('ingest'));

    // Once the catalog has entities, no extra runs.
    empty = false;
    await fn();
    jest.advanceTimersByTime(10_000);
    expect(triggered).toHaveLength(6);
  });
});
