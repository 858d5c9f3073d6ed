/** UTC calendar days as `YYYY-MM-DD`: costs are daily in UTC, as OpenCost's day steps are. */
export const DAY_MS = 86_400_000;

export const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;
export const dayStart = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number) =>
  dayOf(dayStart(day) + n * DAY_MS);

/** Days from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = dayStart(from); t <= dayStart(to); t += DAY_MS)
    out.push(dayOf(t));
  return out;
}

export const monthOf = (day: string) => day.slice(0, 7);
export function daysInMonth(month: string): number {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
export const isWeekend = (day: string) =>
  [0, 6].includes(new Date(dayStart(day)).getUTCDay());
