import { HttpAuthService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { DEPLOYMENT_RESULTS, DeploymentResult } from '@portolan/plugin-delivery-common';
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
}): express.Router {
  const router = Router();
  router.get('/entities/:kind/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(params, req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const entity = await deps.catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${stringifyEntityRef(ref)} in the catalog`);
    const entityRef = stringifyEntityRef(entity);
    const page = await deps.store.timeline({ entityRef, ...q });
    // Canary actions interleave with the deploys of the same time window:
    // from this page's oldest deploy (or the start, on the last page) up to
    // where the previous page ended.
    const oldest = page.items[page.items.length - 1];
    const actions = await deps.rolloutActions.list({
      entityRefs: [entityRef],
      environment: q.environment,
      from: page.nextCursor && oldest ? new Date(oldest.startedAt) : q.from,
      to: q.cursor ? new Date(deps.store.cursorTime(q.cursor)) : q.to,
    });
    const state = await deps.store.ingestionState();
    const successes = state.map(s => s.lastSuccessAt?.getTime()).filter((t): t is number => t !== undefined);
    res.json({
      ...page,
      actions: q.result ? [] : actions,
      lastIngestedAt: successes.length ? new Date(Math.min(...successes)).toISOString() : undefined,
    });
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
