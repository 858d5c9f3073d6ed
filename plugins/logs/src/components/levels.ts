/** One colour per level, for chips and the histogram. */
export const LEVEL_COLOURS: Record<string, string> = {
  fatal: '#7b1fa2',
  error: '#d32f2f',
  warn: '#f57c00',
  info: '#1e88e5',
  debug: '#90a4ae',
  trace: '#cfd8dc',
};
export const LEVEL_ORDER = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];
export const levelColour = (level?: string) =>
  LEVEL_COLOURS[level ?? ''] ?? '#78909c';

/** Time range presets: label → milliseconds back from now. */
export const PRESETS: Array<[string, string, number]> = [
  ['15m', 'Last 15 minutes', 15 * 60_000],
  ['1h', 'Last hour', 3_600_000],
  ['6h', 'Last 6 hours', 6 * 3_600_000],
  ['24h', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
];

export function formatTime(iso: string, withDate = false): string {
  const d = new Date(iso);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(
    d.getSeconds(),
  )}.${pad(d.getMilliseconds(), 3)}`;
  return withDate
    ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`
    : time;
}
