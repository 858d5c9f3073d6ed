import { EsError } from './esErrors';

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  H: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function failed(
  value: unknown,
  format = 'strict_date_optional_time||epoch_millis',
): EsError {
  return new EsError(
    400,
    'parse_exception',
    `failed to parse date field [${String(value)}] with format [${format}]`,
  );
}

/**
 * A date as a range query or search_after gives it: epoch milliseconds, an
 * ISO 8601 date, or date math (`now-15m`, `now-7d/d`, `2026-11-02||+1d`).
 * `roundUp`: rounding (`/d`) goes to the end of the unit, as for `lte`/`gt`.
 */
export function parseDate(
  value: unknown,
  now: number,
  roundUp: boolean,
  format?: string,
): number {
  if (typeof value === 'number') return value;
  const s = String(value);
  if (
    format === 'epoch_millis' ||
    (format === undefined && /^\d{10,}$/.test(s))
  ) {
    if (!/^\d+$/.test(s)) throw failed(value, format);
    return Number(s);
  }
  let anchor: number;
  let math: string;
  if (s.startsWith('now')) {
    anchor = now;
    math = s.slice(3);
  } else {
    const [base, rest = ''] = s.split('||');
    if (!/^\d{4}-\d{2}-\d{2}/.test(base)) throw failed(value, format);
    anchor = Date.parse(
      /[zZ]|[+-]\d{2}:?\d{2}$/.test(base) || base.length <= 10
        ? base
        : `${base}Z`,
    );
    if (Number.isNaN(anchor)) throw failed(value, format);
    math = rest;
  }
  let t = anchor;
  const re = /([+-])(\d+)([smhHdwMy])|\/([smhHdwMy])/gy;
  let consumed = 0;
  for (let m = re.exec(math); m; m = re.exec(math)) {
    consumed = re.lastIndex;
    if (m[4]) {
      const unit = m[4];
      const size = UNIT_MS[unit];
      if (!size) throw failed(value, format);
      const start = Math.floor(t / size) * size;
      t = roundUp ? start + size - 1 : start;
    } else {
      const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
      if (m[3] === 'M' || m[3] === 'y') {
        const d = new Date(t);
        if (m[3] === 'M') d.setUTCMonth(d.getUTCMonth() + n);
        else d.setUTCFullYear(d.getUTCFullYear() + n);
        t = d.getTime();
      } else t += n * UNIT_MS[m[3]];
    }
  }
  if (consumed !== math.length) throw failed(value, format);
  return t;
}

/** `5m`, `1h`, `30s`, `1d`, `500ms` → milliseconds (fixed intervals, keep-alives). */
export function parseTimeValue(value: unknown, setting: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(String(value ?? ''));
  if (!m) {
    throw new EsError(
      400,
      'illegal_argument_exception',
      `failed to parse setting [${setting}] with value [${String(
        value,
      )}] as a time value: unit is missing or unrecognized`,
    );
  }
  return (
    Number(m[1]) *
    (
      { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as Record<
        string,
        number
      >
    )[m[2]]
  );
}
