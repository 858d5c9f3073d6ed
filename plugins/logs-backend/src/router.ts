import {
  BackstageCredentials,
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DEFAULT_PAGE_SIZE,
  LogLine,
  LogScope,
  MAX_PAGE_SIZE,
  MAX_QUERY_LENGTH,
} from '@portolan/plugin-logs-common';
import {
  entityNamePart as namePart,
  entityParams,
} from '@portolan/portolan-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { LogsConfig } from './config/readLogsConfig';
import { LogReadAccess } from './scope/LogReadAccess';
import { LogScopeResolver } from './scope/LogScopeResolver';
import {
  LogSearchParams,
  LogSearchService,
  LogTarget,
} from './search/LogSearchService';

/** Parses request input; a failure is a 400 naming the parameter. */
function parse<T>(schema: z.ZodType<T, any, any>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const param =
      issue.path[0] ??
      (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : 'request');
    throw new InputError(
      `Invalid parameter '${String(param)}': ${issue.message}`,
    );
  }
  return result.data;
}

const values = (max: number) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform(v => ([] as string[]).concat(v))
    .pipe(
      z.array(z.string().min(1).max(256)).max(max, `at most ${max} values`),
    );
const isoDate = z
  .string()
  .max(40)
  .refine(
    v => /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v)),
    'must be an ISO 8601 date-time, like 2026-11-02T12:00:00Z',
  )
  .transform(v => new Date(v));
const searchQuery = z
  .object({
    q: z
      .string()
      .max(MAX_QUERY_LENGTH, `at most ${MAX_QUERY_LENGTH} characters`)
      .default(''),
    from: isoDate.optional(),
    to: isoDate.optional(),
    environment: values(20).default([]),
    level: values(10).default([]),
    pod: values(50).default([]),
    filter: values(20)
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[@A-Za-z0-9_][A-Za-z0-9_.@-]*:.+$/, 'must be field:value'),
        ),
      )
      .default([]),
    size: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE),
    cursor: z.string().max(6000).optional(),
  })
  .strict();
const MAX_RANGE_MS = 90 * 86_400_000;

/** The search parameters of a request's query, checked (range, size, query length): for the API and the logs actions. */
export function searchParams(raw: unknown, now: number): LogSearchParams {
  const q = parse(searchQuery, raw);
  const to = q.to ?? new Date(now);
  const from = q.from ?? new Date(to.getTime() - 3_600_000);
  if (from.getTime() >= to.getTime())
    throw new InputError(`Invalid parameter 'from': must be before 'to'`);
  if (to.getTime() - from.getTime() > MAX_RANGE_MS)
    throw new InputError(
      `Invalid parameter 'from': the range may span at most 90 days`,
    );
  if (to.getTime() > now + 86_400_000)
    throw new InputError(
      `Invalid parameter 'to': must not be more than a day in the future`,
    );
  return {
    q: q.q.trim(),
    from,
    to,
    environment: q.environment,
    level: q.level,
    pod: q.pod,
    filters: q.filter.map(f => ({
      field: f.slice(0, f.indexOf(':')),
      value: f.slice(f.indexOf(':') + 1),
    })),
    size: q.size,
    cursor: q.cursor,
  };
}

/** CSV cell: quoted when needed; a leading = + - @ is defused so spreadsheets do not run it. */
function csvCell(v: string | undefined): string {
  let s = v ?? '';
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const CSV_COLUMNS = [
  'timestamp',
  'service',
  'environment',
  'level',
  'pod',
  'traceId',
  'message',
] as const;

/** The logs API: every route needs a user or service credential, and `logs.read` on each entity it reads. */
export function createRouter(deps: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  catalog: CatalogService;
  scopes: LogScopeResolver;
  search: LogSearchService;
  config: LogsConfig;
  /** Who may read what (made here when not given; the plugin shares its own with the actions). */
  access?: LogReadAccess;
  now?: () => number;
}): express.Router {
  const { httpAuth, permissions, catalog, scopes, search } = deps;
  const now = deps.now ?? Date.now;
  const router = Router();

  const access =
    deps.access ?? new LogReadAccess({ permissions, catalog, scopes });
  const allowed = (refs: string[], credentials: BackstageCredentials) =>
    access.allowed(refs, credentials);

  /** The entity of the path, if the caller may see it and read its logs. */
  async function readable(
    req: express.Request,
  ): Promise<{ entity: Entity; target: LogTarget }> {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const p = parse(entityParams, req.params);
    const ref = stringifyEntityRef({
      kind: p.kind,
      namespace: p.namespace,
      name: p.name,
    });
    return access.readable(ref, credentials);
  }

  /** The targets for several entities: the ones the caller may read, grouped by cluster and index. */
  async function targetsOf(
    entities: Entity[],
    credentials: BackstageCredentials,
    key: string,
  ): Promise<LogTarget[]> {
    const refs = entities.map(e => stringifyEntityRef(e));
    const ok = await allowed(refs, credentials);
    const groups = new Map<string, LogTarget>();
    for (const entity of entities) {
      if (!ok.has(stringifyEntityRef(entity))) continue;
      let resolved: ReturnType<LogScopeResolver['resolve']>;
      try {
        resolved = scopes.resolve(entity);
      } catch {
        continue; // a bad annotation fails that service's own tab, not the others'
      }
      const k = `${resolved.client.name}\u0000${resolved.scope.index}`;
      const group = groups.get(k) ?? {
        client: resolved.client,
        index: resolved.scope.index,
        scopes: [] as LogScope[],
        key,
      };
      group.scopes.push(resolved.scope);
      groups.set(k, group);
    }
    return [...groups.values()];
  }

  router.get('/entities/:kind/:namespace/:name/scope', async (req, res) => {
    const { target } = await readable(req);
    res.json({
      scope: target.scopes[0],
      fields: target.client.config.fields,
      kibana: !!target.client.config.kibana,
      exportLimit: deps.config.exportLimit,
    });
  });

  router.get('/entities/:kind/:namespace/:name/search', async (req, res) => {
    const { target } = await readable(req);
    res.json(await search.search(target, searchParams(req.query, now())));
  });

  router.get('/entities/:kind/:namespace/:name/tail', async (req, res) => {
    const { target } = await readable(req);
    const { tailCursor, ...rest } = req.query as Record<string, unknown>;
    if (typeof tailCursor !== 'string' || tailCursor.length > 6000) {
      throw new InputError(
        `Invalid parameter 'tailCursor': required, as the search returned it`,
      );
    }
    res.json(await search.tail(target, searchParams(rest, now()), tailCursor));
  });

  router.get(
    '/entities/:kind/:namespace/:name/lines/:lineId/context',
    async (req, res) => {
      const { target } = await readable(req);
      const { size } = parse(
        z
          .object({ size: z.coerce.number().int().min(1).max(200).default(20) })
          .strict(),
        req.query,
      );
      const { lineId } = parse(
        z.object({
          lineId: z
            .string()
            .max(1000)
            .regex(/^[A-Za-z0-9_-]+$/, 'must be a line id this API returned'),
        }),
        { lineId: req.params.lineId },
      );
      res.json(await search.context(target, lineId, size));
    },
  );

  router.get('/entities/:kind/:namespace/:name/fields', async (req, res) => {
    const { target } = await readable(req);
    res.json({
      cluster: target.client.name,
      fields: await search.fields(target),
    });
  });

  router.get('/entities/:kind/:namespace/:name/export', async (req, res) => {
    const { target, entity } = await readable(req);
    const { format, limit, ...rest } = req.query as Record<string, unknown>;
    const { format: fmt, limit: max } = parse(
      z.object({
        format: z.enum(['ndjson', 'csv']).default('ndjson'),
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(deps.config.exportLimit)
          .default(deps.config.exportLimit),
      }),
      { format, limit },
    );
    const params = searchParams({ ...rest }, now());
    if (params.cursor)
      throw new InputError(
        `Invalid parameter 'cursor': an export always starts at the newest line`,
      );
    // Read the first lines before answering, so a bad query is still a 400.
    const lines = search.exportLines(target, params, max);
    const first = await lines.next();
    const filename = `${entity.metadata.name}-logs.${fmt}`;
    res.status(200);
    res.setHeader(
      'Content-Type',
      fmt === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
    );
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    const write = (line: LogLine) =>
      res.write(
        fmt === 'csv'
          ? `${CSV_COLUMNS.map(c => csvCell(line[c])).join(',')}\r\n`
          : `${JSON.stringify({
              '@timestamp': line.timestamp,
              ...line.fields,
            })}\n`,
      );
    if (fmt === 'csv') res.write(`${CSV_COLUMNS.join(',')}\r\n`);
    if (!first.done) write(first.value);
    for await (const line of lines) write(line);
    res.end();
  });

  router.get('/traces/:traceId', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const { traceId } = parse(
      z.object({
        traceId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be a trace id'),
      }),
      {
        traceId: req.params.traceId,
      },
    );
    const { items } = await catalog.getEntities(
      {
        filter: { kind: 'component' },
        fields: [
          'kind',
          'metadata.namespace',
          'metadata.name',
          'metadata.annotations',
        ],
      },
      { credentials },
    );
    const targets = await targetsOf(items, credentials, `trace:${traceId}`);
    res.json(await search.trace(targets, traceId));
  });

  router.get('/teams/:namespace/:name/search', async (req, res) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const p = parse(
      z.object({ namespace: namePart, name: namePart }),
      req.params,
    );
    const groupRef = stringifyEntityRef(
      parseEntityRef(`group:${p.namespace}/${p.name}`),
    );
    const group = await catalog.getEntityByRef(groupRef, { credentials });
    if (!group) throw new NotFoundError(`No group ${groupRef} in the catalog`);
    const { items } = await catalog.getEntities(
      {
        filter: { kind: 'component', 'relations.ownedBy': groupRef },
        fields: [
          'kind',
          'metadata.namespace',
          'metadata.name',
          'metadata.annotations',
        ],
      },
      { credentials },
    );
    const targets = await targetsOf(items, credentials, groupRef);
    if (targets.length === 0) {
      throw new NotFoundError(
        `${groupRef} owns no component whose logs you may read`,
      );
    }
    // One cluster and index per request: the one holding most of the team's services.
    const [target, ...others] = targets.sort(
      (a, b) => b.scopes.length - a.scopes.length,
    );
    const result = await search.search(target, searchParams(req.query, now()));
    res.json({
      ...result,
      otherClusters: others.map(o => ({
        cluster: o.client.name,
        index: o.index,
        services: o.scopes.map(s => s.service),
      })),
    });
  });

  return router;
}
