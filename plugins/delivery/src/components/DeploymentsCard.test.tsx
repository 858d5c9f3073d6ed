import { Entity } from '@backstage/catalog-model';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { fireEvent, screen } from '@testing-library/react';
import { Deployment } from '@portolan/plugin-delivery-common';
import { DeliveryApi, deliveryApiRef } from '../api/DeliveryApi';
import { DeploymentsCard } from './DeploymentsCard';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'web-shop', namespace: 'default' },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-storefront' },
};

const deploy = (id: number, result: Deployment['result']): Deployment => ({
  id: String(id),
  entityRef: 'component:default/web-shop',
  environment: 'prod',
  instance: 'argocd-prod',
  app: 'web-shop-prod',
  historyId: id,
  revision: `${id}abcdef0123456789`,
  commit: {
    author: 'Grace Hopper <grace@x>',
    message: `Change number ${id}\nbody`,
  },
  startedAt: new Date(Date.now() - id * 3_600_000).toISOString(),
  finishedAt: new Date(Date.now() - id * 3_600_000 + 120_000).toISOString(),
  result,
  initiator: 'automated',
});

const getDora = jest.fn().mockResolvedValue({
  subject: 'component:default/web-shop',
  environment: 'prod',
  timeZone: 'UTC',
  weeks: [
    {
      weekStart: '2026-11-09T00:00:00.000Z',
      deployments: 3,
      rollbacks: 0,
      changeFailures: 1,
      leadTimeSeconds: 9000,
      changeFailureRate: 0.5,
    },
    {
      weekStart: '2026-11-16T00:00:00.000Z',
      deployments: 5,
      rollbacks: 0,
      changeFailures: 1,
      leadTimeSeconds: 7200,
      changeFailureRate: 0.2,
    },
  ],
  total: {
    deployments: 8,
    deploymentsPerWeek: 4,
    rollbacks: 0,
    changeFailures: 2,
    leadTimeSeconds: 7200,
    changeFailureRate: 0.25,
    timeToRestoreSeconds: 1800,
  },
  weekInProgress: {
    weekStart: '2026-11-23T00:00:00.000Z',
    deployments: 0,
    rollbacks: 0,
    changeFailures: 0,
  },
});

describe('DeploymentsCard', () => {
  it('lists deployments newest first, says when data was ingested, and pages with the cursor', async () => {
    const getDeployments = jest
      .fn()
      .mockResolvedValueOnce({
        items: [deploy(1, 'succeeded'), deploy(2, 'canary-aborted')],
        nextCursor: 'c1',
        lastIngestedAt: new Date(Date.now() - 2 * 60_000).toISOString(),
        actions: [
          {
            id: '1',
            entityRef: 'component:default/web-shop',
            environment: 'prod',
            cluster: 'prod-eu',
            namespace: 'shop',
            rollout: 'web-shop',
            action: 'promote',
            actor: 'user:default/barbara.liskov',
            at: new Date(Date.now() - 1.5 * 3_600_000).toISOString(),
            stepBefore: 1,
            stepAfter: 3,
            phaseBefore: 'Paused',
            phaseAfter: 'Paused',
          },
        ],
      })
      .mockResolvedValueOnce({
        items: [deploy(3, 'failed')],
        lastIngestedAt: new Date().toISOString(),
      });
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [deliveryApiRef, { getDeployments, getDora } as Partial<DeliveryApi>],
        ]}
      >
        <EntityProvider entity={entity}>
          <DeploymentsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    const consoleError = jest.spyOn(console, 'error');
    expect(await screen.findByText('Change number 1')).toBeInTheDocument();
    // The canary action sits between the deploys it happened between.
    const rows = screen.getAllByRole('row').map(r => r.textContent ?? '');
    const at = (text: string) => rows.findIndex(r => r.includes(text));
    expect(at('Canary promote by barbara.liskov')).toBeGreaterThan(
      at('Change number 1'),
    );
    expect(at('Canary promote by barbara.liskov')).toBeLessThan(
      at('Change number 2'),
    );
    expect(screen.getByText(/step 2 → 4/)).toBeInTheDocument();
    // DORA tiles from the API's figures.
    expect(await screen.findByText('25%')).toBeInTheDocument();
    expect(screen.getByText('2.0 h')).toBeInTheDocument();
    expect(screen.getByText('canary-aborted')).toBeInTheDocument();
    expect(screen.getByText(/updated 2 minutes ago/)).toBeInTheDocument();
    expect(
      screen.getAllByText('Grace Hopper · synced by automated'),
    ).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Older deployments' }));
    expect(await screen.findByText('Change number 3')).toBeInTheDocument();
    expect(screen.getByText('Change number 1')).toBeInTheDocument();
    expect(getDeployments).toHaveBeenLastCalledWith(
      { kind: 'Component', namespace: 'default', name: 'web-shop' },
      { environment: '', cursor: 'c1', limit: 20 },
    );
    expect(
      screen.queryByRole('button', { name: 'Older deployments' }),
    ).not.toBeInTheDocument();
    // Deploy 1 and action 1 share a database id but are distinct rows.
    expect(
      consoleError.mock.calls.filter(c => String(c[0]).includes('same key')),
    ).toEqual([]);
    consoleError.mockRestore();
  });

  it('explains an empty history', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            deliveryApiRef,
            {
              getDeployments: jest.fn().mockResolvedValue({ items: [] }),
              getDora,
            } as Partial<DeliveryApi>,
          ],
        ]}
      >
        <EntityProvider entity={entity}>
          <DeploymentsCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(
      await screen.findByText('No deployments recorded yet.'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Waiting for the first ingestion from Argo CD'),
    ).toBeInTheDocument();
  });

  it('shows environment lanes with a marker per deploy', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            deliveryApiRef,
            {
              getDeployments: jest.fn().mockResolvedValue({
                items: [
                  deploy(1, 'succeeded'),
                  { ...deploy(2, 'failed'), environment: 'dev' },
                ],
              }),
              getDora,
            } as Partial<DeliveryApi>,
          ],
        ]}
      >
        <EntityProvider entity={entity}>
          <DeploymentsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Lanes' }));
    expect(await screen.findByTestId('deployment-lanes')).toBeInTheDocument();
    expect(screen.getByText('Deployments by environment')).toBeInTheDocument();
    expect(screen.getByText('2 deploys loaded')).toBeInTheDocument();
  });
});
