import { DatabaseService } from '@backstage/backend-plugin-api';
import {
  ROLLOUT_ACTIONS,
  RolloutAction,
  RolloutActionRecord,
} from '@portolan/plugin-delivery-common';
import { Knex } from 'knex';

type NewRecord = Omit<RolloutActionRecord, 'id' | 'at'> & { at: Date };

/**
 * Audited canary actions. The tables come with DeploymentStore's
 * migrations, so create DeploymentStore first.
 */
export class RolloutActionStore {
  static async create(options: {
    database: DatabaseService;
  }): Promise<RolloutActionStore> {
    return new RolloutActionStore(await options.database.getClient());
  }

  private constructor(private readonly db: Knex) {}

  async add(record: NewRecord): Promise<RolloutActionRecord> {
    const [row] = await this.db('delivery_rollout_actions')
      .insert({
        entity_ref: record.entityRef,
        environment: record.environment ?? null,
        cluster: record.cluster,
        namespace: record.namespace,
        rollout: record.rollout,
        action: record.action,
        actor: record.actor,
        at: record.at,
        step_before: record.stepBefore,
        step_after: record.stepAfter,
        phase_before: record.phaseBefore,
        phase_after: record.phaseAfter,
      })
      .returning('id');
    const id = typeof row === 'object' ? row.id : row;
    return { ...record, id: String(id), at: record.at.toISOString() };
  }

  /** Actions on some entities in [from, to), newest first. */
  async list(options: {
    entityRefs: string[];
    from?: Date;
    to?: Date;
    environment?: string;
    limit?: number;
  }): Promise<RolloutActionRecord[]> {
    if (options.entityRefs.length === 0) return [];
    let q = this.db('delivery_rollout_actions')
      .whereIn('entity_ref', options.entityRefs)
      .orderBy([
        { column: 'at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(options.limit ?? 200);
    if (options.from) q = q.where('at', '>=', options.from);
    if (options.to) q = q.where('at', '<', options.to);
    if (options.environment) q = q.where('environment', options.environment);
    const rows = await q;
    // Rows with an action this version does not know are left out, not guessed.
    return rows
      .filter(r => (ROLLOUT_ACTIONS as string[]).includes(r.action))
      .map(r => ({
        id: String(r.id),
        entityRef: r.entity_ref,
        environment: r.environment ?? undefined,
        cluster: r.cluster,
        namespace: r.namespace,
        rollout: r.rollout,
        action: r.action as RolloutAction,
        actor: r.actor,
        at: new Date(r.at).toISOString(),
        stepBefore: Number(r.step_before),
        stepAfter: Number(r.step_after),
        phaseBefore: r.phase_before,
        phaseAfter: r.phase_after,
      }));
  }
}
