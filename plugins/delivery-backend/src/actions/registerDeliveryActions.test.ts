import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { actionsRegistryServiceMock } from '@backstage/backend-test-utils/alpha';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  RolloutView,
  rolloutActionAvailability,
} from '@portolan/plugin-delivery-common';
import { PortalLinks } from '@portolan/portolan-node';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { DeliveryCalendar } from '../services/DeliveryCalendar';
import { DeploymentMetricsService } from '../services/DeploymentMetricsService';
import { DeploymentTimelineService } from '../services/DeploymentTimelineService';
import { RolloutService } from '../services/RolloutService';
import { registerDeliveryActions } from '.';

jest.setTimeout(60_000);

const NOW = Date.parse('2026-11-04T20:00:00Z');
const HOUR = 3_600_000;
const SERVICE = 'component:default/checkout-service';
/** A user the catalog hides checkout-service from. */
const OUTSIDER = 'user:default/outsider';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-service', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/team-payments' },
};

const rollout = (overrides: Partial<RolloutView> = {}): RolloutView => {
  const state = {
    aborted: true,
    paused: false,
    pauseReasons: [],
    currentStepIndex: 4,
    stepCount: 5,
    updating: true,
    strategy: 'canary' as const,
  };
  return {
    ...state,
    cluster: 'prod-eu',
    environment: 'prod',
    namespace: 'payments',
    name: 'checkout-service',
    resourceVersion: '4711',
    phase: 'Degraded',
    message: 'RolloutAborted: metric "error-rate" assessed Failed',
    steps: [0, 1, 2, 3, 4].map(index => ({
      index,
      kind: index === 4 ? ('analysis' as const) : ('other' as const),
      description: index === 4 ? 'Analysis' : `Step ${index}`,
    })),
    canaryWeight: 0,
    stableWeight: 100,
    replicas: { desired: 3, updated: 1, ready: 3, available: 3 },
    analysisRuns: [
      {
        name: 'checkout-service-7f9-4',
        phase: 'Failed',
        message:
          'Metric "error-rate" assessed Failed due to failed (3) > failureLimit (2)',
        startedAt: new Date(NOW - HOUR).toISOString(),
        metrics: [
          { name: 'latency', phase: 'Successful', successful: 5, failed: 0 },
          {
            name: 'error-rate',
            phase: 'Failed',
            successful: 1,
            failed: 3,
            lastValue: '0.12',
          },
        ],
      },
    ],
    actions: rolloutActionAvailability(state),
    ...overrides,
  };
};

describe('delivery actions', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  const registry = actionsRegistryServiceMock();
  const user = mockCredentials.user('user:default/barbara.liskov');
  const live = { rollouts: [rollout()] };

  beforeAll(async () => {
    const knex = await databases.init('SQLITE_3');
    const database = {
      getClient: async () => knex,
      migrations: { skip: false },
    };
    const store = await DeploymentStore.create({ database });
    const rolloutActions = await RolloutActionStore.create({ database });
    // 130 deploys, one an hour, alternating dev and prod; the newest prod
    // one's canary was aborted.
    await store.upsertDeployments(
      Array.from({ length: 130 }, (_, i) => ({
        entityRef: SERVICE,
        environment: i % 2 ? 'dev' : 'prod',
        instance: 'argocd',
        app: `checkout-service-${i % 2 ? 'dev' : 'prod'}`,
        historyId: i + 1,
        revision: `${i}`.padStart(40, 'a'),
        startedAt: new Date(NOW - (130 - i) * HOUR),
        finishedAt: new Date(NOW - (130 - i) * HOUR + 60_000),
        result:
          i === 128 ? ('canary-aborted' as const) : ('succeeded' as const),
        repoUrl: 'https://git.example.com/payments/checkout-service.git',
      })),
    );
    await store.putRevisionMetadataMany(
      Array.from({ length: 130 }, (_, i) => ({
        instance: 'argocd',
        app: `checkout-service-${i % 2 ? 'dev' : 'prod'}`,
        revision: `${i}`.padStart(40, 'a'),
        meta: {
          author: 'Ada',
          message: `Change number ${i}: ${'x'.repeat(
            400,
          )}\n\nA long body that never reaches the model`,
        },
      })),
    );
    await rolloutActions.add({
      entityRef: SERVICE,
      environment: 'prod',
      cluster: 'prod-eu',
      namespace: 'payments',
      rollout: 'checkout-service',
      action: 'abort',
      actor: 'user:default/barbara.liskov',
      at: new Date(NOW - 2 * HOUR + 30 * 60_000),
      stepBefore: 1,
      stepAfter: 1,
      phaseBefore: 'Paused',
      phaseAfter: 'Degraded',
    });
    const catalog = catalogServiceMock({ entities: [entity] });
    // The catalog's permissions hide the service from the outsider.
    const getEntityByRef = catalog.getEntityByRef.bind(catalog);
    catalog.getEntityByRef = (async (ref: any, options: any) =>
      options?.credentials?.principal?.userEntityRef === OUTSIDER
        ? undefined
        : getEntityByRef(ref, options)) as typeof catalog.getEntityByRef;
    const metrics = DeploymentMetricsService.create({
      store,
      calendar: DeliveryCalendar.create({ now: () => NOW }),
    });
    registerDeliveryActions({
      actionsRegistry: registry,
      catalog,
      metrics,
      links: new PortalLinks('https://portal.example.com'),
      timeline: DeploymentTimelineService.create({
        store,
        rolloutActions,
        metrics,
        commitUrl: (repo, rev) => `${repo.replace(/\.git$/, '')}/commit/${rev}`,
      }),
      rollouts: {
        getServiceRollouts: async () => ({
          entityRef: SERVICE,
          rollouts: live.rollouts,
          errors: [],
          canControl: false,
        }),
      } as unknown as RolloutService,
    });
  });

  it('registers three read-only actions with input and output schemas', async () => {
    const { actions } = await registry.list();
    expect(actions.map(a => a.name).sort()).toEqual([
      'get-deployments',
      'get-dora',
      'get-rollouts',
    ]);
    for (const action of actions) {
      expect(action.attributes).toEqual({
        readOnly: true,
        destructive: false,
        idempotent: true,
      });
      expect(action.schema.input).toMatchObject({
        type: 'object',
        required: ['entityRef'],
      });
      expect(action.description.length).toBeGreaterThan(100);
    }
  });

  it('get-deployments: the newest deploys, bounded, with the aborted canary and its analysis', async () => {
    const { output } = (await registry.invoke({
      id: 'test:get-deployments',
      input: { entityRef: 'checkout-service', environment: 'prod', limit: 3 },
      credentials: user,
    })) as { output: any };
    expect(output.entityRef).toBe(SERVICE);
    expect(output.deploymentsTabUrl).toBe(
      'https://portal.example.com/catalog/default/component/checkout-service/deployments',
    );
    expect(output.more).toBe(true);
    expect(output.deployments).toHaveLength(3);
    const [newest, second] = output.deployments;
    expect(newest).toMatchObject({
      environment: 'prod',
      result: 'canary-aborted',
      revision: 'aaaaaaaaaaaa',
      commitUrl: `https://git.example.com/payments/checkout-service/commit/${'128'.padStart(
        40,
        'a',
      )}`,
      canary: {
        outcome: 'aborted',
        actions: [{ action: 'abort', actor: 'user:default/barbara.liskov' }],
        analysis: {
          phase: 'Degraded',
          step: 'Step 5 of 5: Analysis',
          latestAnalysis: {
            phase: 'Failed',
            metrics: [{ name: 'error-rate', failed: 3, lastValue: '0.12' }, {}],
          },
        },
      },
    });
    // The first line of the message only, cut at 200 characters.
    expect(newest.commit.message).toHaveLength(200);
    expect(newest.commit.message).not.toContain('long body');
    // Older deploys carry no live canary.
    expect(second.canary).toBeUndefined();
  });

  it('get-deployments: at most 100 deploys; bad input is refused, naming the problem', async () => {
    const { output } = (await registry.invoke({
      id: 'test:get-deployments',
      input: { entityRef: SERVICE, limit: 100 },
      credentials: user,
    })) as { output: any };
    expect(output.deployments).toHaveLength(100);
    expect(JSON.stringify(output).length).toBeLessThan(100 * 900);
    for (const input of [
      { entityRef: SERVICE, limit: 101 },
      { entityRef: SERVICE, environment: 'Prod; drop' },
      { entityRef: SERVICE, since: 'yesterday' },
      {},
    ]) {
      await expect(
        registry.invoke({
          id: 'test:get-deployments',
          input,
          credentials: user,
        }),
      ).rejects.toMatchObject({ name: 'InputError' });
    }
    await expect(
      registry.invoke({
        id: 'test:get-deployments',
        input: { entityRef: 'component:default/not a name' },
        credentials: user,
      }),
    ).rejects.toThrow(/not an entity reference/);
  });

  it('refuses a service the caller may not see, as the catalog does', async () => {
    for (const id of [
      'test:get-deployments',
      'test:get-dora',
      'test:get-rollouts',
    ]) {
      await expect(
        registry.invoke({
          id,
          input: { entityRef: SERVICE },
          credentials: mockCredentials.user(OUTSIDER),
        }),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
    }
  });

  it('get-dora: full weeks of prod, the week in progress apart', async () => {
    const { output } = (await registry.invoke({
      id: 'test:get-dora',
      input: { entityRef: SERVICE, weeks: 2 },
      credentials: user,
    })) as { output: any };
    expect(output.environment).toBe('prod');
    expect(output.weeks).toHaveLength(2);
    // 65 prod deploys over the last 130 hours, one of them a failed canary.
    const all = [...output.weeks, output.weekInProgress];
    expect(all.reduce((n: number, w: any) => n + w.deployments, 0)).toBe(65);
    expect(all.reduce((n: number, w: any) => n + w.changeFailures, 0)).toBe(1);
    expect(output.definitions.changeFailureRate).toMatch(/fail/);
    await expect(
      registry.invoke({
        id: 'test:get-dora',
        input: { entityRef: SERVICE, weeks: 53 },
        credentials: user,
      }),
    ).rejects.toMatchObject({ name: 'InputError' });
  });

  it('get-rollouts: step, phase, analysis and resourceVersion per cluster; only the actions that make sense', async () => {
    live.rollouts = [
      rollout(),
      rollout({
        cluster: 'dev',
        environment: 'dev',
        resourceVersion: '12',
        aborted: false,
        phase: 'Healthy',
        updating: false,
        analysisRuns: [],
        actions: rolloutActionAvailability({
          aborted: false,
          paused: false,
          pauseReasons: [],
          currentStepIndex: 5,
          stepCount: 5,
          updating: false,
          strategy: 'canary',
        }),
      }),
    ];
    const { output } = (await registry.invoke({
      id: 'test:get-rollouts',
      input: { entityRef: SERVICE },
      credentials: user,
    })) as { output: any };
    expect(output.canaryTabUrl).toMatch(/\/canary$/);
    expect(output.rollouts).toEqual([
      expect.objectContaining({
        cluster: 'prod-eu',
        resourceVersion: '4711',
        phase: 'Degraded',
        step: 'Step 5 of 5: Analysis',
        aborted: true,
        availableActions: ['retry'],
        latestAnalysis: expect.objectContaining({ phase: 'Failed' }),
      }),
      expect.objectContaining({
        cluster: 'dev',
        resourceVersion: '12',
        phase: 'Healthy',
        availableActions: [],
      }),
    ]);
  });
});
