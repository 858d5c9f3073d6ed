import { Entity } from '@backstage/catalog-model';
import { renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { screen } from '@testing-library/react';
import { ServiceEnvironmentsResponse } from '@portolan/plugin-delivery-common';
import { DeliveryApi, deliveryApiRef } from '../api/DeliveryApi';
import { EnvironmentsCard } from './EnvironmentsCard';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'checkout-service',
    annotations: {
      'argocd/app-selector': 'backstage.io/kubernetes-id=checkout-service',
    },
  },
  spec: { type: 'service', lifecycle: 'production', owner: 'team-payments' },
};

const response: ServiceEnvironmentsResponse = {
  entityRef: 'component:default/checkout-service',
  unplacedApps: [],
  environments: [
    {
      environment: 'staging',
      cluster: { entityRef: 'resource:default/staging', name: 'staging' },
      instance: 'argocd-nonprod',
      app: {
        name: 'checkout-service-staging',
        project: 'payments',
        namespace: 'payments',
        url: 'http://argocd.example/applications/checkout-service-staging',
        sync: 'OutOfSync',
        health: 'Healthy',
        revision: '3f2a9c1d0b7e4f5a6b7c8d9e0f1a2b3c4d5e6f70',
        lastSyncedAt: new Date(Date.now() - 5 * 60_000).toISOString(),
        images: [],
        commit: {
          author: 'Barbara Liskov <barbara.liskov@portolan.example>',
          message: 'Retry card authorisation once on timeout\n\nDetails...',
          date: new Date().toISOString(),
        },
      },
    },
    {
      environment: 'prod',
      cluster: { entityRef: 'resource:default/prod-eu', name: 'prod-eu' },
      instance: 'argocd-prod',
      error: {
        system: 'Argo CD instance argocd-prod',
        message: 'no answer within 5 s',
      },
    },
  ],
};

function renderCard(api: Partial<DeliveryApi>) {
  return renderInTestApp(
    <TestApiProvider apis={[[deliveryApiRef, api]]}>
      <EntityProvider entity={entity}>
        <EnvironmentsCard />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('EnvironmentsCard', () => {
  it('shows each environment with its app, status, revision and commit', async () => {
    const getEnvironments = jest.fn().mockResolvedValue(response);
    await renderCard({ getEnvironments });

    expect(
      await screen.findByText('checkout-service-staging'),
    ).toBeInTheDocument();
    expect(screen.getByText('OutOfSync')).toBeInTheDocument();
    expect(screen.getByText('Healthy')).toBeInTheDocument();
    expect(screen.getByText('3f2a9c1')).toBeInTheDocument();
    expect(
      screen.getByText('Retry card authorisation once on timeout'),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Barbara Liskov · 5 minutes ago'),
    ).toBeInTheDocument();
    expect(getEnvironments).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'checkout-service',
    });
  });

  it('names the system that failed for an environment, and still shows the others', async () => {
    await renderCard({
      getEnvironments: jest.fn().mockResolvedValue(response),
    });
    expect(
      await screen.findByText(
        'Argo CD instance argocd-prod: no answer within 5 s',
      ),
    ).toBeInTheDocument();
    expect(screen.getByText('checkout-service-staging')).toBeInTheDocument();
  });

  it('explains what to do when the service runs nowhere', async () => {
    await renderCard({
      getEnvironments: jest
        .fn()
        .mockResolvedValue({ ...response, environments: [] }),
    });
    expect(
      await screen.findByText(/is not deployed to any cluster yet/),
    ).toBeInTheDocument();
  });

  it('shows the error when the backend fails', async () => {
    await renderCard({
      getEnvironments: jest.fn().mockRejectedValue(new Error('backend down')),
    });
    expect((await screen.findAllByText(/backend down/)).length).toBeGreaterThan(
      0,
    );
  });
});
