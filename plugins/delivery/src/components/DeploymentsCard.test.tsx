import { Entity } from '@backstage/catalog-model';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { EntityProvider, entityRouteRef } from '@backstage/plugin-catalog-react';
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
  commit: { author: 'Grace Hopper <grace@x>', message: `Change number ${id}\nbody` },
  startedAt: new Date(Date.now() - id * 3_600_000).toISOString(),
  finishedAt: new Date(Date.now() - id * 3_600_000 + 120_000).toISOString(),
  result,
  initiator: 'automated',
});

describe('DeploymentsCard', () => {
  it('lists deployments newest first, says when data was ingested, and pages with the cursor', async () => {
    const getDeployments = jest
      .fn()
      .mockResolvedValueOnce({
        items: [deploy(1, 'succeeded'), deploy(2, 'canary-aborted')],
        nextCursor: 'c1',
        lastIngestedAt: new Date(Date.now() - 2 * 60_000).toISOString(),
      })
      .mockResolvedValueOnce({ items: [deploy(3, 'failed')], lastIngestedAt: new Date().toISOString() });
    await renderInTestApp(
      <TestApiProvider apis={[[deliveryApiRef, { getDeployments } as Partial<DeliveryApi>]]}>
        <EntityProvider entity={entity}>
          <DeploymentsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(await screen.findByText('Change number 1')).toBeInTheDocument();
    expect(screen.getByText('canary-aborted')).toBeInTheDocument();
    expect(screen.getByText(/updated 2 minutes ago/)).toBeInTheDocument();
    expect(screen.getAllByText('Grace Hopper · synced by automated')).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Older deployments' }));
    expect(await screen.findByText('Change number 3')).toBeInTheDocument();
    expect(screen.getByText('Change number 1')).toBeInTheDocument();
    expect(getDeployments).toHaveBeenLastCalledWith(
      { kind: 'Component', namespace: 'default', name: 'web-shop' },
      { environment: '', cursor: 'c1', limit: 20 },
    );
    expect(screen.queryByRole('button', { name: 'Older deployments' })).not.toBeInTheDocument();
  });

  it('explains an empty history', async () => {
    await renderInTestApp(
      <TestApiProvider apis={[[deliveryApiRef, { getDeployments: jest.fn().mockResolvedValue({ items: [] }) } as Partial<DeliveryApi>]]}>
        <EntityProvider entity={entity}>
          <DeploymentsCard />
        </EntityProvider>
      </TestApiProvider>,
    );
    expect(await screen.findByText('No deployments recorded yet.')).toBeInTheDocument();
    expect(screen.getByText('Waiting for the first ingestion from Argo CD')).toBeInTheDocument();
  });
});
