/**
 * OpenCost's `window` and `step` parameters, as documented at
 * https://www.opencost.io/docs/integrations/api (Allocation API) and
 * implemented by OpenCost's window parser (core/pkg/opencost/window.go):
 * named windows (today, yesterday, week, month, lastweek, lastmonth),
 * durations (30m, 12h, 7d, 2w), RFC3339 pairs and Unix-second pairs. Days
 * are UTC days; a `d`/`w` duration means today in full plus the days before
 * it, midnight to midnight.
 */
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const UNIT: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };
const RFC3339 = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)`;

export interface TimeWindow {
  start: number;
  end: number;
}

export class IllegalParameterError extends Error {}

const startOfDay = (t: number) => Math.floor(t / DAY) * DAY;

export function parseWindow(window: string, now: number): TimeWindow {
  const today = startOfDay(now);
  const d = new Date(today);
  switch (window) {
    case 'today':
      return { start: today, end: now };
    case 'yesterday':
      return { start: today - DAY, end: today };
    case 'week':
      return { start: today - d.getUTCDay() * DAY, end: now };
    case 'lastweek': {
      const start = today - (d.getUTCDay() + 7) * DAY;
      return { start, end: start + 7 * DAY };
    }
    case 'month':
      return {
        start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
        end: now,
      };
    case 'lastmonth':
      return {
        start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1),
        end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
      };
    default:
  }
  let m = /^(\d+)(m|h|d|w)$/.exec(window);
  if (m) {
    const n = Number(m[1]);
    if (m[2] === 'd' || m[2] === 'w') {
      const end = today + DAY;
      return { start: end - n * UNIT[m[2]], end };
    }
    return { start: now - n * UNIT[m[2]], end: now };
  }
  m = /^(\d+)[,-](\d+)$/.exec(window);
  if (m)
    return checked(
      { start: Number(m[1]) * 1000, end: Number(m[2]) * 1000 },
      window,
    );
  m = new RegExp(`^(${RFC3339}),(${RFC3339})$`).exec(window);
  if (m)
    return checked({ start: Date.parse(m[1]), end: Date.parse(m[2]) }, window);
  throw new IllegalParameterError(`illegal window: ${window}`);
}

function checked(w: TimeWindow, raw: string): TimeWindow {
  if (!(w.end > w.start))
    throw new IllegalParameterError(`illegal window: ${raw}`);
  return w;
}

/** A duration such as `1d`, `6h`, `30m` (OpenCost's step). */
export function parseDuration(value: string): number {
  const m = /^(\d+)(m|h|d|w)$/.exec(value);
  if (!m || Number(m[1]) === 0)
    throw new IllegalParameterError(`illegal duration: ${value}`);
  return Number(m[1]) * UNIT[m[2]];
}

/** The sets a window is split into: `step` long each (the last may be shorter); one set without a step. */
export function splitWindow(
  w: TimeWindow,
  step: number | undefined,
): TimeWindow[] {
  if (!step) return [w];
  const sets: TimeWindow[] = [];
  for (let s = w.start; s < w.end; s += step)
    sets.push({ start: s, end: Math.min(s + step, w.end) });
  return sets;
}

export const TIME = { MINUTE, HOUR, DAY };
