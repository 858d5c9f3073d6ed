import { parseEntityRef } from '@backstage/catalog-model';
import {
  Content,
  Header,
  InfoCard,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Box, Grid, MenuItem, TextField, Typography } from '@material-ui/core';
import { Alert } from '@material-ui/lab';
import {
  GroupCostSummary,
  MonthForecast,
  PeriodComparison,
  ServiceCostSummary,
  TeamCostResponse,
  formatPercent,
} from '@portolan/plugin-finops-common';
import { useState } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import useAsync from 'react-use/esm/useAsync';
import { finopsApiRef } from '../api/FinopsApi';
import { FreshnessNote } from './CostCard';
import { money, refName, shortDay } from './format';

const entityLink = (ref: string) => {
  const r = parseEntityRef(ref);
  return `/catalog/${r.namespace}/${r.kind.toLocaleLowerCase('en-US')}/${
    r.name
  }`;
};

function Summary(props: {
  currency: string;
  last30: PeriodComparison;
  forecast?: MonthForecast;
  extra?: Array<[string, string, string?]>;
}) {
  const { currency: c, last30, forecast } = props;
  const tiles: Array<[string, string, string?]> = [
    [
      'Last 30 days',
      money(last30.total, c),
      `${money(last30.change, c)} (${formatPercent(
        last30.changePercent,
      )}) vs previous 30 days`,
    ],
    [
      'Month-end forecast',
      forecast ? money(forecast.monthEnd, c) : '—',
      forecast
        ? `80 %: ${money(forecast.low, c)} – ${money(forecast.high, c)}`
        : undefined,
    ],
    ...(props.extra ?? []),
  ];
  return (
    <Grid container spacing={2}>
      {tiles.map(([label, figure, detail]) => (
        <Grid item xs={12} sm={6} md={3} key={label}>
          <InfoCard noPadding>
            <Box p={2}>
              <Typography variant="overline" color="textSecondary">
                {label}
              </Typography>
              <Typography variant="h5">{figure}</Typography>
              {detail && (
                <Typography variant="body2" color="textSecondary">
                  {detail}
                </Typography>
              )}
            </Box>
          </InfoCard>
        </Grid>
      ))}
    </Grid>
  );
}

function changeColumns(
  c: string,
): TableColumn<GroupCostSummary | ServiceCostSummary>[] {
  return [
    {
      title: 'Last 30 days',
      render: r => money(r.last30Days, c),
      align: 'right',
    },
    {
      title: 'Previous 30 days',
      render: r => money(r.previous30Days, c),
      align: 'right',
    },
    {
      title: 'Change',
      align: 'right',
      render: r => (
        <span style={{ color: r.change > 0 ? '#c62828' : '#2e7d32' }}>{`${money(
          r.change,
          c,
        )} (${formatPercent(r.changePercent)})`}</span>
      ),
    },
  ];
}

function serviceColumns(c: string): TableColumn<ServiceCostSummary>[] {
  return [
    {
      title: 'Service',
      render: s => (
        <Link to={entityLink(s.entityRef)}>
          {s.title ?? refName(s.entityRef)}
        </Link>
      ),
    },
    { title: 'Team', render: s => (s.ownerRef ? refName(s.ownerRef) : '—') },
    ...(changeColumns(c) as TableColumn<ServiceCostSummary>[]),
    {
      title: 'Budget',
      render: s => (s.budget ? money(s.budget.amount, c) : '—'),
      align: 'right',
    },
    {
      title: 'Forecast',
      align: 'right',
      render: s =>
        s.forecast === undefined ? (
          '—'
        ) : (
          <span
            style={{
              color: s.forecastBreaks ? '#c62828' : undefined,
              fontWeight: s.forecastBreaks ? 600 : undefined,
            }}
          >
            {money(s.forecast, c)}
            {s.forecastBreaks ? ' (over)' : ''}
          </span>
        ),
    },
  ];
}

const tableOptions = {
  paging: false,
  search: false,
  padding: 'dense' as const,
};

function OrganisationView() {
  const api = useApi(finopsApiRef);
  const state = useAsync(() => api.getOrganisationCost(), [api]);
  if (state.loading) return <Progress />;
  if (state.error) return <ResponseErrorPanel error={state.error} />;
  const o = state.value!;
  const c = o.currency;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <FreshnessNote cost={o} />
        <Summary
          currency={c}
          last30={o.last30Days}
          forecast={o.forecast}
          extra={[
            [
              'Unallocated, 30 days',
              money(o.unallocated.cost, c),
              `${o.unallocated.workloads.length} workloads no service claims`,
            ],
            [
              'Idle capacity, 30 days',
              money(o.idle.cost, c),
              'requested by nobody, paid for on the nodes',
            ],
          ]}
        />
      </Grid>
      <Grid item xs={12}>
        <InfoCard title="Daily cost: allocated to services, unallocated, idle">
          <ResponsiveContainer width="100%" height={240}>
            <ComposedChart data={o.daily}>
              <CartesianGrid strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="day"
                tickFormatter={shortDay}
                minTickGap={24}
                fontSize={12}
              />
              <YAxis
                tickFormatter={v => money(v, c, true)}
                width={72}
                fontSize={12}
              />
              <Tooltip
                labelFormatter={(d: any) => shortDay(String(d))}
                formatter={(v: any) => money(Number(v), c)}
              />
              <Legend />
              <Area
                dataKey="allocated"
                stackId="a"
                stroke="#1565c0"
                fill="#1565c0"
                fillOpacity={0.55}
                isAnimationActive={false}
              />
              <Area
                dataKey="unallocated"
                stackId="a"
                stroke="#ef6c00"
                fill="#ef6c00"
                fillOpacity={0.55}
                isAnimationActive={false}
              />
              <Area
                dataKey="idle"
                stackId="a"
                stroke="#9e9e9e"
                fill="#9e9e9e"
                fillOpacity={0.55}
                isAnimationActive={false}
              />
            </ComposedChart>
          </ResponsiveContainer>
        </InfoCard>
      </Grid>
      <Grid item xs={12} md={6}>
        <Table<any>
          title="By team"
          options={tableOptions}
          data={o.byTeam}
          columns={[
            {
              title: 'Team',
              render: t =>
                t.ref.startsWith('group:') ? (
                  <Link to={entityLink(t.ref)}>{refName(t.ref)}</Link>
                ) : (
                  refName(t.ref)
                ),
            },
            ...(changeColumns(c) as any),
            {
              title: 'Budget',
              render: t => (t.budget === undefined ? '—' : money(t.budget, c)),
              align: 'right',
            },
            {
              title: 'Forecast',
              render: t =>
                t.forecast === undefined
                  ? '—'
                  : `${money(t.forecast, c)}${
                      t.forecastBreaks ? ' (over)' : ''
                    }`,
              align: 'right',
            },
          ]}
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <Table<GroupCostSummary>
          title="By system"
          options={tableOptions}
          data={o.bySystem}
          columns={
            [
              {
                title: 'System',
                render: (s: GroupCostSummary) => refName(s.ref),
              },
              ...changeColumns(c),
            ] as any
          }
        />
      </Grid>
      <Grid item xs={12}>
        <Table<ServiceCostSummary>
          title="Top movers"
          options={tableOptions}
          data={o.topMovers}
          columns={serviceColumns(c)}
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <Table<any>
          title={`Unallocated: ${money(o.unallocated.cost, c)} in 30 days`}
          subtitle="Workloads no service claims (no matching backstage.io/kubernetes-id label or selector, or claimed twice)"
          options={{ ...tableOptions, maxBodyHeight: 360 }}
          data={o.unallocated.workloads}
          columns={[
            { title: 'Cluster', field: 'cluster' },
            {
              title: 'Workload',
              render: w => `${w.namespace}/${w.workload}`,
              cellStyle: { fontFamily: 'monospace' },
            },
            { title: '30 days', render: w => money(w.cost, c), align: 'right' },
          ]}
        />
      </Grid>
      <Grid item xs={12} md={6}>
        <InfoCard title={`Idle: ${money(o.idle.cost, c)} in 30 days`}>
          {o.idleEnvironments.map(i => (
            <Alert
              key={`${i.entityRef}-${i.environment}`}
              severity="warning"
              style={{ marginBottom: 8 }}
            >
              <Link to={entityLink(i.entityRef!)}>{refName(i.entityRef!)}</Link>{' '}
              in {i.environment} uses {(i.cpuUtilisation * 100).toFixed(1)} % of
              its CPU: {money(i.cost, c)} in {i.days} days,{' '}
              {money(i.weekendCost, c)} at weekends.
            </Alert>
          ))}
          <Table<any>
            options={{ ...tableOptions, toolbar: false }}
            data={o.idle.byCluster}
            columns={[
              { title: 'Cluster', field: 'cluster' },
              { title: 'Environment', field: 'environment' },
              {
                title: 'Unused capacity, 30 days',
                render: i => money(i.cost, c),
                align: 'right',
              },
            ]}
          />
        </InfoCard>
      </Grid>
      <Grid item xs={12}>
        <Table<ServiceCostSummary>
          title="Services"
          options={{
            ...tableOptions,
            search: true,
            paging: true,
            pageSize: 20,
          }}
          data={o.services}
          columns={serviceColumns(c)}
        />
      </Grid>
    </Grid>
  );
}

/** Beside the team's budget: how the forecast compares, or how to set one. */
function teamBudgetNote(budget: TeamCostResponse['budget']): string {
  if (!budget) return 'annotate portolan.dev/monthly-budget on the group';
  return budget.forecastBreaks ? 'Forecast breaks it' : 'Forecast within it';
}

function TeamView({ teamRef }: { teamRef: string }) {
  const api = useApi(finopsApiRef);
  const state = useAsync(
    () => api.getTeamCost(parseEntityRef(teamRef)),
    [api, teamRef],
  );
  if (state.loading) return <Progress />;
  if (state.error) return <ResponseErrorPanel error={state.error} />;
  const t = state.value!;
  const c = t.currency;
  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <FreshnessNote cost={t} />
        <Summary
          currency={c}
          last30={t.last30Days}
          forecast={t.forecast}
          extra={[
            [
              'Team budget',
              t.budget ? money(t.budget.amount, c) : 'None',
              teamBudgetNote(t.budget),
            ],
            ['Services', String(t.services.length)],
          ]}
        />
      </Grid>
      <Grid item xs={12} md={8}>
        <Table<ServiceCostSummary>
          title="Services"
          options={tableOptions}
          data={t.services}
          columns={serviceColumns(c)}
        />
      </Grid>
      <Grid item xs={12} md={4}>
        <Table<GroupCostSummary>
          title="By system"
          options={tableOptions}
          data={t.bySystem}
          columns={
            [
              {
                title: 'System',
                render: (s: GroupCostSummary) => refName(s.ref),
              },
              ...changeColumns(c).slice(0, 1),
            ] as any
          }
        />
        <Box mt={3}>
          <Table<ServiceCostSummary>
            title="Top movers"
            options={tableOptions}
            data={t.topMovers}
            columns={serviceColumns(c)
              .slice(0, 1)
              .concat(changeColumns(c).slice(2) as any)}
          />
        </Box>
      </Grid>
    </Grid>
  );
}

/** The Costs page: the organisation, or one team. */
export function CostsPage() {
  const api = useApi(finopsApiRef);
  const teams = useAsync(
    async () =>
      (await api.getOrganisationCost()).byTeam
        .map(t => t.ref)
        .filter(r => r.startsWith('group:')),
    [api],
  );
  const [scope, setScope] = useState('organisation');
  return (
    <Page themeId="tool">
      <Header
        title="Costs"
        subtitle="What each team, system and service costs, from OpenCost; where it is heading; what is unallocated or idle"
      />
      <Content>
        <Box mb={2} maxWidth={320}>
          <TextField
            select
            fullWidth
            size="small"
            variant="outlined"
            label="Show"
            value={scope}
            onChange={e => setScope(e.target.value)}
          >
            <MenuItem value="organisation">The organisation</MenuItem>
            {(teams.value ?? []).map(ref => (
              <MenuItem key={ref} value={ref}>
                {refName(ref)}
              </MenuItem>
            ))}
          </TextField>
        </Box>
        {scope === 'organisation' ? (
          <OrganisationView />
        ) : (
          <TeamView teamRef={scope} />
        )}
      </Content>
    </Page>
  );
}
