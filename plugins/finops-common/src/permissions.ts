import { createPermission } from '@backstage/plugin-permission-common';

/** Read costs, forecasts, budgets and right-sizing: every signed-in user. */
export const finopsCostReadPermission = createPermission({
  name: 'finops.cost.read',
  attributes: { action: 'read' },
});

/**
 * Set a service's monthly budget from the portal. A `catalog-entity`
 * resource permission, so the policy makes it conditional on owning it.
 */
export const finopsBudgetSetPermission = createPermission({
  name: 'finops.budget.set',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

export const finopsPermissions = [
  finopsCostReadPermission,
  finopsBudgetSetPermission,
];
