import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { Box, Grid, Paper, Tooltip, Typography } from '@material-ui/core';
import {
  DORA_DEFINITIONS,
  DoraMetrics,
  DoraWeek,
} from '@portolan/plugin-delivery-common';
import { Line, LineChart, ResponsiveContainer, YAxis } from 'recharts';
import useAsync from 'react-use/esm/useAsync';
import { deliveryApiRef } from '../api/DeliveryApi';

export function formatDuration(seconds?: number): string {
  if (seconds === undefined) return '—';
  if (seconds < 3600) return `${Math.max(1, Math.round(seconds / 60))} min`;
  if (seconds < 2 * 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

interface Tile {
  title: string;
  /** What the figure means, as DORA defines it (the tooltip). */
  help: string;
  value: string;
  week: (w: DoraWeek) => number | undefined;
  format: (v?: number) => string;
  /** Whether a rising line is good news. */
  upIsGood: boolean;
}

/** The tiles; weeks are the server's full weeks (the week in progress is never a trend). */
function tiles(m: DoraMetrics): Tile[] {
  const perWeek = m.total.deploymentsPerWeek;
  return [
    {
      title: 'Deployment frequency',
      help: DORA_DEFINITIONS.deploymentFrequency,
      value: `${perWeek.toFixed(perWeek < 10 ? 1 : 0)} / week`,
      week: w => w.deployments,
      format: v => `${v ?? 0} deploy${v === 1 ? '' : 's'}`,
      upIsGood: true,
    },
    {
      title: 'Lead time for changes',
      help: DORA_DEFINITIONS.leadTime,
      value: formatDuration(m.total.leadTimeSeconds),
      week: w => w.leadTimeSeconds,
      format: formatDuration,
      upIsGood: false,
    },
    {
      title: 'Change failure rate',
      help: DORA_DEFINITIONS.changeFailureRate,
      value:
        m.total.changeFailureRate === undefined
          ? '—'
          : `${Math.round(m.total.changeFailureRate * 100)}%`,
      week: w =>
        w.changeFailureRate === undefined
          ? undefined
          : Math.round(w.changeFailureRate * 100),
      format: v => (v === undefined ? '—' : `${v}%`),
      upIsGood: false,
    },
    {
      title: 'Time to restore',
      help: DORA_DEFINITIONS.timeToRestore,
      value: formatDuration(m.total.timeToRestoreSeconds),
      week: w => w.timeToRestoreSeconds,
      format: formatDuration,
      upIsGood: false,
    },
  ];
}

function Sparkline({
  values,
  color,
}: {
  values: Array<number | undefined>;
  color: string;
}) {
  const data = values.map((v, i) => ({ i, v }));
  return (
    <ResponsiveContainer width="100%" height={36}>
      <LineChart data={data} margin={{ top: 4, right: 2, bottom: 2, left: 2 }}>
        <YAxis hide domain={['dataMin', 'dataMax']} />
        <Line
          type="monotone"
          dataKey="v"
          stroke={color}
          strokeWidth={2}
          dot={false}
          connectNulls
          isAnimationActive={false}
        />
      </LineChart>
    </ResponsiveContainer>
  );
}

/** The four DORA figures with their weekly trend over full weeks. */
export function DoraTilesView({ metrics }: { metrics: DoraMetrics }) {
  const full = metrics.weeks;
  return (
    <Grid container spacing={2}>
      {tiles(metrics).map(t => {
        const series = full.map(t.week);
        const known = series.filter((v): v is number => v !== undefined);
        const last = known[known.length - 1];
        const before = known.length > 1 ? known[known.length - 2] : undefined;
        const better =
          last === undefined || before === undefined || last === before
            ? undefined
            : last > before === t.upIsGood;
        return (
          <Grid item xs={12} sm={6} md={3} key={t.title}>
            <Paper
              variant="outlined"
              style={{ padding: 12, height: '100%' }}
              data-testid={`dora-${t.title}`}
            >
              <Tooltip title={t.help}>
                <Typography
                  variant="overline"
                  color="textSecondary"
                  component="div"
                  aria-label={`${t.title}: ${t.help}`}
                >
                  {t.title}
                </Typography>
              </Tooltip>
              <Typography variant="h5" component="div">
                {t.value}
              </Typography>
              <Sparkline
                values={series}
                color={better === false ? '#c62828' : '#1565c0'}
              />
              <Typography
                variant="caption"
                color="textSecondary"
                component="div"
              >
                Last full week with data: {t.format(last)}
                {better !== undefined &&
                  (better
                    ? ' · better than the week before'
                    : ' · worse than the week before')}
              </Typography>
              {t.title === 'Deployment frequency' && (
                <Typography
                  variant="caption"
                  color="textSecondary"
                  component="div"
                >
                  This week so far:{' '}
                  {t.format(metrics.weekInProgress.deployments)}
                  {metrics.total.rollbacks
                    ? ` · ${metrics.total.rollbacks} rollback${
                        metrics.total.rollbacks === 1 ? '' : 's'
                      } in ${full.length} weeks`
                    : ''}
                </Typography>
              )}
            </Paper>
          </Grid>
        );
      })}
    </Grid>
  );
}

/** DORA tiles for a service or a team, fetched. */
export function DoraTiles(props: {
  subject:
    | { kind: 'entity'; ref: CompoundEntityRef }
    | { kind: 'team'; namespace: string; name: string };
  environment?: string;
  weeks?: number;
}) {
  const api = useApi(deliveryApiRef);
  const { subject, environment = 'prod', weeks = 12 } = props;
  const key =
    subject.kind === 'entity'
      ? `${subject.ref.kind}:${subject.ref.namespace}/${subject.ref.name}`
      : `${subject.namespace}/${subject.name}`;
  const { value, loading, error } = useAsync(
    () => api.getDora(subject, { environment, weeks }),
    [api, key, environment, weeks],
  );
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title="Could not compute DORA metrics"
      />
    );
  if (!value) return null;
  return (
    <Box>
      <Typography variant="subtitle2" gutterBottom>
        DORA metrics · {environment} · last {weeks} full weeks
      </Typography>
      <DoraTilesView metrics={value} />
    </Box>
  );
}
