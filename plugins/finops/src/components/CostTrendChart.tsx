import {
  CostJump,
  DailyCost,
  DeployMarker,
  MonthForecast,
} from '@portolan/plugin-finops-common';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { RESOURCE_LABELS, colourOf, money, shortDay } from './format';

/**
 * Daily cost stacked by environment or resource, the month-end forecast
 * (dashed, with its 80 % range) after it, and deploys as markers: those
 * that moved the daily cost past the threshold labelled.
 */
export function CostTrendChart(props: {
  daily: DailyCost[];
  by: 'environment' | 'resource';
  keys: string[];
  forecast?: MonthForecast;
  deploys: DeployMarker[];
  jumps: CostJump[];
  currency: string;
  /** Deploys to these environments are marked (all would crowd the chart); jumps always are. */
  markerEnvironments: string[];
}) {
  const {
    daily,
    by,
    keys,
    forecast,
    deploys,
    jumps,
    currency,
    markerEnvironments,
  } = props;
  const data: Array<Record<string, any>> = daily.map(d => ({
    day: d.day,
    ...(by === 'environment' ? d.byEnvironment : d.byResource),
  }));
  if (forecast?.daily.length && data.length) {
    // The forecast starts at the last actual day so the lines join.
    const last = data[data.length - 1];
    last.forecast = daily[daily.length - 1].total;
    last.range = [daily[daily.length - 1].total, daily[daily.length - 1].total];
    for (const f of forecast.daily)
      data.push({ day: f.day, forecast: f.value, range: [f.low, f.high] });
  }
  const days = new Set(data.map(d => d.day));
  const jumpDays = new Map(jumps.map(j => [j.day, j]));
  const shown = deploys.filter(
    d =>
      markerEnvironments.includes(d.environment) ||
      jumps.some(j => j.revision === d.revision),
  );
  const markers = [
    ...new Map(shown.map(d => [d.startedAt.slice(0, 10), d])).values(),
  ].filter(d => days.has(d.startedAt.slice(0, 10)));
  return (
    <ResponsiveContainer width="100%" height={260}>
      <ComposedChart
        data={data}
        margin={{ top: 16, right: 16, bottom: 0, left: 8 }}
      >
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis
          dataKey="day"
          tickFormatter={shortDay}
          minTickGap={24}
          fontSize={12}
        />
        <YAxis
          tickFormatter={v => money(v, currency, true)}
          width={72}
          fontSize={12}
        />
        <Tooltip
          labelFormatter={(day: any) => shortDay(String(day))}
          formatter={(value: any, name: any) =>
            Array.isArray(value)
              ? [
                  `${money(value[0], currency)} – ${money(value[1], currency)}`,
                  '80 % range',
                ]
              : [money(Number(value), currency), RESOURCE_LABELS[name] ?? name]
          }
        />
        <Legend
          formatter={(name: any) =>
            RESOURCE_LABELS[name] ??
            (name === 'range' ? 'forecast range' : name)
          }
        />
        {keys.map((k, i) => (
          <Area
            key={k}
            type="monotone"
            dataKey={k}
            stackId="cost"
            stroke={colourOf(k, i)}
            fill={colourOf(k, i)}
            fillOpacity={0.55}
            isAnimationActive={false}
          />
        ))}
        {forecast && (
          <Area
            type="monotone"
            dataKey="range"
            stroke="none"
            fill="#90a4ae"
            fillOpacity={0.25}
            isAnimationActive={false}
          />
        )}
        {forecast && (
          <Line
            type="monotone"
            dataKey="forecast"
            stroke="#455a64"
            strokeDasharray="6 4"
            dot={false}
            isAnimationActive={false}
          />
        )}
        {markers.map(d => {
          const day = d.startedAt.slice(0, 10);
          const jump = jumpDays.get(day) ?? undefined;
          return (
            <ReferenceLine
              key={`${day}-${d.revision}`}
              x={day}
              stroke={jump ? '#d32f2f' : '#9e9e9e'}
              strokeDasharray={jump ? undefined : '2 3'}
              label={
                jump
                  ? {
                      value: `${jump.revision.slice(0, 7)} ${
                        jump.changePercent > 0 ? '+' : ''
                      }${Math.round(jump.changePercent)} %`,
                      position: 'insideTopLeft',
                      fill: '#d32f2f',
                      fontSize: 11,
                    }
                  : undefined
              }
            />
          );
        })}
      </ComposedChart>
    </ResponsiveContainer>
  );
}
