import { Box, Typography } from '@material-ui/core';
import { HistogramBucket } from '@portolan/plugin-logs-common';
import {
  Bar,
  BarChart,
  CartesianGrid,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { DeployMarker } from '../api/LogsApi';
import { LEVEL_COLOURS, LEVEL_ORDER } from './levels';

const BAD = new Set(['failed', 'canary-aborted', 'rolled-back']);

function tick(t: number, intervalMs: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (intervalMs >= 3_600_000)
    return `${d.getMonth() + 1}/${d.getDate()} ${pad(d.getHours())}h`;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Matching lines over time, stacked by level, with the service's deploys marked. */
export function LogHistogram(props: {
  buckets: HistogramBucket[];
  intervalMs: number;
  deploys: DeployMarker[];
}) {
  const { buckets, intervalMs, deploys } = props;
  const levels = LEVEL_ORDER.filter(l =>
    buckets.some(b => b.levels[l]),
  ).reverse();
  const others = [
    ...new Set(buckets.flatMap(b => Object.keys(b.levels))),
  ].filter(l => !LEVEL_ORDER.includes(l));
  const data = buckets.map(b => ({ t: b.t, ...b.levels }));
  const first = buckets[0]?.t ?? 0;
  const last = (buckets[buckets.length - 1]?.t ?? 0) + intervalMs;
  // Snap deploys to their bucket, so the marker sits on the bar it starts in.
  const markers = deploys
    .map(d => ({
      ...d,
      t:
        Math.floor((Date.parse(d.startedAt) - first) / intervalMs) *
          intervalMs +
        first,
    }))
    .filter(d => d.t >= first && d.t < last);
  return (
    <Box data-testid="logs-histogram" height={170}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart
          data={data}
          margin={{ top: 18, right: 12, left: 0, bottom: 0 }}
          barCategoryGap={1}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="t"
            type="category"
            tickFormatter={t => tick(Number(t), intervalMs)}
            minTickGap={40}
            tick={{ fontSize: 11 }}
          />
          <YAxis allowDecimals={false} width={44} tick={{ fontSize: 11 }} />
          <Tooltip
            labelFormatter={t => new Date(Number(t)).toLocaleString()}
            formatter={(v: any, name: any) => [v, name]}
          />
          {[...others, ...levels].map(l => (
            <Bar
              key={l}
              dataKey={l}
              stackId="levels"
              fill={LEVEL_COLOURS[l] ?? '#78909c'}
              isAnimationActive={false}
            />
          ))}
          {markers.map(m => (
            <ReferenceLine
              key={`${m.environment}-${m.revision}-${m.startedAt}`}
              x={m.t}
              stroke={BAD.has(m.result) ? '#c62828' : '#546e7a'}
              strokeDasharray={BAD.has(m.result) ? undefined : '4 3'}
              strokeWidth={BAD.has(m.result) ? 2 : 1}
              label={{
                value: `${m.environment} ${m.revision.slice(0, 7)}${
                  BAD.has(m.result) ? ` ${m.result}` : ''
                }`,
                position: 'top',
                fontSize: 10,
                fill: BAD.has(m.result) ? '#c62828' : '#546e7a',
              }}
              data-testid="deploy-marker"
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
      {markers.length > 0 && (
        <Typography
          variant="caption"
          color="textSecondary"
          data-testid="deploy-markers"
        >
          {markers.length} deploy{markers.length === 1 ? '' : 's'} in range
          {markers.some(m => BAD.has(m.result))
            ? `, ${
                markers.filter(m => BAD.has(m.result)).length
              } failed or aborted (red)`
            : ''}
        </Typography>
      )}
    </Box>
  );
}
