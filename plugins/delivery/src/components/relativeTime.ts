import { DateTime } from 'luxon';

/** "5 minutes ago" for an ISO timestamp; empty for none. */
export function relativeTime(iso?: string): string {
  if (!iso) return '';
  const dt = DateTime.fromISO(iso);
  return dt.isValid ? dt.toRelative() ?? '' : '';
}
