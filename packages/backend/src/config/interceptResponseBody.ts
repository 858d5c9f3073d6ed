import { Response } from 'express';

/**
 * Lets a middleware rewrite the body a later handler sends with `res.send`
 * or `res.json` (Express's `res.json` serialises, then calls `res.send` with
 * the text). Streams and `res.end` are left alone.
 */
export function interceptResponseBody(
  res: Response,
  rewrite: (text: string) => string,
): void {
  const send = res.send;
  res.send = function sendRewritten(this: Response, body?: unknown) {
    if (typeof body === 'string') return send.call(this, rewrite(body));
    return send.call(this, body);
  } as Response['send'];
}

/**
 * Applies `transform` to a JSON text (parsed, then serialised again); text
 * that is not JSON goes to `fallback`, or is kept.
 */
export function rewriteJson(
  text: string,
  transform: (value: unknown) => unknown,
  fallback: (text: string) => string = t => t,
): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fallback(text);
  }
  return JSON.stringify(transform(value));
}

/** A copy of a JSON value with every string (not keys) passed through `fn`. */
export function mapJsonStrings(
  value: unknown,
  fn: (s: string) => string,
): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map(v => mapJsonStrings(v, fn));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, mapJsonStrings(v, fn)]),
    );
  }
  return value;
}
