import { Entity } from '@backstage/catalog-model';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  RolloutView,
  rolloutActionAvailability,
} from '@portolan/plugin-delivery-common';
import {
  DeliveryApi,
  RolloutConflictError,
  deliveryApiRef,
} from '../api/DeliveryApi';
import { CanaryControlsCard } from './CanaryControlsCard';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'checkout-service', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-payments' },
};

function rollout(overrides: Partial<RolloutView> = {}): RolloutView {
  const state = {
    aborted: false,
    paused: false,
    pauseReasons: ['CanaryPauseStep'],
    currentStepIndex: 1,
    stepCount: 3,
    updating: true,
    strategy: 'canary' as const,
    ...overrides,
  };
  return {
    ...state,
    cluster: 'prod-eu',
    environment: 'prod',
    namespace: 'payments',
    name: 'checkout-service',
    resourceVersion: '41',
    phase: 'Paused',
    steps: [
      { index: 0, kind: 'setWeight', description: 'Set weight 20%' },
      { index: 1, kind: 'pause', description: 'Pause until promoted' },
      { index: 2, kind: 'setWeight', description: 'Set weight 100%' },
    ],
    canaryWeight: 20,
    stableWeight: 80,
    replicas: { desired: 5, updated: 1, ready: 5, available: 5 },
    canaryImage: 'registry/checkout-service:abc',
    canaryHash: 'abc',
    stableHash: 'def',
    analysisRuns: [],
    actions: rolloutActionAvailability(state),
    ...overrides,
  };
}

async function render(api: Partial<DeliveryApi>) {
  await renderInTestApp(
    <TestApiProvider apis={[[deliveryApiRef, api]]}>
      <EntityProvider entity={entity}>
        <CanaryControlsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('CanaryControlsCard', () => {
  it('shows the canary and sends the action with the version seen, after a confirmation naming service, environment and cluster', async () => {
    const getRollouts = jest
      .fn()
      .mockResolvedValueOnce({
        entityRef: 'component:default/checkout-service',
        rollouts: [rollout()],
        errors: [],
        canControl: true,
      })
      .mockResolvedValue({
        entityRef: 'component:default/checkout-service',
        rollouts: [
          rollout({
            currentStepIndex: 3,
            updating: false,
            pauseReasons: [],
            phase: 'Healthy',
            resourceVersion: '44',
          }),
        ],
        errors: [],
        canControl: true,
      });
    const controlRollout = jest.fn().mockResolvedValue({
      rollout: rollout(),
      record: { stepBefore: 1, stepAfter: 3, phaseAfter: 'Healthy' },
    });
    await render({ getRollouts, controlRollout });
    expect(await screen.findByText('Step 2 of 3')).toBeInTheDocument();
    expect(screen.getByText('Canary 20%')).toBeInTheDocument();
    expect(screen.getByText('CanaryPauseStep')).toBeInTheDocument();
    // Retry is not valid on a running canary.
    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled();

    fireEvent.click(screen.getByRole('button', { name: 'Promote' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(/component:default\/checkout-service/),
    ).toBeInTheDocument();
    expect(within(dialog).getByText(/prod-eu/)).toBeInTheDocument();
    expect(
      within(dialog).getByText('prod', { exact: false }),
    ).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Promote' }));
    await waitFor(() =>
      expect(controlRollout).toHaveBeenCalledWith(
        { kind: 'Component', namespace: 'default', name: 'checkout-service' },
        {
          cluster: 'prod-eu',
          namespace: 'payments',
          name: 'checkout-service',
          action: 'promote',
          resourceVersion: '41',
        },
      ),
    );
    expect(await screen.findByText('No update in flight')).toBeInTheDocument();
  });

  it('disables every action for someone who may not control the rollout', async () => {
    const getRollouts = jest.fn().mockResolvedValue({
      entityRef: 'component:default/checkout-service',
      rollouts: [rollout()],
      errors: [],
      canControl: false,
    });
    await render({ getRollouts });
    expect(
      await screen.findByText(/only members of the owning team/),
    ).toBeInTheDocument();
    for (const name of [
      'Promote',
      'Promote full',
      'Pause',
      'Resume',
      'Abort',
      'Retry',
    ]) {
      expect(screen.getByRole('button', { name })).toBeDisabled();
    }
  });

  it('explains a 409 and shows the rollout as it is now', async () => {
    const getRollouts = jest.fn().mockResolvedValue({
      entityRef: 'component:default/checkout-service',
      rollouts: [rollout()],
      errors: [
        {
          cluster: 'dev',
          message: 'Cluster dev gave no answer within 5 s (rollouts)',
        },
      ],
      canControl: true,
    });
    const controlRollout = jest
      .fn()
      .mockRejectedValue(
        new RolloutConflictError(
          'Rollout checkout-service changed since you loaded it',
          rollout(),
        ),
      );
    await render({ getRollouts, controlRollout });
    expect(
      await screen.findByText(/dev: Cluster dev gave no answer/),
    ).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Abort' }));
    fireEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Abort',
      }),
    );
    expect(
      await screen.findByText(/changed since you loaded it/),
    ).toBeInTheDocument();
    expect(getRollouts.mock.calls.length).toBeGreaterThan(1);
  });

  it('says so when the service has no rollouts', async () => {
    await render({
      getRollouts: jest.fn().mockResolvedValue({
        entityRef: 'x',
        rollouts: [],
        errors: [],
        canControl: true,
      }),
    });
    expect(
      await screen.findByText('No Argo Rollouts for this service'),
    ).toBeInTheDocument();
  });
});
