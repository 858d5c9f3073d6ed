import { mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  DailyCost,
  EntityCostResponse,
  RightsizingResponse,
} from '@portolan/plugin-finops-common';
import { PortalLinks } from '@portolan/portolan-node';
import { CostService } from '../services/CostService';
import { registerFinopsActions } from '.';

const SERVICE = 'component:default/checkout-service';
const NO_COSTS = 'user:default/no-costs';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-service', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};

/** 60 days of prod costs: 10 a day, 20 a day from 2026-11-10 (the deploy's day) on. */
const daily: DailyCost[] = Array.from({ length: 60 }, (_, i) => {
  const day = new Date(Date.UTC(2026, 9, 16) + i * 86_400_000)
    .toISOString()
    .slice(0, 10);
  const total = day > '2026-11-10' ? 20 : 10;
  return {
    day,
    total,
    byEnvironment: { prod: total },
    byResource: {
      cpu: total,
      memory: 0,
      storage: 0,
      network: 0,
      loadBalancer: 0,
      other: 0,
    },
  };
});

const cost: EntityCostResponse = {
  entityRef: SERVICE,
  currency: 'EUR',
  freshness: { status: 'ok', lastDay: '2026-12-14', clusters: [] },
  asOfDay: '2026-12-14',
  last30Days: {
    total: 600.004,
    previous: 440,
    change: 160,
    changePercent: 36.4,
    from: '2026-11-15',
    to: '2026-12-14',
  },
  monthToDate: { month: '2026-12', total: 280, days: 14, daysInMonth: 31 },
  daily,
  requests: [],
  environments: ['prod'],
  forecast: {
    month: '2026-12',
    monthEnd: 620,
    low: 590,
    high: 650,
    interval: 0.8,
    method: 'holt-winters',
    daily: Array.from({ length: 17 }, (_, i) => ({
      day: `2026-12-${15 + i}`,
      value: 20,
      low: 18,
      high: 22,
    })),
  },
  budget: {
    amount: 500,
    currency: 'EUR',
    source: 'portolan',
    forecastBreaks: true,
    forecastMayBreak: true,
  },
};

const rightsizing: RightsizingResponse = {
  currency: 'EUR',
  method: { percentile: 95, headroom: 0.2, days: 14 },
  rows: Array.from({ length: 25 }, (_, i) => ({
    entityRef: SERVICE,
    environment: 'prod',
    cluster: 'prod-eu',
    namespace: 'payments',
    workload: `worker-${i}`,
    cpu: { requested: 2, used: 0.2, recommended: 0.3 },
    memory: { requested: 2e9, used: 5e8, recommended: 6e8 },
    monthlyCost: 100,
    monthlySaving: i,
  })),
  idle: [],
  totalMonthlySaving: 300,
};

describe('finops actions', () => {
  const registry = actionsRegistryServiceMock();
  const invoked: string[] = [];
  let deploysFail = false;
  const invoke = (id: string, input: object, user = 'user:default/ada') =>
    registry.invoke({
      id,
      input: input as any,
      credentials: mockCredentials.user(user),
    }) as Promise<{ output: any }>;

  beforeAll(() => {
    registerFinopsActions({
      actionsRegistry: registry,
      actions: {
        list: async () => ({ actions: [] }),
        invoke: async ({ id }) => {
          invoked.push(id);
          if (deploysFail) throw new Error('delivery is down');
          return {
            output: {
              deployments: [
                {
                  environment: 'prod',
                  revision: 'abc123',
                  startedAt: '2026-11-10T09:00:00Z',
                  result: 'succeeded',
                  commit: { message: 'Double the workers' },
                },
              ],
            },
          };
        },
      },
      catalog: catalogServiceMock({ entities: [entity] }),
      permissions: {
        async authorize(requests: any[], { credentials }: any) {
          return requests.map(() => ({
            result:
              credentials.principal.userEntityRef === NO_COSTS
                ? AuthorizeResult.DENY
                : AuthorizeResult.ALLOW,
          }));
        },
        async authorizeConditional() {
          throw new Error('not used');
        },
      } as any,
      costs: {
        entityCost: async () => cost,
        rightsizing: async () => rightsizing,
      } as unknown as CostService,
      links: new PortalLinks('https://portal.example.com'),
      costJumpThresholdPercent: 25,
    });
  });

  it('finops:get-service-cost: 30 days, month to date, forecast, budget, and the deploy that made it jump', async () => {
    const { output } = await invoke('test:get-service-cost', {
      entityRef: 'checkout-service',
    });
    expect(output).toMatchObject({
      entityRef: SERVICE,
      currency: 'EUR',
      last30Days: { total: 600, previous: 440, byEnvironment: { prod: 600 } },
      monthToDate: { month: '2026-12', total: 280 },
      forecast: { monthEnd: 620, low: 590, high: 650 },
      budget: { amount: 500, forecastBreaks: true },
      costJumps: [
        {
          environment: 'prod',
          revision: 'abc123',
          day: '2026-11-10',
          changePercent: 100,
          message: 'Double the workers',
        },
      ],
      costsTabUrl:
        'https://portal.example.com/catalog/default/component/checkout-service/costs',
    });
    // No daily series, no forecast points: a summary.
    expect(JSON.stringify(output).length).toBeLessThan(2_000);
    expect(invoked).toEqual(['delivery:get-deployments']);
  });

  it('finops:get-service-cost: without deploys, still the costs and why the jumps are missing', async () => {
    deploysFail = true;
    const { output } = await invoke('test:get-service-cost', {
      entityRef: SERVICE,
    });
    deploysFail = false;
    expect(output.costJumps).toEqual([]);
    expect(output.deployLookupError).toMatch(/delivery is down/);
    expect(output.last30Days.total).toBe(600);
  });

  it('finops:get-rightsizing: the ten largest savings and how many more', async () => {
    const { output } = await invoke('test:get-rightsizing', {
      entityRef: SERVICE,
    });
    expect(output.workloads).toHaveLength(10);
    expect(output.workloads[0]).toMatchObject({
      workload: 'worker-24',
      monthlySaving: 24,
      cpuCores: { requested: 2, recommended: 0.3 },
    });
    expect(output.moreWorkloads).toBe(15);
    expect(output.totalMonthlySaving).toBe(300);
  });

  it('refuses a user without finops.cost.read, and bad input', async () => {
    for (const id of ['test:get-service-cost', 'test:get-rightsizing']) {
      await expect(
        invoke(id, { entityRef: SERVICE }, NO_COSTS),
      ).rejects.toMatchObject({ name: 'NotAllowedError' });
      await expect(
        invoke(id, { entityRef: SERVICE, days: 90 }),
      ).rejects.toMatchObject({ name: 'InputError' });
      await expect(invoke(id, {})).rejects.toMatchObject({
        name: 'InputError',
      });
      await expect(
        invoke(id, { entityRef: 'component:default/unknown' }),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
    }
    const { actions } = await registry.list();
    expect(actions.every(a => a.attributes.readOnly)).toBe(true);
  });
});
