import {
  getCompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Box,
  Button,
  Chip,
  Grid,
  Typography,
  makeStyles,
} from '@material-ui/core';
import { Alert, ToggleButton, ToggleButtonGroup } from '@material-ui/lab';
import {
  COST_RESOURCES,
  BudgetView,
  EntityCostResponse,
  findCostJumps,
  finopsBudgetSetPermission,
  formatPercent,
} from '@portolan/plugin-finops-common';
import { useMemo, useState } from 'react';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { finopsApiRef } from '../api/FinopsApi';
import { BudgetDialog } from './BudgetDialog';
import { CostTrendChart } from './CostTrendChart';
import { cores, money, refName, shortDay } from './format';

const useStyles = makeStyles(theme => ({
  tile: {
    padding: theme.spacing(1, 1.5),
    borderLeft: `3px solid ${theme.palette.divider}`,
    height: '100%',
  },
  figure: { fontSize: 22, fontWeight: 600, lineHeight: 1.3 },
  up: { color: theme.palette.error.main },
  down: { color: theme.palette.success.main },
  breaks: { borderLeftColor: theme.palette.error.main },
  ok: { borderLeftColor: theme.palette.success.main },
}));

function Tile(props: {
  label: string;
  figure: string;
  detail?: React.ReactNode;
  className?: string;
  testId?: string;
}) {
  const classes = useStyles();
  return (
    <Box
      className={`${classes.tile} ${props.className ?? ''}`}
      data-testid={props.testId}
    >
      <Typography variant="overline" color="textSecondary">
        {props.label}
      </Typography>
      <div className={classes.figure}>{props.figure}</div>
      {props.detail && (
        <Typography variant="body2" color="textSecondary" component="div">
          {props.detail}
        </Typography>
      )}
    </Box>
  );
}

/** The budget tile's title: the team's budget when it applies, otherwise the service's. */
function budgetLabel(budget?: BudgetView): string {
  return budget?.source === 'team'
    ? `Team budget (${refName(budget.teamRef ?? '')})`
    : 'Monthly budget';
}

/** The budget tile's border: red when the forecast breaks it, green otherwise, plain without one. */
function budgetClassName(
  budget: BudgetView | undefined,
  classes: ReturnType<typeof useStyles>,
): string | undefined {
  if (!budget) return undefined;
  return budget.forecastBreaks ? classes.breaks : classes.ok;
}

/** Under the budget: how the forecast compares, or how to set one. */
function BudgetDetail({ budget }: { budget?: BudgetView }) {
  const classes = useStyles();
  if (!budget) return <>Set one, or annotate portolan.dev/monthly-budget</>;
  if (budget.forecastBreaks) {
    return <span className={classes.up}>Forecast breaks the budget</span>;
  }
  return (
    <>
      {budget.forecastMayBreak
        ? 'Within budget; the upper forecast is above it'
        : 'Forecast within budget'}
    </>
  );
}

/** When the data is old, says as of when and why. */
export function FreshnessNote({
  cost,
}: {
  cost: Pick<EntityCostResponse, 'freshness'>;
}) {
  const f = cost.freshness;
  if (f.status === 'ok') return null;
  return (
    <Alert severity="warning" style={{ marginBottom: 8 }}>
      {f.status === 'never'
        ? `No cost data yet${
            f.reason
              ? `: ${f.reason}`
              : ' (the first ingestion from OpenCost has not finished)'
          }.`
        : `Costs as of ${shortDay(f.lastDay!)} — ${f.reason}.`}
    </Alert>
  );
}

/** The Cost card on service pages: trend, change, forecast, budget and the deploys that moved the cost. */
export function CostCard() {
  const classes = useStyles();
  const { entity } = useEntity();
  const api = useApi(finopsApiRef);
  const ref = getCompoundEntityRef(entity);
  const [by, setBy] = useState<'environment' | 'resource'>('environment');
  const [budgetOpen, setBudgetOpen] = useState(false);
  const { allowed: canSetBudget } = usePermission({
    permission: finopsBudgetSetPermission,
    resourceRef: stringifyEntityRef(entity),
  });
  const state = useAsyncRetry(async () => {
    const cost = await api.getEntityCost(ref);
    const since = cost.daily[0]?.day;
    const deploys = since
      ? await api.getDeploys(ref, since).catch(() => [])
      : [];
    return { cost, deploys };
  }, [api, stringifyEntityRef(entity)]);

  const view = useMemo(() => {
    if (!state.value) return undefined;
    const { cost, deploys } = state.value;
    const jumps = findCostJumps(cost.daily, deploys, {
      thresholdPercent: cost.costJumpThresholdPercent,
      requests: cost.requests,
    });
    const shown = cost.daily.slice(-30);
    const envTotals = cost.environments.map(e => ({
      e,
      v: shown.reduce((s, d) => s + (d.byEnvironment[e] ?? 0), 0),
    }));
    const mainEnv = envTotals.sort((a, b) => b.v - a.v)[0]?.e;
    return { cost, deploys, jumps, shown, mainEnv };
  }, [state.value]);

  if (state.loading && !state.value)
    return (
      <InfoCard title="Cost">
        <Progress />
      </InfoCard>
    );
  if (state.error)
    return (
      <InfoCard title="Cost">
        <ResponseErrorPanel error={state.error} />
      </InfoCard>
    );
  if (!view) return null;
  const { cost, deploys, jumps, shown, mainEnv } = view;
  const c = cost.currency;
  const f = cost.forecast;
  const b = cost.budget;
  const change = cost.last30Days;
  return (
    <InfoCard
      title="Cost"
      subheader={
        cost.asOfDay
          ? `Daily cost from OpenCost, through ${shortDay(cost.asOfDay)} (UTC)`
          : undefined
      }
      action={
        <Button
          size="small"
          variant="outlined"
          disabled={!canSetBudget}
          onClick={() => setBudgetOpen(true)}
          title={
            canSetBudget ? undefined : 'Only the owning team can set the budget'
          }
        >
          {b?.source === 'portolan' ? 'Change budget' : 'Set budget'}
        </Button>
      }
    >
      <FreshnessNote cost={cost} />
      {!cost.daily.some(d => d.total > 0) ? (
        <Typography color="textSecondary">
          No costs recorded for this service: no workload in any cluster carries
          its Kubernetes label.
        </Typography>
      ) : (
        <>
          <Grid container spacing={2}>
            <Grid item xs={6} md={3}>
              <Tile
                label="Last 30 days"
                figure={money(change.total, c)}
                testId="cost-last-30-days"
                detail={
                  <span
                    className={change.change > 0 ? classes.up : classes.down}
                  >
                    {money(change.change, c)} (
                    {formatPercent(change.changePercent)}) vs previous 30 days
                  </span>
                }
              />
            </Grid>
            <Grid item xs={6} md={3}>
              <Tile
                label={`Month to date (${cost.monthToDate.days} of ${cost.monthToDate.daysInMonth} days)`}
                figure={money(cost.monthToDate.total, c)}
              />
            </Grid>
            <Grid item xs={6} md={3}>
              <Tile
                label="Month-end forecast"
                testId="cost-forecast"
                figure={f ? money(f.monthEnd, c) : '—'}
                detail={
                  f
                    ? `80 %: ${money(f.low, c)} – ${money(f.high, c)}`
                    : 'needs 3 days of data'
                }
              />
            </Grid>
            <Grid item xs={6} md={3}>
              <Tile
                label={budgetLabel(b)}
                testId="cost-budget"
                className={budgetClassName(b, classes)}
                figure={b ? money(b.amount, c) : 'None'}
                detail={<BudgetDetail budget={b} />}
              />
            </Grid>
          </Grid>
          {jumps.map(j => (
            <Alert
              key={j.revision}
              severity={j.changePercent > 0 ? 'warning' : 'success'}
              style={{ marginTop: 12 }}
              data-testid="cost-jump"
            >
              <strong>
                {formatPercent(j.changePercent)}/day since{' '}
                {j.revision.slice(0, 7)}
              </strong>{' '}
              ({j.environment}, {shortDay(j.day)}): {money(j.before, c)} →{' '}
              {money(j.after, c)} a day
              {j.cpuCores
                ? `; CPU requests ${cores(j.cpuCores.before)} → ${cores(
                    j.cpuCores.after,
                  )}`
                : ''}
              {j.message ? ` — “${j.message}”` : ''}
            </Alert>
          ))}
          <Box
            display="flex"
            alignItems="center"
            justifyContent="space-between"
            mt={2}
          >
            <Typography variant="subtitle2">
              Daily cost, last 30 days
              {f ? `, and the forecast to the end of ${f.month}` : ''}
            </Typography>
            <ToggleButtonGroup
              size="small"
              exclusive
              value={by}
              onChange={(_, v) => v && setBy(v)}
            >
              <ToggleButton value="environment">By environment</ToggleButton>
              <ToggleButton value="resource">By resource</ToggleButton>
            </ToggleButtonGroup>
          </Box>
          <CostTrendChart
            daily={shown}
            by={by}
            keys={
              by === 'environment'
                ? cost.environments
                : COST_RESOURCES.filter(r =>
                    shown.some(d => d.byResource[r] > 0),
                  )
            }
            forecast={f}
            deploys={deploys}
            jumps={jumps}
            currency={c}
            markerEnvironments={mainEnv ? [mainEnv] : []}
          />
          <Box mt={1} display="flex" gridGap={8} flexWrap="wrap">
            <Chip
              size="small"
              variant="outlined"
              label={`Deploys to ${
                mainEnv ?? 'production'
              } marked; red: changed the daily cost by more than ${
                cost.costJumpThresholdPercent ?? 25
              } %`}
            />
            {f && (
              <Chip
                size="small"
                variant="outlined"
                label={`Forecast: ${f.method}`}
              />
            )}
          </Box>
        </>
      )}
      <BudgetDialog
        open={budgetOpen}
        currency={c}
        current={b?.source === 'portolan' ? b.amount : undefined}
        onClose={() => setBudgetOpen(false)}
        onSave={async amount => {
          await api.setBudget(ref, amount);
          state.retry();
        }}
      />
    </InfoCard>
  );
}
