import {
  HttpAuthService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import {
  entityNamePart,
  entityParams,
  parseRequest,
} from '@portolan/portolan-node';
import { assertCanReadCosts } from './services/assertCanReadCosts';
import { BudgetService } from './services/BudgetService';
import { CostService } from './services/CostService';

const budgetBody = z
  .object({
    amount: z.union([z.number().positive().finite().lt(1e12), z.null()], {
      errorMap: () => ({
        message: 'must be a positive number, or null to remove the budget',
      }),
    }),
  })
  .strict();

/**
 * `/api/finops`: costs per entity (with right-sizing), team and
 * organisation for signed-in users (`finops.cost.read`); owners set a
 * service's budget (`finops.budget.set`, checked by BudgetService).
 */
export function createFinopsRouter(deps: {
  costs: CostService;
  budgets: BudgetService;
  catalog: CatalogService;
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  costJumpThresholdPercent: number;
}): express.Router {
  const { costs, budgets, catalog, httpAuth, permissions } = deps;
  const router = Router();
  router.use(express.json({ limit: '10kb' }));

  const reader = async (req: express.Request) => {
    const credentials = await httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    await assertCanReadCosts(permissions, credentials);
    return credentials;
  };
  const entityOf = async (
    req: express.Request,
    credentials: any,
  ): Promise<Entity> => {
    const ref = parseRequest(entityParams, req.params);
    const entity = await catalog.getEntityByRef(ref, { credentials });
    if (!entity)
      throw new NotFoundError(
        `No entity ${stringifyEntityRef(ref)} in the catalog`,
      );
    return entity;
  };

  router.get('/entities/:kind/:namespace/:name/costs', async (req, res) => {
    const credentials = await reader(req);
    const entity = await entityOf(req, credentials);
    res.json({
      ...(await costs.entityCost(entity)),
      costJumpThresholdPercent: deps.costJumpThresholdPercent,
    });
  });

  router.get(
    '/entities/:kind/:namespace/:name/rightsizing',
    async (req, res) => {
      const credentials = await reader(req);
      const entity = await entityOf(req, credentials);
      res.json(await costs.rightsizing(stringifyEntityRef(entity)));
    },
  );

  router.put('/entities/:kind/:namespace/:name/budget', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const entity = await entityOf(req, credentials);
    const { amount } = parseRequest(budgetBody, req.body);
    await budgets.setBudget(entity, amount, credentials, req);
    const view = await costs.entityCost(entity);
    res.json({ entityRef: stringifyEntityRef(entity), budget: view.budget });
  });

  router.get('/teams/:namespace/:name', async (req, res) => {
    await reader(req);
    const { namespace, name } = parseRequest(
      z.object({ namespace: entityNamePart, name: entityNamePart }),
      req.params,
    );
    res.json(
      await costs.teamCost(
        stringifyEntityRef({ kind: 'group', namespace, name }),
      ),
    );
  });

  router.get('/organisation', async (req, res) => {
    await reader(req);
    res.json(await costs.organisationCost());
  });

  return router;
}
