import { InputError } from '@backstage/errors';
import { DateTime, IANAZone } from 'luxon';

/** True for IANA zone names luxon (and the ICU data behind it) knows. */
export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** Weeks for a trend: full weeks, oldest first, then the week in progress. */
export interface WeekWindow {
  /** Monday 00:00 (in the zone) of each full week, oldest first, epoch ms. */
  fullWeekStarts: number[];
  /** Monday 00:00 of the week in progress (the end of the last full week). */
  currentWeekStart: number;
  now: number;
}

/**
 * Day and week arithmetic for the deployment figures: ISO weeks (Monday
 * 00:00) and days in an IANA time zone, so a week across a daylight-saving
 * change is 167 or 169 hours long, as it is for the people in that zone.
 * The clock is injected: tests pin it.
 */
export class DeliveryCalendar {
  static create(options: { now?: () => number } = {}): DeliveryCalendar {
    return new DeliveryCalendar(options.now ?? Date.now);
  }

  private constructor(private readonly clock: () => number) {}

  now(): number {
    return this.clock();
  }

  /** Midnight today, in the zone. */
  startOfDay(timeZone: string, at = this.now()): number {
    return this.at(at, timeZone).startOf('day').toMillis();
  }

  /** Monday 00:00 of the ISO week containing `at`, in the zone. */
  startOfWeek(timeZone: string, at = this.now()): number {
    return this.at(at, timeZone).startOf('week').toMillis();
  }

  /** The `count` full weeks before the week in progress, in the zone. */
  weeks(timeZone: string, count: number, at = this.now()): WeekWindow {
    const current = this.at(at, timeZone).startOf('week');
    const fullWeekStarts = Array.from({ length: count }, (_, i) =>
      current.minus({ weeks: count - i }).toMillis(),
    );
    return { fullWeekStarts, currentWeekStart: current.toMillis(), now: at };
  }

  private at(ms: number, timeZone: string): DateTime {
    const t = DateTime.fromMillis(ms, { zone: timeZone });
    if (!t.isValid) throw new InputError(`Invalid time zone '${timeZone}'`);
    return t;
  }
}
