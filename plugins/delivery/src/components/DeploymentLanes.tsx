import { Box, Paper, Typography } from '@material-ui/core';
import {
  Deployment,
  DeploymentResult,
  ROLLOUT_ACTION_LABELS,
  RolloutActionRecord,
} from '@portolan/plugin-delivery-common';
import { DateTime } from 'luxon';
import {
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
  ZAxis,
} from 'recharts';
import { commitByline, RESULT_COLORS } from './DeploymentCells';

const ENV_ORDER = ['dev', 'staging', 'prod'];

type Point =
  | { kind: 'deploy'; x: number; y: number; d: Deployment }
  | { kind: 'action'; x: number; y: number; a: RolloutActionRecord };

/**
 * The time axis' Luxon format: dates over more than four days, times alone
 * only while every marker is on one day, weekday and time in between.
 */
function tickFormat(spanMillis: number, sameDay: boolean): string {
  if (spanMillis > 4 * 86_400_000) return 'd LLL';
  return sameDay ? 'HH:mm' : 'ccc HH:mm';
}

function Details({ point }: { point: Point }) {
  if (point.kind === 'action') {
    const a = point.a;
    return (
      <Paper style={{ padding: 8, maxWidth: 360 }}>
        <Typography variant="subtitle2">
          {ROLLOUT_ACTION_LABELS[a.action]} by{' '}
          {a.actor.replace(/^user:(default\/)?/, '')}
        </Typography>
        <Typography variant="body2">
          {a.cluster} · step {a.stepBefore + 1} → {a.stepAfter + 1} ·{' '}
          {a.phaseBefore} → {a.phaseAfter}
        </Typography>
        <Typography variant="caption">
          {DateTime.fromISO(a.at).toLocaleString(DateTime.DATETIME_MED)}
        </Typography>
      </Paper>
    );
  }
  const d = point.d;
  return (
    <Paper style={{ padding: 8, maxWidth: 360 }}>
      <Typography
        variant="subtitle2"
        style={{ color: RESULT_COLORS[d.result].fg }}
      >
        {d.result} · {d.environment}
        {d.cluster ? ` (${d.cluster})` : ''}
      </Typography>
      <Typography variant="body2">
        <code>{d.revision.slice(0, 7)}</code>{' '}
        {d.commit?.message?.split('\n')[0] ?? ''}
      </Typography>
      <Typography variant="caption" display="block">
        {commitByline(d)}
      </Typography>
      <Typography variant="caption" display="block">
        {DateTime.fromISO(d.startedAt).toLocaleString(DateTime.DATETIME_MED)} ·{' '}
        {d.app}
      </Typography>
      <Typography variant="caption" color="textSecondary">
        Click the marker to open it in Argo CD
      </Typography>
    </Paper>
  );
}

/**
 * Deploys on a time axis, one lane per environment, markers coloured by
 * result; canary actions as diamonds. Hover for details, click for Argo CD.
 */
export function DeploymentLanes(props: {
  deployments: Deployment[];
  actions?: RolloutActionRecord[];
}) {
  const { deployments, actions = [] } = props;
  const environments = [
    ...new Set([
      ...deployments.map(d => d.environment),
      ...actions.flatMap(a => (a.environment ? [a.environment] : [])),
    ]),
  ].sort(
    (a, b) =>
      (ENV_ORDER.indexOf(a) + 1 || 99) - (ENV_ORDER.indexOf(b) + 1 || 99) ||
      a.localeCompare(b),
  );
  if (deployments.length === 0) {
    return (
      <Box p={2}>
        <Typography>No deployments in this range.</Typography>
      </Box>
    );
  }
  const lane = (env?: string) => Math.max(0, environments.indexOf(env ?? ''));
  const byResult = new Map<DeploymentResult, Point[]>();
  for (const d of deployments) {
    const points = byResult.get(d.result) ?? [];
    points.push({
      kind: 'deploy',
      x: Date.parse(d.startedAt),
      y: lane(d.environment),
      d,
    });
    byResult.set(d.result, points);
  }
  const actionPoints: Point[] = actions.map(a => ({
    kind: 'action',
    x: Date.parse(a.at),
    y: lane(a.environment),
    a,
  }));
  const xs = [
    ...deployments.map(d => Date.parse(d.startedAt)),
    ...actionPoints.map(p => p.x),
  ];
  const span = Math.max(...xs) - Math.min(...xs);
  const pad = Math.max(span * 0.02, 60_000);
  const sameDay = DateTime.fromMillis(Math.min(...xs)).hasSame(
    DateTime.fromMillis(Math.max(...xs)),
    'day',
  );
  const format = tickFormat(span, sameDay);
  const open = (p?: { payload?: Point }) => {
    const point = p?.payload;
    if (point?.kind === 'deploy' && point.d.argoCdUrl)
      window.open(point.d.argoCdUrl, '_blank', 'noopener');
  };
  return (
    <Box data-testid="deployment-lanes" height={90 + environments.length * 56}>
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
          <CartesianGrid horizontal={false} strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            domain={[Math.min(...xs) - pad, Math.max(...xs) + pad]}
            scale="time"
            tickFormatter={v => DateTime.fromMillis(v).toFormat(format)}
            name="Time"
          />
          <YAxis
            type="number"
            dataKey="y"
            domain={[-0.5, environments.length - 0.5]}
            ticks={environments.map((_, i) => i)}
            tickFormatter={i => environments[i] ?? ''}
            width={70}
            reversed
            name="Environment"
          />
          <ZAxis range={[90, 90]} />
          <Tooltip
            cursor={false}
            content={({ payload }) =>
              payload?.[0] ? (
                <Details point={payload[0].payload as Point} />
              ) : null
            }
          />
          <Legend />
          {[...byResult.entries()].map(([result, points]) => (
            <Scatter
              key={result}
              name={result}
              data={points}
              fill={RESULT_COLORS[result].mark}
              isAnimationActive={false}
              onClick={open}
              style={{ cursor: 'pointer' }}
            />
          ))}
          {actionPoints.length > 0 && (
            <Scatter
              name="canary action"
              data={actionPoints}
              fill="#6a1b9a"
              shape="diamond"
              isAnimationActive={false}
            />
          )}
        </ScatterChart>
      </ResponsiveContainer>
    </Box>
  );
}
