// The OpenCost stand-in answers /allocation/compute as OpenCost documents it:
// https://www.opencost.io/docs/integrations/api (window: named, durations
// such as 7d, RFC3339 and Unix pairs; aggregate incl. multi-aggregation and
// label:<name>; step; accumulate; includeIdle/idle and shareIdle), with the
// response shape of ../shared/specs/opencost/allocation-compute-example.json.
import fs from 'node:fs';
import path from 'node:path';
import { RunningSandbox } from '../index';
import { startTestSandbox, T0 } from '../testing';

const spec = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../../shared/specs/opencost/allocation-compute-example.json',
    ),
    'utf8',
  ),
);
const DAY = 86_400_000;

describe('OpenCost stand-in', () => {
  let sandbox: RunningSandbox;
  const get = async (cluster: string, query: string) => {
    const url = sandbox.info.opencost!.clusters.find(
      c => c.name === cluster,
    )!.url;
    const res = await fetch(`${url}/allocation/compute?${query}`);
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.stop());

  it('answers with the shape of the published example: every field, of the same type', async () => {
    const { status, body } = await get(
      'prod-eu',
      'window=1d&aggregate=label:app_kubernetes_io_name',
    );
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(Object.keys(spec));
    expect(body).toMatchObject({ code: 200, status: 'success' });
    const example = spec.data[0]['app=opencost'];
    const ours = body.data[0]['app_kubernetes_io_name=checkout-service'];
    expect(Object.keys(ours).sort()).toEqual(Object.keys(example).sort());
    for (const [key, value] of Object.entries(example)) {
      expect([key, value === null ? null : typeof ours[key]]).toEqual([
        key,
        value === null ? null : typeof value,
      ]);
    }
    expect(Object.keys(ours.properties)).toEqual(
      expect.arrayContaining([
        'cluster',
        'namespace',
        'controller',
        'controllerKind',
      ]),
    );
    // Pods without the label aggregate as __unallocated__, like the example's.
    expect(body.data[0].__unallocated__.properties.cluster).toBe('prod-eu');
  });

  it('parses windows as OpenCost does: 7d is today and the 6 days before, midnight to midnight; RFC3339 and Unix pairs', async () => {
    const today = Math.floor(T0 / DAY) * DAY;
    const week = await get('dev', 'window=7d&step=1d&aggregate=namespace');
    expect(week.body.data).toHaveLength(7);
    expect(week.body.data[0].identity.window.start).toBe(
      new Date(today - 6 * DAY).toISOString().replace('.000Z', 'Z'),
    );
    // Today's set runs until now.
    expect(week.body.data[6].identity.end).toBe(
      new Date(T0).toISOString().replace('.000Z', 'Z'),
    );
    const from = new Date(today - 3 * DAY).toISOString().replace('.000Z', 'Z');
    const to = new Date(today - 2 * DAY).toISOString().replace('.000Z', 'Z');
    const rfc = await get('dev', `window=${from},${to}&aggregate=namespace`);
    const unix = await get(
      'dev',
      `window=${(today - 3 * DAY) / 1000},${
        (today - 2 * DAY) / 1000
      }&aggregate=namespace`,
    );
    expect(rfc.body.data).toEqual(unix.body.data);
    expect(rfc.body.data[0].identity.totalCost).toBe(
      week.body.data[3].identity.totalCost,
    );
    const bad = await get('dev', 'window=fortnight');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toBe('illegal window: fortnight');
    expect((await get('dev', 'window=1d&aggregate=colour')).status).toBe(400);
  });

  it('names multi-aggregations namespace/controller, reports idle unless idle=false, and shares it with shareIdle', async () => {
    const { body } = await get(
      'prod-eu',
      'window=yesterday&aggregate=namespace,controller',
    );
    const set = body.data[0];
    expect(set['payments/checkout-service'].properties).toMatchObject({
      namespace: 'payments',
      controller: 'checkout-service',
      controllerKind: 'rollout',
    });
    expect(set['payments/checkout-service'].properties.labels).toMatchObject({
      backstage_io_kubernetes_id: 'checkout-service',
    });
    expect(set['kube-system/coredns']).toBeDefined();
    expect(set.__idle__.totalCost).toBeGreaterThan(0);
    const noIdle = (
      await get(
        'prod-eu',
        'window=yesterday&aggregate=namespace,controller&idle=false',
      )
    ).body.data[0];
    expect(noIdle.__idle__).toBeUndefined();
    const shared = (
      await get(
        'prod-eu',
        'window=yesterday&aggregate=namespace,controller&shareIdle=true',
      )
    ).body.data[0];
    expect(shared.__idle__).toBeUndefined();
    const sum = (s: Record<string, any>) =>
      Object.values(s).reduce((a, x) => a + x.totalCost, 0);
    expect(sum(shared)).toBeCloseTo(sum(set), 2);
  });

  it('accumulates the steps of a window into one set', async () => {
    const days = (
      await get('staging', 'window=7d&step=1d&aggregate=cluster&idle=false')
    ).body.data;
    const one = (
      await get(
        'staging',
        'window=7d&accumulate=true&aggregate=cluster&idle=false',
      )
    ).body.data;
    expect(one).toHaveLength(1);
    const total = days.reduce(
      (s: number, d: any) => s + d.staging.totalCost,
      0,
    );
    expect(one[0].staging.totalCost).toBeCloseTo(total, 3);
  });

  it('derives cost from replicas: the deploy that doubled invoice-service in prod doubles its cost from that day', async () => {
    const scaleOut = sandbox.info.opencost!.scaleOuts.find(
      s => s.app === 'invoice-service-prod',
    )!;
    expect(scaleOut).toMatchObject({ from: 5, to: 10 });
    expect(
      sandbox.world.apps.find(a => a.name === 'invoice-service-prod')!.replicas,
    ).toBe(10);
    const day = Math.floor(Date.parse(scaleOut.at) / DAY) * DAY;
    const query = (d: number) =>
      `window=${d / 1000},${
        (d + DAY) / 1000
      }&aggregate=namespace,controller&idle=false`;
    // The same weekday, a week apart: seasonality cancels.
    const before = (await get('prod-eu', query(day - 7 * DAY))).body.data[0][
      'payments/invoice-service'
    ];
    const after = (await get('prod-eu', query(day + 7 * DAY))).body.data[0][
      'payments/invoice-service'
    ];
    expect(
      after.cpuCoreRequestAverage / before.cpuCoreRequestAverage,
    ).toBeGreaterThan(1.85);
    expect(
      after.cpuCoreRequestAverage / before.cpuCoreRequestAverage,
    ).toBeLessThan(2.15);
    expect(after.cpuCost / before.cpuCost).toBeGreaterThan(1.85);
  });

  it('has weekly seasonality in prod, an idle dev environment, over-provisioned services and 90 days of history', async () => {
    const days = (
      await get('prod-eu', 'window=90d&step=1d&aggregate=controller&idle=false')
    ).body.data;
    expect(days).toHaveLength(90);
    expect(days[0]['checkout-service'].totalCost).toBeGreaterThan(0);
    const weekday = days.filter(
      (d: any) =>
        ![0, 6].includes(
          new Date(d['checkout-service'].window.start).getUTCDay(),
        ),
    );
    const weekend = days.filter((d: any) =>
      [0, 6].includes(new Date(d['checkout-service'].window.start).getUTCDay()),
    );
    const avg = (list: any[]) =>
      list.reduce((s, d) => s + d['checkout-service'].totalCost, 0) /
      list.length;
    expect(avg(weekend) / avg(weekday)).toBeLessThan(0.8);

    const dev = (
      await get(
        'dev',
        'window=7d&accumulate=true&aggregate=controller&idle=false',
      )
    ).body.data[0];
    expect(dev['fraud-detector'].cpuEfficiency).toBeLessThan(0.05);
    expect(dev['fraud-detector'].totalCost).toBeGreaterThan(0);
    const prod = (
      await get(
        'prod-eu',
        'window=7d&accumulate=true&aggregate=controller&idle=false',
      )
    ).body.data[0];
    const efficiencies = Object.values(prod).map((a: any) => a.cpuEfficiency);
    expect(efficiencies.filter(e => e < 0.2).length).toBeGreaterThan(0);
    expect(efficiencies.filter(e => e > 0.35).length).toBeGreaterThan(0);
    // A bare pod has no controller: __unallocated__ in a controller aggregation.
    expect(
      (await get('dev', 'window=1d&aggregate=namespace,controller')).body
        .data[0]['default/__unallocated__'],
    ).toBeDefined();
  });

  it('answers 503 while down', async () => {
    sandbox.opencost.get('dev')!.setAvailable(false);
    expect((await get('dev', 'window=1d')).status).toBe(503);
    sandbox.opencost.get('dev')!.setAvailable(true);
    expect((await get('dev', 'window=1d')).status).toBe(200);
  });
});
