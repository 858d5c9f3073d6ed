import {
  BackstageCredentials,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  DEPLOYMENT_RESULTS,
  DeploymentResult,
  DeploymentSummary,
} from '@portolan/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { DeploymentStore } from '../database/DeploymentStore';
import { RolloutActionStore } from '../database/RolloutActionStore';
import { DeliveryCalendar, isTimeZone } from '../services/DeliveryCalendar';
import { DeploymentMetricsService } from '../services/DeploymentMetricsService';
import { DeploymentTimelineService } from '../services/DeploymentTimelineService';
import {
  entityNamePart,
  entityParams,
  parseRequest,
} from '@portolan/portolan-node';

const name = entityNamePart;
const params = entityParams;
const parse = parseRequest;
const groupRef = z
  .string()
  .max(300)
  .transform((v, ctx) => {
    try {
      const ref = parseEntityRef(v, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      });
      if (ref.kind.toLocaleLowerCase('en-US') !== 'group') throw new Error();
      return stringifyEntityRef(ref);
    } catch {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: 'must be a group reference, like group:default/team-payments',
      });
      return z.NEVER;
    }
  });
const isoDate = z
  .string()
  .refine(v => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 date-time')
  .transform(v => new Date(v));
const query = z
  .object({
    environment: z
      .string()
      .regex(/^[a-z0-9-]{1,63}$/, 'must be an environment name')
      .optional(),
    result: z
      .enum(DEPLOYMENT_RESULTS as [DeploymentResult, ...DeploymentResult[]])
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const timeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone, like Europe/Berlin')
  .default('UTC');

/** Deployment timeline of one entity, newest first, cursor-paginated. */
export function createTimelineRouter(deps: {
  store: DeploymentStore;
  rolloutActions: RolloutActionStore;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  /** The Argo CD UI link of an app, when its instance is configured. */
  appUrl?: (instance: string, app: string) => string | undefined;
  /** A commit's page in its forge (from the SCM integrations). */
  commitUrl?: (repoUrl: string, revision: string) => string | undefined;
  /** Day and week arithmetic, and the clock (tests pin it). */
  calendar?: DeliveryCalendar;
}): express.Router {
  const router = Router();
  const metrics = DeploymentMetricsService.create({
    store: deps.store,
    calendar: deps.calendar,
  });
  const timeline = DeploymentTimelineService.create({
    store: deps.store,
    rolloutActions: deps.rolloutActions,
    metrics,
    appUrl: deps.appUrl,
    commitUrl: deps.commitUrl,
  });
  const timelinePage = (
    entityRefs: string[] | undefined,
    q: z.infer<typeof query>,
  ) => timeline.page(entityRefs, q);

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
      {
        filter: catalogFilter,
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials },
    );
    return items.map(e => stringifyEntityRef(e));
  }

  async function existing(
    ref: string,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const entity = await deps.catalog.getEntityByRef(ref, { credentials });
    if (!entity) throw new NotFoundError(`No entity ${ref} in the catalog`);
    return stringifyEntityRef(entity);
  }

  router.get(
    '/entities/:kind/:namespace/:name/deployments',
    async (req, res) => {
      const ref = parse(params, req.params);
      const q = parse(query, req.query);
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      const entityRef = await existing(stringifyEntityRef(ref), credentials);
      res.json(await timelinePage([entityRef], q));
    },
  );

  router.get('/teams/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const owner = await existing(
      stringifyEntityRef({ kind: 'group', ...ref }),
      credentials,
    );
    res.json(await timelinePage(await componentsOf({ owner }, credentials), q));
  });

  router.get('/systems/:namespace/:name/deployments', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const q = parse(query, req.query);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const system = await existing(
      stringifyEntityRef({ kind: 'system', ...ref }),
      credentials,
    );
    res.json(
      await timelinePage(await componentsOf({ system }, credentials), q),
    );
  });

  const orgQuery = query.extend({ owner: groupRef.optional() }).strict();

  /** Across the organisation, optionally one team's. */
  router.get('/deployments', async (req, res) => {
    const { owner, ...q } = parse(orgQuery, req.query);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (owner) await existing(owner, credentials);
    res.json(await timelinePage(await componentsOf({ owner }, credentials), q));
  });

  const summaryQuery = z
    .object({
      owner: groupRef.optional(),
      environment: query.shape.environment,
      timeZone,
    })
    .strict();

  /** Deploys today and this week (ISO week) in the caller's IANA time zone, and in the last seven days. */
  router.get('/deployments/summary', async (req, res) => {
    const q = parse(summaryQuery, req.query);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    if (q.owner) await existing(q.owner, credentials);
    const summary: DeploymentSummary = await metrics.summary({
      entityRefs: await componentsOf({ owner: q.owner }, credentials),
      environment: q.environment,
      timeZone: q.timeZone,
    });
    res.json(summary);
  });

  const doraQuery = z
    .object({
      weeks: z.coerce.number().int().min(1).max(52).default(12),
      environment: z
        .string()
        .regex(/^[a-z0-9-]{1,63}$/, 'must be an environment name')
        .default('prod'),
      timeZone,
    })
    .strict();

  async function dora(subject: string, entityRefs: string[], raw: unknown) {
    const q = parse(doraQuery, raw);
    return metrics.dora({ subject, entityRefs, ...q });
  }

  router.get('/entities/:kind/:namespace/:name/dora', async (req, res) => {
    const ref = parse(params, req.params);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const entityRef = await existing(stringifyEntityRef(ref), credentials);
    res.json(await dora(entityRef, [entityRef], req.query));
  });

  router.get('/teams/:namespace/:name/dora', async (req, res) => {
    const ref = parse(z.object({ namespace: name, name }), req.params);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    const owner = await existing(
      stringifyEntityRef({ kind: 'group', ...ref }),
      credentials,
    );
    res.json(
      await dora(
        owner,
        (await componentsOf({ owner }, credentials)) ?? [],
        req.query,
      ),
    );
  });

  return router;
}
