import { BackstageCredentials, HttpAuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { DEPLOYMENT_RESULTS, DeploymentResult, DeploymentSummary } from '@portolan/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { computeDora, weekStart } from '../services/computeDora';
import { entityNamePart, entityParams, parseRequest } from '../http/parseRequest';

const name = entityNamePart;
const params = entityParams;
const parse = parseRequest;
const groupRef = z
  .string()
  .max(300)
  .transform((v, ctx) => {
    try {
      const ref = parseEntityRef(v, { defaultKind: 'group', defaultNamespace: 'default' });
      if (ref.kind.toLocaleLowerCase('en-US') !== 'group') throw new Error();
      return stringifyEntityRef(ref);
    } catch {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a group reference, like group:default/team-payments' });
      return z.NEVER;
    }
  });
const isoDate = z
  .string()
  .refine(v => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time')
  .transform(v => new Date(v));
const query = z
  .object({
    environment: z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be an environment name').optional(),
    result: z.enum(DEPLOYMENT_RESULTS as [DeploymentResult, ...DeploymentResult[]]).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();


/** Deployment timeline of one entity, newest first, cursor-paginated. */
export function createTimelineRouter(deps: {
  store: DeploymentStore;
  rolloutActions: RolloutActionStore;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  /** The Argo CD UI link of an app, when its instance is configured. */
  appUrl?: (instance: string, app: string) => string | undefined;
}): express.Router {
  const router = Router();
  /** A page of deploys for some entities (undefined: all), with the canary actions of its window. */
  async function timelinePage(entityRefs: string[] | undefined, q: z.infer<typeof query>) {
    const page = await deps.store.timeline({ entityRefs, ...q });
    // Canary actions interleave with the deploys of the same time window:
    // from this page's oldest deploy (or the start, on the last page) up to
    // where the previous page ended.
    const oldest = page.items[page.items.length - 1];
    const actions =
      q.result || !entityRefs
        ? []
        : await deps.rolloutActions.list({
            entityRefs,
            environment: q.environment,
            from: page.nextCursor && oldest ? new Date(oldest.startedAt) : q.from,
            to: q.cursor ? new Date(deps.store.cursorTime(q.cursor)) : q.to,
          });
    const items = page.items.map(d => ({ ...d, argoCdUrl: deps.appUrl?.(d.instance, d.app) }));
    return { ...page, items, actions, lastIngestedAt: await lastIngestedAt() };
  }

  async function lastIngestedAt() {
    const state = await deps.store.ingestionState();
    const successes = state.map(s => s.lastSuccessAt?.getTime()).filter((t): t is number => t !== undefined);
    return successes.length ? new Date(Math.min(...successes)).toISOString() : undefined;
  }

  /** The components a group owns or a system contains: one catalog query. */
  async function componentsOf(
    filter: { owner?: string; system?: string },
    credentials: BackstageCredentials,
  ): Promise<string[] | undefined> {
    if (!filter.owner && !filter.system) return undefined;
    const catalogFilter: Record<string, string> = { kind: 'component' };
    if (filter.owner) catalogFilter['relations.ownedBy'] = filter.owner;
    if (filter.system) catalogFilter['relations.partOf'] = filter.system;
    const { items } = await deps.catalog.getEntities(
      { filter: catalogFilter, fields: ['kind', 'metadata.namespace', 'metadata.name'] },
      { credentials },
    );
    return items.map(e => stringifyEntityRef(e));
  }

  async function existing(ref: string, credentials: BackstageCredentials): Promise<string> {
    const entity = await deps.catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${ref} in the catalog`);
    return stringifyEntityRef(entity);
  }

  router.get('/entities/:kind/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(params, req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const entityRef = await existing(stringifyEntityRef(ref), credentials);
    res.json(await timelinePage([entityRef], q));
  });

  router.get('/teams/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const owner = await existing(stringifyEntityRef({ kind: 'group', ...ref }), credentials);
    res.json(await timelinePage(await componentsOf({ owner }, credentials), q));
  });

  router.get('/systems/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const system = await existing(stringifyEntityRef({ kind: 'system', ...ref }), credentials);
    res.json(await timelinePage(await componentsOf({ system }, credentials), q));
  });

  const orgQuery = query.extend({ owner: groupRef.optional() }).strict();

  /** Across the organisation, optionally one team's. */
  router.get('/deployments', async (req, res) => {
    const { owner, ...q } = parse(orgQuery, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    if (owner) await existing(owner, credentials);
    res.json(await timelinePage(await componentsOf({ owner }, credentials), q));
  });

  const summaryQuery = z
    .object({
      owner: groupRef.optional(),
      environment: query.shape.environment,
      tz: z.coerce.number().int().min(-840).max(840).default(0),
    })
    .strict();

  /** Deploys today and this week (ISO week), in the caller's time zone offset (minutes, as Date#getTimezoneOffset). */
  router.get('/deployments/summary', async (req, res) => {
    const q = parse(summaryQuery, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    if (q.owner) await existing(q.owner, credentials);
    const offset = q.tz * 60_000;
    const local = new Date(Date.now() - offset);
    const dayStart = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + offset;
    const weekStartAt = dayStart - ((local.getUTCDay() + 6) % 7) * 86_400_000;
    const since = [new Date(dayStart), new Date(weekStartAt), new Date(Date.now() - 7 * 86_400_000)];
    const [today, thisWeek, lastSevenDays] = await deps.store.countSince({
      entityRefs: await componentsOf({ owner: q.owner }, credentials),
      environment: q.environment,
      since,
    });
    const [todayAt, thisWeekAt, lastSevenDaysAt] = since.map(d => d.toISOString());
    const summary: DeploymentSummary = {
      today,
      thisWeek,
      lastSevenDays,
      since: { today: todayAt, thisWeek: thisWeekAt, lastSevenDays: lastSevenDaysAt },
      lastIngestedAt: await lastIngestedAt(),
    };
    res.json(summary);
  });

  const doraQuery = z
    .object({
      weeks: z.coerce.number().int().min(1).max(52).default(12),
      environment: z.string().regex(/^[a-z0-9-]{1,63}$/, 'must be an environment name').default('prod'),
    })
    .strict();

  async function dora(subject: string, entityRefs: string[], raw: unknown) {
    const q = parse(doraQuery, raw);
    const now = Date.now();
    const since = new Date(weekStart(now) - (q.weeks - 1) * 7 * 86_400_000);
    const rows = await deps.store.doraRows({ entityRefs, environment: q.environment, since });
    return computeDora(rows, { subject, environment: q.environment, weeks: q.weeks, now });
  }

  router.get('/entities/:kind/:namespace/:name/dora', async (req, res) => {
    const ref = parse(params, req.params);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const entity = await deps.catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${stringifyEntityRef(ref)} in the catalog`);
    const entityRef = stringifyEntityRef(entity);
    res.json(await dora(entityRef, [entityRef], req.query));
  });

  router.get('/teams/:namespace/:name/dora', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const groupRef = stringifyEntityRef({ kind: 'group', ...ref });
    const group = await deps.catalog.getEntityByRef(groupRef, { credentials });
    if (!group) throw new NotFoundError(`No group ${groupRef} in the catalog`);
    // The team's services: one catalog query.
    const { items } = await deps.catalog.getEntities(
      { filter: { kind: 'component', 'relations.ownedBy': groupRef }, fields: ['kind', 'metadata.namespace', 'metadata.name'] },
      { credentials },
    );
    res.json(await dora(groupRef, items.map(e => stringifyEntityRef(e)), req.query));
  });

  return router;
}
