import { Entity } from '@backstage/catalog-model';
import { kubernetesSelectorOf } from '@portolan/plugin-delivery-common';

/**
 * On a service (Component) or a team (Group): the monthly budget, a positive
 * number with an optional ISO 4217 currency that must be the configured one
 * (`finops.currency`), e.g. `1200` or `1200 EUR`.
 */
export const MONTHLY_BUDGET_ANNOTATION = 'portolan.dev/monthly-budget';
// Workload identity and cluster environments are the delivery plugins'
// (the same ones the Kubernetes tab and canary controls use): one
// definition, re-exported for FinOps.
export {
  ENVIRONMENT_ANNOTATION,
  KUBERNETES_ID_ANNOTATION,
  KUBERNETES_LABEL_SELECTOR_ANNOTATION,
  KUBERNETES_NAMESPACE_ANNOTATION,
} from '@portolan/plugin-delivery-common';

/** The label selector finding an entity's workloads, if it has one. */
export const workloadSelectorOf = kubernetesSelectorOf;

/** True for entities whose workloads' costs Portolan can attribute. */
export function isFinopsAvailable(entity: Entity): boolean {
  return workloadSelectorOf(entity) !== undefined;
}

/** A budget as written in the annotation. */
export interface ParsedBudget {
  amount: number;
  currency?: string;
}

/**
 * Parses a `portolan.dev/monthly-budget` value. Throws an Error that says
 * what is wrong: not a positive number, or a currency other than `currency`.
 */
export function parseBudgetAnnotation(
  value: string,
  currency: string,
): ParsedBudget {
  const m =
    /^\s*(?:([A-Z]{3})\s+)?(\d{1,12}(?:\.\d{1,2})?)\s*(?:([A-Z]{3}))?\s*$/.exec(
      value,
    );
  if (!m || (m[1] && m[3])) {
    throw new Error(
      `${MONTHLY_BUDGET_ANNOTATION} must be a positive amount with an optional currency, like '1200' or '1200 ${currency}'; got '${value}'`,
    );
  }
  const amount = Number(m[2]);
  if (!(amount > 0)) {
    throw new Error(
      `${MONTHLY_BUDGET_ANNOTATION} must be a positive amount; got '${value}'`,
    );
  }
  const given = m[1] ?? m[3];
  if (given && given !== currency) {
    throw new Error(
      `${MONTHLY_BUDGET_ANNOTATION} is in ${given}, but costs are in ${currency} (finops.currency)`,
    );
  }
  return { amount, currency: given };
}
