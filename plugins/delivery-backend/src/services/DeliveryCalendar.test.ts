import { DeliveryCalendar, isTimeZone } from './DeliveryCalendar';

describe('DeliveryCalendar', () => {
  // Wednesday 2026-10-28 00:30 in Tokyo, still Tuesday in UTC and in New York.
  const now = Date.parse('2026-10-27T15:30:00Z');
  const calendar = DeliveryCalendar.create({ now: () => now });

  it('starts days and ISO weeks at midnight in the given zone', () => {
    expect(new Date(calendar.startOfDay('Asia/Tokyo')).toISOString()).toBe(
      '2026-10-27T15:00:00.000Z',
    );
    expect(new Date(calendar.startOfDay('UTC')).toISOString()).toBe(
      '2026-10-27T00:00:00.000Z',
    );
    expect(new Date(calendar.startOfWeek('Asia/Tokyo')).toISOString()).toBe(
      '2026-10-25T15:00:00.000Z',
    );
    expect(
      new Date(calendar.startOfWeek('America/New_York')).toISOString(),
    ).toBe('2026-10-26T04:00:00.000Z');
  });

  it('gives full weeks of 168 hours, or 169 across the end of summer time', () => {
    const { fullWeekStarts, currentWeekStart } = calendar.weeks(
      'Europe/Berlin',
      2,
    );
    expect(
      [...fullWeekStarts, currentWeekStart].map(t => new Date(t).toISOString()),
    ).toEqual([
      '2026-10-11T22:00:00.000Z',
      '2026-10-18T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z', // clocks went back on Sunday 25 October
    ]);
  });

  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(() => calendar.startOfDay('Mars/Olympus')).toThrow(
      "Invalid time zone 'Mars/Olympus'",
    );
  });
});
