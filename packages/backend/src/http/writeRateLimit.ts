import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';

/** Config key: `{ window: <duration>, limit: <number> }`. */
export const WRITE_RATE_LIMIT_CONFIG_KEY = 'portolan.rateLimit.writes';

/**
 * Routes that change something upstream or in the catalog: canary actions,
 * template runs, catalog registrations and deletions. Reads that happen to
 * use POST (catalog by-refs, permission checks, Kubernetes queries) are not
 * limited here.
 */
const WRITE_ROUTES: Array<{ methods: string[]; path: RegExp }> = [
  { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], path: /^\/api\/delivery\// },
  { methods: ['POST'], path: /^\/api\/scaffolder\/v2\/(tasks|dry-run)(\/|$)/ },
  {
    methods: ['POST', 'DELETE'],
    path: /^\/api\/catalog\/(locations|refresh)(\/|$)/,
  },
  { methods: ['DELETE'], path: /^\/api\/catalog\/entities\// },
];

export function isWriteRoute(method: string, path: string): boolean {
  return WRITE_ROUTES.some(
    r => r.methods.includes(method) && r.path.test(path),
  );
}

/**
 * Rate limiting of write routes, per client address (default 60 a minute):
 * a script or a stuck client cannot hammer Argo CD, the clusters or the Git
 * server through the portal. Answers 429 with a Backstage error body.
 */
export function writeRateLimit(config: Config): RequestHandler {
  const settings = config.getOptionalConfig(WRITE_RATE_LIMIT_CONFIG_KEY);
  const windowMs = settings?.has('window')
    ? durationToMilliseconds(
        readDurationFromConfig(settings, { key: 'window' }),
      )
    : 60_000;
  const limit = settings?.getOptionalNumber('limit') ?? 60;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(
      `Invalid config value at '${WRITE_RATE_LIMIT_CONFIG_KEY}.limit': must be a positive integer`,
    );
  }
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    skip: req => !isWriteRoute(req.method, req.originalUrl.split('?')[0]),
    keyGenerator: req =>
      ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? ''),
    statusCode: 429,
    message: {
      error: {
        name: 'TooManyRequestsError',
        message: `Too many changes from this client: at most ${limit} per ${Math.round(
          windowMs / 1000,
        )} s; try again shortly`,
      },
      response: { statusCode: 429 },
    },
    validate: { trustProxy: false },
  });
}
