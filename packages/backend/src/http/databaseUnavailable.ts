import { Config } from '@backstage/config';
import { RequestHandler } from 'express';
import { interceptResponseBody } from '../config/interceptResponseBody';

/** pg's own messages when its connection breaks (no code on these). */
const PG_CONNECTION_LOST =
  /^(Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable)$/;
/** SQLSTATE classes 08 (connection exception) and 57P0x (shutdown, starting up). */
const PG_UNAVAILABLE_STATE = /^(08...|57P0[1-4])$/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** The database's port from `backend.database.connection` (string or object). */
export function databasePort(config: Config): number | undefined {
  const connection = config.getOptional('backend.database.connection');
  if (typeof connection === 'string') {
    try {
      return Number(new URL(connection).port || 5432);
    } catch {
      return undefined; // a file name (SQLite)
    }
  }
  if (connection && typeof connection === 'object') {
    const port = (connection as { port?: unknown }).port;
    if (port !== undefined) return Number(port);
    return (connection as { host?: unknown }).host ? 5432 : undefined;
  }
  return undefined;
}

/** Whether a serialised error (or its causes) says the database is unreachable. */
export function isDatabaseUnavailable(
  error: any,
  port: number | undefined,
): boolean {
  for (let e = error, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e.name === 'KnexTimeoutError') return true;
    if (
      typeof e.code === 'string' &&
      e.severity &&
      PG_UNAVAILABLE_STATE.test(e.code)
    )
      return true;
    if (typeof e.message === 'string' && PG_CONNECTION_LOST.test(e.message))
      return true;
    if (
      port !== undefined &&
      NETWORK_CODES.has(e.code) &&
      Number(e.port) === port
    )
      return true;
  }
  return false;
}

/** The answer's `Retry-After`, in seconds: a restart takes a few. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/**
 * While the database is unreachable (a PostgreSQL restart or fail-over),
 * a request that failed on it is answered 503 with `Retry-After`, not 500:
 * load balancers and clients retry instead of reporting a bug, and the
 * message says what happened without the driver's internals. Other
 * errors pass unchanged. Backstage's error handler knows nothing of
 * database errors, so this rewrites its 500 answers on the way out.
 */
export function databaseUnavailable(config: Config): RequestHandler {
  const port = databasePort(config);
  return (_req, res, next) => {
    interceptResponseBody(res, text => {
      if (res.statusCode !== 500 || res.headersSent) return text;
      let body: any;
      try {
        body = JSON.parse(text);
      } catch {
        return text;
      }
      if (!isDatabaseUnavailable(body?.error, port)) return text;
      res.status(503);
      res.setHeader('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
      return JSON.stringify({
        ...body,
        error: {
          name: 'ServiceUnavailableError',
          message: `The portal's database is not reachable right now; try again in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
        },
        response: { ...body.response, statusCode: 503 },
      });
    });
    next();
  };
}
