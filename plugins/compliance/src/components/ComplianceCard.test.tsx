import { Entity } from '@backstage/catalog-model';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ComplianceApi, complianceApiRef } from '../api/ComplianceApi';
import { ComplianceCard } from './ComplianceCard';
import { fakeApi, serviceView } from './testData';

const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'invoice-service', namespace: 'default' },
  spec: { type: 'service', owner: 'team-payments' },
};

async function render(
  api: ComplianceApi,
  options: { expanded?: boolean; owner?: boolean; name?: string } = {},
) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [complianceApiRef, api],
        [
          permissionApiRef,
          mockApis.permission({
            // AuthorizeResult's values, without a dependency for two strings.
            authorize: (options.owner === false ? 'DENY' : 'ALLOW') as any,
          }),
        ],
      ]}
    >
      <EntityProvider
        entity={{
          ...entity,
          metadata: {
            ...entity.metadata,
            name: options.name ?? 'invoice-service',
          },
        }}
      >
        <ComplianceCard expanded={options.expanded} />
      </EntityProvider>
    </TestApiProvider>,
    { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
  );
}

describe('ComplianceCard', () => {
  it('shows the level, score and counts, and each non-passing check with its state, evidence and fix', async () => {
    const getService = jest.fn().mockResolvedValue(serviceView());
    await render(fakeApi({ getService }));

    expect(await screen.findByTestId('compliance-level')).toHaveTextContent(
      'Silver',
    );
    expect(getService).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'default',
      name: 'invoice-service',
    });
    expect(screen.getByTestId('compliance-score')).toHaveTextContent('80 %');
    expect(screen.getByTestId('compliance-counts')).toHaveTextContent(
      '4 pass · 1 fail · 1 waived · 1 unknown',
    );

    const runbook = screen.getByTestId('check-catalog.runbook');
    expect(
      within(runbook).getByTestId('status-catalog.runbook'),
    ).toHaveTextContent('fail');
    expect(
      within(runbook).getByText(/No runbook is linked/),
    ).toBeInTheDocument();
    expect(
      within(runbook).getByText(/metadata\.links has no runbook/),
    ).toBeInTheDocument();
    expect(within(runbook).getByText(/How to fix:/)).toBeInTheDocument();

    expect(screen.getByTestId('status-kubernetes.probes')).toHaveTextContent(
      'waived',
    );
    expect(screen.getByTestId('waived-kubernetes.probes')).toHaveTextContent(
      'Waived until 2026-04-01 (approved by user:default/margaret): Probe lands with the next release',
    );
    expect(screen.getByTestId('status-git.ci-workflow')).toHaveTextContent(
      'unknown',
    );
    expect(
      screen.getByText(/could not be read: 503/, { exact: false }),
    ).toBeInTheDocument();
    // Passing checks are on the tab, not the card.
    expect(screen.queryByTestId('check-catalog.system')).toBeNull();
    expect(
      screen.getByText('4 passing checks are on the Compliance tab.'),
    ).toBeInTheDocument();
  });

  it('lists passing checks too on the tab', async () => {
    await render(fakeApi({ getService: async () => serviceView() }), {
      expanded: true,
    });
    expect(
      await screen.findByTestId('status-catalog.system'),
    ).toHaveTextContent('pass');
  });

  it('offers a waiver on a failing check to its owners only, and sends it', async () => {
    const requestWaiver = jest.fn().mockResolvedValue({});
    const getService = jest.fn().mockResolvedValue(serviceView());
    await render(fakeApi({ getService, requestWaiver }));
    const runbook = await screen.findByTestId('check-catalog.runbook');
    fireEvent.click(within(runbook).getByText('Request waiver'));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('at most 90 days');
    fireEvent.change(screen.getByTestId('waiver-reason'), {
      target: { value: 'Runbook moves to the wiki' },
    });
    fireEvent.change(screen.getByTestId('waiver-expiry'), {
      target: { value: '2026-03-20' },
    });
    fireEvent.click(within(dialog).getByText('Request waiver'));
    await waitFor(() =>
      expect(requestWaiver).toHaveBeenCalledWith(
        { kind: 'Component', namespace: 'default', name: 'invoice-service' },
        {
          checkId: 'catalog.runbook',
          reason: 'Runbook moves to the wiki',
          expiresAt: '2026-03-20T23:59:59Z',
        },
      ),
    );
    // The card reloads after the request.
    await waitFor(() => expect(getService).toHaveBeenCalledTimes(2));
  });

  it('hides the waiver button from others', async () => {
    // Another entity: usePermission caches decisions per resource.
    await render(fakeApi({ getService: async () => serviceView() }), {
      owner: false,
      name: 'ledger-service',
    });
    await screen.findByTestId('check-catalog.runbook');
    expect(screen.queryByText('Request waiver')).toBeNull();
  });

  it('says when every check passes', async () => {
    await render(
      fakeApi({
        getService: async () =>
          serviceView({
            level: 'Gold',
            score: 100,
            counts: { pass: 1, fail: 0, waived: 0, unknown: 0 },
            checks: serviceView().checks.filter(c => c.status === 'pass'),
          }),
      }),
    );
    expect(await screen.findByText('Every check passes.')).toBeInTheDocument();
  });

  it('shows the error when compliance cannot be loaded', async () => {
    await render(
      fakeApi({
        getService: async () => {
          throw new Error('compliance backend unavailable');
        },
      }),
    );
    expect(
      await screen.findByText('Compliance could not be loaded', {
        exact: false,
      }),
    ).toBeInTheDocument();
    expect(
      screen.getAllByText(/compliance backend unavailable/).length,
    ).toBeGreaterThan(0);
  });
});
