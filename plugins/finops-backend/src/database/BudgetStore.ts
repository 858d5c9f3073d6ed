import { DatabaseService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { CostStore } from './CostStore';

export interface StoredBudget {
  entityRef: string;
  amount: number;
  currency: string;
  setBy: string;
  setAt: Date;
}

/** Budgets set in Portolan and the alerts sent about them. The only code touching those tables. */
export class BudgetStore {
  /** Runs the plugin's migrations first (through CostStore), unless skipped. */
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<BudgetStore> {
    await CostStore.create(options);
    return new BudgetStore(await options.database.getClient());
  }

  private constructor(private readonly db: Knex) {}

  async get(entityRef: string): Promise<StoredBudget | undefined> {
    const r = await this.db('finops_budgets')
      .where('entity_ref', entityRef)
      .first();
    return r ? toBudget(r) : undefined;
  }

  async list(): Promise<StoredBudget[]> {
    return (await this.db('finops_budgets').select()).map(toBudget);
  }

  /** Changes whenever a budget is set or removed (for caches of derived answers). */
  async version(): Promise<string> {
    const r = await this.db('finops_budgets')
      .count({ n: '*' })
      .max({ at: 'set_at' })
      .first();
    return `${r?.n ?? 0}:${
      r?.at instanceof Date ? r.at.toISOString() : r?.at ?? ''
    }`;
  }

  async set(budget: StoredBudget): Promise<void> {
    await this.db('finops_budgets')
      .insert({
        entity_ref: budget.entityRef,
        amount: budget.amount,
        currency: budget.currency,
        set_by: budget.setBy,
        set_at: budget.setAt,
      })
      .onConflict('entity_ref')
      .merge();
  }

  async remove(entityRef: string): Promise<void> {
    await this.db('finops_budgets').where('entity_ref', entityRef).delete();
  }

  /**
   * Records that an alert for a period is being sent; false when one was
   * already sent (so an alert goes out once per period, whichever replica
   * or cycle gets there first).
   */
  async claimAlert(
    entityRef: string,
    period: string,
    budget: number,
    forecast: number,
    at: Date,
  ): Promise<boolean> {
    const inserted = await this.db('finops_budget_alerts')
      .insert({ entity_ref: entityRef, period, budget, forecast, sent_at: at })
      .onConflict(['entity_ref', 'period'])
      .ignore()
      .returning('entity_ref');
    return inserted.length > 0;
  }

  async releaseAlert(entityRef: string, period: string): Promise<void> {
    await this.db('finops_budget_alerts')
      .where({ entity_ref: entityRef, period })
      .delete();
  }

  async alerts(
    entityRef: string,
  ): Promise<Array<{ period: string; budget: number; forecast: number }>> {
    return (
      await this.db('finops_budget_alerts').where('entity_ref', entityRef)
    ).map(r => ({
      period: r.period,
      budget: Number(r.budget),
      forecast: Number(r.forecast),
    }));
  }
}

function toBudget(r: any): StoredBudget {
  return {
    entityRef: r.entity_ref,
    amount: Number(r.amount),
    currency: r.currency,
    setBy: r.set_by,
    setAt:
      r.set_at instanceof Date
        ? r.set_at
        : new Date(typeof r.set_at === 'number' ? r.set_at : String(r.set_at)),
  };
}
