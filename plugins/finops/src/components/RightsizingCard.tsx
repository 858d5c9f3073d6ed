import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import { RightsizingRow } from '@portolan/plugin-finops-common';
import useAsync from 'react-use/esm/useAsync';
import { finopsApiRef } from '../api/FinopsApi';
import { bytes, cores, money } from './format';

/** Requested vs used CPU and memory per workload and environment, what to request, and the saving. */
export function RightsizingCard() {
  const { entity } = useEntity();
  const api = useApi(finopsApiRef);
  const state = useAsync(
    () => api.getRightsizing(getCompoundEntityRef(entity)),
    [api, stringifyEntityRef(entity)],
  );
  if (state.loading)
    return (
      <InfoCard title="Right-sizing">
        <Progress />
      </InfoCard>
    );
  if (state.error)
    return (
      <InfoCard title="Right-sizing">
        <ResponseErrorPanel error={state.error} />
      </InfoCard>
    );
  const r = state.value!;
  const c = r.currency;
  const columns: TableColumn<RightsizingRow>[] = [
    { title: 'Environment', field: 'environment' },
    {
      title: 'Workload',
      render: row => `${row.namespace}/${row.workload}`,
      cellStyle: { fontFamily: 'monospace' },
    },
    { title: 'CPU requested', render: row => cores(row.cpu.requested) },
    {
      title: `CPU used (p${r.method.percentile})`,
      render: row => cores(row.cpu.used),
    },
    {
      title: 'CPU to request',
      render: row => <strong>{cores(row.cpu.recommended)}</strong>,
    },
    { title: 'Memory requested', render: row => bytes(row.memory.requested) },
    {
      title: `Memory used (p${r.method.percentile})`,
      render: row => bytes(row.memory.used),
    },
    {
      title: 'Memory to request',
      render: row => <strong>{bytes(row.memory.recommended)}</strong>,
    },
    {
      title: 'Cost / month',
      render: row => money(row.monthlyCost, c),
      align: 'right',
    },
    {
      title: 'Saving / month',
      align: 'right',
      render: row =>
        row.monthlySaving > 0 ? (
          <strong style={{ color: '#2e7d32' }}>
            {money(row.monthlySaving, c)}
          </strong>
        ) : (
          '—'
        ),
    },
  ];
  return (
    <InfoCard
      title="Right-sizing"
      subheader={`Could save ${money(r.totalMonthlySaving, c)} a month`}
    >
      {r.idle.map(i => (
        <Alert
          key={`${i.environment}-${i.cluster}`}
          severity="warning"
          style={{ marginBottom: 8 }}
          data-testid="idle-environment"
        >
          <strong>{i.environment} looks idle</strong>: it uses{' '}
          {(i.cpuUtilisation * 100).toFixed(1)} % of the CPU it requests, and
          cost {money(i.cost, c)} over the last {i.days} days (
          {money(i.weekendCost, c)} of it at weekends). Scale it down when
          nobody uses it.
        </Alert>
      ))}
      {r.rows.length ? (
        <Table<RightsizingRow>
          options={{
            paging: false,
            search: false,
            toolbar: false,
            padding: 'dense',
          }}
          data={r.rows}
          columns={columns}
        />
      ) : (
        <Typography color="textSecondary">
          No workload usage recorded yet.
        </Typography>
      )}
      <Typography
        variant="caption"
        color="textSecondary"
        component="p"
        style={{ marginTop: 8 }}
      >
        Totals over each workload's pods, from OpenCost's daily request and
        usage averages of the last {r.method.days} days. To request: the{' '}
        {r.method.percentile}th percentile of daily usage plus{' '}
        {Math.round(r.method.headroom * 100)} % headroom, never below the
        highest day. Savings price the difference at what the workload paid per
        core-hour and per GiB-hour.
      </Typography>
    </InfoCard>
  );
}
