import { identityApiRef } from '@backstage/core-plugin-api';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ComplianceApi, complianceApiRef } from '../api/ComplianceApi';
import { CompliancePage } from './CompliancePage';
import { fakeApi, summaryView } from './testData';

const pendingWaiver = {
  id: 'w-pending',
  entityRef: 'component:default/invoice-service',
  checkId: 'catalog.runbook',
  reason: 'Runbook moves to the wiki',
  expiresAt: '2026-03-25T23:59:59.000Z',
  status: 'pending' as const,
  requestedBy: 'user:default/barbara',
  requestedAt: '2026-03-11T10:00:00.000Z',
};

/** The MUI select under a label (its clickable part). */
const selectOf = (label: string) =>
  within(
    screen.getByText(label, { selector: 'label' }).parentElement!,
  ).getByRole('button');

async function render(api: ComplianceApi, groups: string[] = []) {
  await renderInTestApp(
    <TestApiProvider
      apis={[
        [complianceApiRef, api],
        [permissionApiRef, mockApis.permission()],
        [
          identityApiRef,
          mockApis.identity({
            userEntityRef: 'user:default/margaret',
            ownershipEntityRefs: ['user:default/margaret', ...groups],
          }),
        ],
      ]}
    >
      <CompliancePage />
    </TestApiProvider>,
  );
}

describe('CompliancePage', () => {
  it('shows the organisation KPIs, levels, worst offenders, checks and teams', async () => {
    await render(fakeApi({ getSummary: async () => summaryView() }));
    expect(await screen.findByTestId('kpi-services')).toHaveTextContent('13');
    expect(screen.getByTestId('kpi-score')).toHaveTextContent('82.5 %');
    expect(screen.getByTestId('kpi-fail')).toHaveTextContent('21');
    expect(screen.getByTestId('kpi-waived')).toHaveTextContent('2');
    expect(screen.getByTestId('kpi-unknown')).toHaveTextContent('3');
    expect(screen.getByText('Gold: 4')).toBeInTheDocument();
    expect(screen.getByText('None: 0')).toBeInTheDocument();
    expect(
      screen.getByText('Average score per week (2 weeks stored)'),
    ).toBeInTheDocument();
    expect(screen.getByText('fraud-detector')).toBeInTheDocument();
    expect(
      screen.getByText('git.ci-workflow, git.codeowners'),
    ).toBeInTheDocument();
    expect(screen.getByTestId('kpi-check-git.codeowners')).toHaveTextContent(
      'CODEOWNERS present',
    );
    expect(screen.getByText('76.9 %')).toBeInTheDocument();
    expect(screen.getByText('Gold 2 · Silver 2')).toBeInTheDocument();
  });

  it('filters by team and check group through the API', async () => {
    const getSummary = jest.fn(async (filter: object) =>
      summaryView(
        Object.keys(filter).length
          ? {
              scope: 'group:default/team-risk',
              current: { ...summaryView().current, services: 2 },
              teams: undefined,
            }
          : {},
      ),
    );
    await render(fakeApi({ getSummary }));
    expect(await screen.findByTestId('kpi-services')).toHaveTextContent('13');

    fireEvent.mouseDown(selectOf('Team'));
    fireEvent.click(await screen.findByRole('option', { name: 'team-risk' }));
    await waitFor(() =>
      expect(getSummary).toHaveBeenLastCalledWith({
        team: 'group:default/team-risk',
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('kpi-services')).toHaveTextContent('2'),
    );

    fireEvent.mouseDown(selectOf('Check group'));
    fireEvent.click(await screen.findByRole('option', { name: 'git' }));
    await waitFor(() =>
      expect(getSummary).toHaveBeenLastCalledWith({
        team: 'group:default/team-risk',
        group: 'git',
      }),
    );
  });

  it('shows an error panel when the summary cannot be loaded', async () => {
    await render(
      fakeApi({
        getSummary: async () => {
          throw new Error('compliance backend unavailable');
        },
      }),
    );
    expect(
      (await screen.findAllByText(/compliance backend unavailable/)).length,
    ).toBeGreaterThan(0);
    expect(screen.queryByTestId('kpi-services')).toBeNull();
  });

  it('shows empty tables before the first evaluation', async () => {
    await render(
      fakeApi({
        getSummary: async () =>
          summaryView({
            current: {
              week: '2026-03-09',
              services: 0,
              averageScore: null,
              levels: {},
              counts: { pass: 0, fail: 0, waived: 0, unknown: 0 },
              checks: {},
            },
            trend: [],
            worstOffenders: [],
            checks: [],
            teams: [],
          }),
      }),
    );
    expect(await screen.findByTestId('kpi-services')).toHaveTextContent('0');
    expect(screen.getByTestId('kpi-score')).toHaveTextContent('–');
    expect(
      screen.getByText('Waivers awaiting approval (0)'),
    ).toBeInTheDocument();
  });

  it('offers approve and reject to members of the approver groups, and approves', async () => {
    const decideWaiver = jest.fn().mockResolvedValue({});
    const listWaivers = jest
      .fn()
      .mockResolvedValueOnce([pendingWaiver])
      .mockResolvedValue([]);
    await render(
      fakeApi({
        getSummary: async () => summaryView(),
        listWaivers,
        decideWaiver,
      }),
      ['group:default/security'],
    );
    const pending = await screen.findByTestId('pending-waivers');
    fireEvent.click(await within(pending).findByTestId('approve-w-pending'));
    await waitFor(() =>
      expect(decideWaiver).toHaveBeenCalledWith('w-pending', true),
    );
    await waitFor(() =>
      expect(
        within(pending).getByText('Waivers awaiting approval (0)'),
      ).toBeInTheDocument(),
    );
  });

  it('shows others who may approve instead of buttons', async () => {
    await render(
      fakeApi({
        getSummary: async () => summaryView(),
        listWaivers: async () => [pendingWaiver],
      }),
      ['group:default/team-payments'],
    );
    const pending = await screen.findByTestId('pending-waivers');
    expect(
      await within(pending).findByText(/approvers only \(security\)/),
    ).toBeInTheDocument();
    expect(within(pending).queryByTestId('approve-w-pending')).toBeNull();
  });
});
