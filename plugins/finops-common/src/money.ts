/**
 * Currency and rounding, in one place: the backend rounds every amount it
 * returns with `roundMoney`, the frontend formats with `formatMoney`.
 */

/** The minor units of a currency (2 for EUR/USD, 0 for JPY), from Intl. */
export function minorUnits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat('en', {
        style: 'currency',
        currency,
      }).resolvedOptions().maximumFractionDigits ?? 2
    );
  } catch {
    return 2;
  }
}

/** Rounds half away from zero to the currency's minor unit. */
export function roundMoney(amount: number, currency: string): number {
  const f = 10 ** minorUnits(currency);
  const r =
    (Math.sign(amount) * Math.round(Math.abs(amount) * f + Number.EPSILON)) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** A percentage change, one decimal; undefined when there is no base. */
export function percentChange(
  current: number,
  previous: number,
): number | undefined {
  if (!(Math.abs(previous) > 1e-9)) return undefined;
  return Math.round(((current - previous) / previous) * 1000) / 10;
}

/** An amount as people read it: `€1,234.50`; `compact` drops the cents above 1,000. */
export function formatMoney(
  amount: number,
  currency: string,
  options: { compact?: boolean; signed?: boolean; locale?: string } = {},
): string {
  const digits =
    options.compact && Math.abs(amount) >= 1000 ? 0 : minorUnits(currency);
  return new Intl.NumberFormat(options.locale ?? 'en-GB', {
    style: 'currency',
    currency,
    // `$` rather than `US$`: one currency is in use.
    currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    signDisplay: options.signed ? 'exceptZero' : 'auto',
  }).format(amount);
}

/** `+` above zero, the minus sign `−` below, nothing for zero. */
function signOf(value: number): string {
  if (value > 0) return '+';
  return value < 0 ? '−' : '';
}

/** `+12.5 %`, `−3 %`. */
export function formatPercent(value: number | undefined): string {
  if (value === undefined) return 'n/a';
  const sign = signOf(value);
  return `${sign}${Math.abs(value).toLocaleString('en-GB', {
    maximumFractionDigits: 1,
  })} %`;
}
