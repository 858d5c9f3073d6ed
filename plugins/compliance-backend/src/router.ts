import { HttpAuthService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError, NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  CHECK_GROUPS,
  CHECKS,
  CheckGroup,
} from '@portolan/plugin-compliance-common';
import express from 'express';
import Router from 'express-promise-router';
import stringify from 'csv-stringify/lib/sync';
import { z } from 'zod';
import {
  entityNamePart,
  entityParams,
  parseRequest,
} from '@portolan/portolan-node';
import { ComplianceService } from './services/ComplianceService';
import { WaiverService } from './services/WaiverService';

const DAY = 86_400_000;
const namePart = entityNamePart;
const parse = parseRequest;
const ref = (kind: string) =>
  z
    .string()
    .max(300)
    .transform((v, ctx) => {
      try {
        const parsed = parseEntityRef(v, {
          defaultKind: kind,
          defaultNamespace: 'default',
        });
        if (parsed.kind.toLocaleLowerCase('en-US') !== kind) throw new Error();
        return stringifyEntityRef(parsed);
      } catch {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `must be a ${kind} reference, like ${kind}:default/name`,
        });
        return z.NEVER;
      }
    });
const isoDate = z
  .string()
  .refine(
    v => !Number.isNaN(Date.parse(v)),
    'must be an ISO 8601 date or date-time',
  )
  .transform(v => new Date(v));

const summaryQuery = z
  .object({
    system: ref('system').optional(),
    lifecycle: z
      .string()
      .regex(/^[a-z0-9-]{1,63}$/, 'must be a lifecycle name')
      .optional(),
    group: z.enum(CHECK_GROUPS as [CheckGroup, ...CheckGroup[]]).optional(),
  })
  .strict();
const orgQuery = summaryQuery
  .extend({ team: ref('group').optional() })
  .strict();
const evidenceQuery = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();
const waiverBody = z
  .object({
    checkId: z.string().min(1, 'is required').max(63),
    reason: z
      .string({ required_error: 'a waiver needs a reason' })
      .max(2000)
      .refine(v => v.trim().length > 0, 'a waiver needs a reason'),
    expiresAt: isoDate,
  })
  .strict();
const decisionBody = z
  .object({ comment: z.string().max(2000).optional() })
  .strict();
const waiverId = z.object({ id: z.string().uuid('must be a waiver id') });
const waiversQuery = z
  .object({ status: z.enum(['pending', 'approved', 'rejected']).optional() })
  .strict();

/**
 * `/api/compliance`: reads for every signed-in user (services, teams, the
 * organisation, evidence); waivers are writes, permission-checked and
 * audited by WaiverService.
 */
export function createComplianceRouter(deps: {
  compliance: ComplianceService;
  waivers: WaiverService;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  waiverMaxDays: number;
  /** Whose members decide waivers (shown so the UI offers approving to them only). */
  waiverApproverGroups: string[];
}): express.Router {
  const { compliance, waivers, catalog, httpAuth } = deps;
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  const reader = (req: express.Request) =>
    httpAuth.credentials(req, { allow: ['user', 'service'] });
  const entityRefOf = async (req: express.Request, credentials: any) => {
    const p = parse(entityParams, req.params);
    const entity = await catalog.getEntityByRef(p, { credentials });
    if (!entity)
      throw new NotFoundError(
        `No entity ${stringifyEntityRef(p)} in the catalog`,
      );
    return stringifyEntityRef(entity);
  };

  router.get('/checks', async (req, res) => {
    await reader(req);
    res.json({
      checks: CHECKS,
      waiverMaxDays: deps.waiverMaxDays,
      waiverApproverGroups: deps.waiverApproverGroups,
    });
  });

  router.get('/entities/:kind/:namespace/:name', async (req, res) => {
    const credentials = await reader(req);
    res.json(await compliance.service(await entityRefOf(req, credentials)));
  });

  router.get('/teams/:namespace/:name', async (req, res) => {
    await reader(req);
    const p = parse(
      z.object({ namespace: namePart, name: namePart }),
      req.params,
    );
    const q = parse(summaryQuery, req.query);
    res.json(
      await compliance.summary({
        ...q,
        team: stringifyEntityRef({ kind: 'group', ...p }),
      }),
    );
  });

  router.get('/organisation', async (req, res) => {
    await reader(req);
    res.json(await compliance.summary(parse(orgQuery, req.query)));
  });

  router.get('/evidence', async (req, res) => {
    await reader(req);
    const q = parse(evidenceQuery, req.query);
    const to = q.to ?? new Date(compliance.now());
    const from = q.from ?? new Date(to.getTime() - 30 * DAY);
    if (from > to)
      throw new InputError("Invalid parameter 'from': must be before 'to'");
    if (to.getTime() - from.getTime() > 366 * DAY) {
      throw new InputError(
        "Invalid parameter 'from': the range may span at most 366 days",
      );
    }
    const evidence = await compliance.evidence(from, to);
    const name = `compliance-evidence-${from.toISOString().slice(0, 10)}-${to
      .toISOString()
      .slice(0, 10)}`;
    if (q.format === 'csv') {
      const rows = evidence.controls.flatMap(c =>
        c.results.map((r: any) => [
          c.control,
          r.entityRef,
          r.owner ?? '',
          r.checkId,
          r.status,
          r.reason,
          r.evidence.map((e: any) => `${e.source}: ${e.fact}`).join(' | '),
          r.from,
          r.to,
          r.waivers
            .map(
              (w: any) =>
                `${w.status} waiver ${w.id} by ${w.requestedBy}${
                  w.decidedBy ? `, decided by ${w.decidedBy}` : ''
                }, until ${w.expiresAt}: ${w.reason}`,
            )
            .join(' | '),
        ]),
      );
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="${name}.csv"`,
      );
      res.send(
        stringify(rows, {
          header: true,
          columns: [
            'control',
            'service',
            'owner',
            'check',
            'status',
            'reason',
            'facts',
            'from',
            'to',
            'waivers',
          ],
        }),
      );
      return;
    }
    res.setHeader('Content-Disposition', `inline; filename="${name}.json"`);
    res.json(evidence);
  });

  router.get('/waivers', async (req, res) => {
    await reader(req);
    const q = parse(waiversQuery, req.query);
    res.json({ items: await compliance.waivers(q.status) });
  });

  router.post('/entities/:kind/:namespace/:name/waivers', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const entityRef = await entityRefOf(req, credentials);
    const body = parse(waiverBody, req.body);
    res
      .status(201)
      .json(await waivers.request({ entityRef, ...body }, credentials, req));
  });

  router.post('/waivers/:id/approve', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { id } = parse(waiverId, req.params);
    const { comment } = parse(decisionBody, req.body ?? {});
    res.json(
      await waivers.decide(id, { approve: true, comment }, credentials, req),
    );
  });

  router.post('/waivers/:id/reject', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const { id } = parse(waiverId, req.params);
    const { comment } = parse(decisionBody, req.body ?? {});
    res.json(
      await waivers.decide(id, { approve: false, comment }, credentials, req),
    );
  });

  return router;
}
