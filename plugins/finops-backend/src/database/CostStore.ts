import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@portolan/plugin-finops-backend',
  'migrations',
);

/** Stand-ins for what no entity claims, in the per-entity rollup. */
export const UNALLOCATED_REF = '__unallocated__';
export const IDLE_REF = '__idle__';

/** One workload's cost on one day in one cluster, as ingestion writes it. */
export interface WorkloadCostRow {
  day: string;
  cluster: string;
  environment: string;
  namespace: string;
  workload: string;
  kind: 'workload' | 'idle';
  entityRef?: string;
  cpuCost: number;
  ramCost: number;
  pvCost: number;
  networkCost: number;
  lbCost: number;
  otherCost: number;
  totalCost: number;
  cpuRequest: number;
  cpuUsage: number;
  ramRequest: number;
  ramUsage: number;
  minutes: number;
}

export interface IngestionState {
  cluster: string;
  lastDay?: string;
  lastSuccessAt?: Date;
  lastAttemptAt?: Date;
  lastError?: string;
  failures: number;
}

export interface EntityInfo {
  entityRef: string;
  title?: string;
  ownerRef?: string;
  systemRef?: string;
  annotationBudget?: number;
}

function toDate(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v;
  if (typeof v === 'number' || /^\d+$/.test(String(v)))
    return new Date(Number(v));
  return new Date(String(v));
}

const COLUMNS: Array<[keyof WorkloadCostRow, string]> = [
  ['day', 'day'],
  ['cluster', 'cluster'],
  ['environment', 'environment'],
  ['namespace', 'namespace'],
  ['workload', 'workload'],
  ['kind', 'kind'],
  ['entityRef', 'entity_ref'],
  ['cpuCost', 'cpu_cost'],
  ['ramCost', 'ram_cost'],
  ['pvCost', 'pv_cost'],
  ['networkCost', 'network_cost'],
  ['lbCost', 'lb_cost'],
  ['otherCost', 'other_cost'],
  ['totalCost', 'total_cost'],
  ['cpuRequest', 'cpu_request'],
  ['cpuUsage', 'cpu_usage'],
  ['ramRequest', 'ram_request'],
  ['ramUsage', 'ram_usage'],
  ['minutes', 'minutes'],
];

function fromRow(r: any): WorkloadCostRow {
  const out: any = {};
  for (const [k, c] of COLUMNS) out[k] = r[c] ?? undefined;
  for (const [k] of COLUMNS.slice(7)) out[k] = Number(out[k] ?? 0);
  return out;
}

/** Daily costs, the catalog as ingestion saw it, and ingestion state. The only code touching those tables. */
export class CostStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<CostStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'finops_knex_migrations',
      });
    }
    return new CostStore(client);
  }

  private constructor(readonly db: Knex) {}

  /**
   * Replaces a cluster's rows for some days (re-ingesting a day never
   * double counts) and recomputes the per-entity rollup of those days, in
   * one transaction.
   */
  async replaceDays(
    cluster: string,
    days: string[],
    rows: WorkloadCostRow[],
  ): Promise<void> {
    if (!days.length) return;
    await this.db.transaction(async tx => {
      for (let i = 0; i < days.length; i += 100) {
        await tx('finops_workload_costs')
          .where('cluster', cluster)
          .whereIn('day', days.slice(i, i + 100))
          .delete();
      }
      const records = rows.map(r =>
        Object.fromEntries(COLUMNS.map(([k, c]) => [c, (r as any)[k] ?? null])),
      );
      // 19 columns a row: stay under SQLite's 999 bound parameters.
      for (let i = 0; i < records.length; i += 50) {
        await tx('finops_workload_costs').insert(records.slice(i, i + 50));
      }
      for (let i = 0; i < days.length; i += 100) {
        const chunk = days.slice(i, i + 100);
        await tx('finops_entity_daily').whereIn('day', chunk).delete();
        await tx.raw(
          `INSERT INTO finops_entity_daily (entity_ref, day, total_cost)
           SELECT CASE WHEN kind = 'idle' THEN ? ELSE COALESCE(entity_ref, ?) END AS ref, day, SUM(total_cost)
           FROM finops_workload_costs WHERE day IN (${chunk
             .map(() => '?')
             .join(',')})
           GROUP BY 1, 2`,
          [IDLE_REF, UNALLOCATED_REF, ...chunk],
        );
      }
    });
  }

  async ingestionStates(): Promise<IngestionState[]> {
    const rows = await this.db('finops_ingestion_state').select();
    return rows.map(r => ({
      cluster: r.cluster,
      lastDay: r.last_day ?? undefined,
      lastSuccessAt: toDate(r.last_success_at),
      lastAttemptAt: toDate(r.last_attempt_at),
      lastError: r.last_error ?? undefined,
      failures: Number(r.failures ?? 0),
    }));
  }

  async recordSuccess(
    cluster: string,
    lastDay: string,
    at: Date,
  ): Promise<void> {
    await this.db('finops_ingestion_state')
      .insert({
        cluster,
        last_day: lastDay,
        last_success_at: at,
        last_attempt_at: at,
        last_error: null,
        failures: 0,
      })
      .onConflict('cluster')
      .merge();
  }

  async recordFailure(cluster: string, error: string, at: Date): Promise<void> {
    await this.db('finops_ingestion_state')
      .insert({ cluster, last_attempt_at: at, last_error: error, failures: 1 })
      .onConflict('cluster')
      .merge({
        last_attempt_at: at,
        last_error: error,
        failures: this.db.raw('finops_ingestion_state.failures + 1'),
      });
  }

  /** Keeps the entities table in step with the catalog (owners, systems, annotation budgets). */
  async syncEntities(entities: EntityInfo[]): Promise<void> {
    await this.db.transaction(async tx => {
      const known = new Set<string>(
        (await tx('finops_entities').select('entity_ref')).map(
          r => r.entity_ref,
        ),
      );
      const records = entities.map(e => ({
        entity_ref: e.entityRef,
        title: e.title ?? null,
        owner_ref: e.ownerRef ?? null,
        system_ref: e.systemRef ?? null,
        annotation_budget: e.annotationBudget ?? null,
      }));
      for (let i = 0; i < records.length; i += 150) {
        await tx('finops_entities')
          .insert(records.slice(i, i + 150))
          .onConflict('entity_ref')
          .merge();
      }
      const gone = [...known].filter(
        ref => !entities.some(e => e.entityRef === ref),
      );
      for (let i = 0; i < gone.length; i += 200)
        await tx('finops_entities')
          .whereIn('entity_ref', gone.slice(i, i + 200))
          .delete();
    });
  }

  async entity(entityRef: string): Promise<EntityInfo | undefined> {
    const r = await this.db('finops_entities')
      .where('entity_ref', entityRef)
      .first();
    return r ? toEntity(r) : undefined;
  }

  async entitiesOwnedBy(ownerRef: string): Promise<EntityInfo[]> {
    return (await this.db('finops_entities').where('owner_ref', ownerRef)).map(
      toEntity,
    );
  }

  async entities(): Promise<EntityInfo[]> {
    return (await this.db('finops_entities').select()).map(toEntity);
  }

  /** An entity's workload rows between two days (inclusive). */
  async workloadRows(
    entityRef: string,
    from: string,
    to: string,
  ): Promise<WorkloadCostRow[]> {
    const rows = await this.db('finops_workload_costs')
      .where('entity_ref', entityRef)
      .andWhere('day', '>=', from)
      .andWhere('day', '<=', to)
      .orderBy('day');
    return rows.map(fromRow);
  }

  /** Every workload row between two days, for rows no entity claims or all (right-sizing, idle). */
  async rowsBetween(
    from: string,
    to: string,
    options: { unallocatedOnly?: boolean } = {},
  ): Promise<WorkloadCostRow[]> {
    const q = this.db('finops_workload_costs')
      .where('day', '>=', from)
      .andWhere('day', '<=', to);
    if (options.unallocatedOnly)
      q.whereNull('entity_ref').andWhere('kind', 'workload');
    return (await q).map(fromRow);
  }

  /** Daily totals of some entities (or of everything, per entity ref) between two days. */
  async entityDaily(
    from: string,
    to: string,
    entityRefs?: string[],
  ): Promise<Array<{ entityRef: string; day: string; total: number }>> {
    const out: Array<{ entityRef: string; day: string; total: number }> = [];
    const read = async (refs?: string[]) => {
      const q = this.db('finops_entity_daily')
        .select('entity_ref', 'day', 'total_cost')
        .where('day', '>=', from)
        .andWhere('day', '<=', to);
      if (refs) q.whereIn('entity_ref', refs);
      for (const r of await q)
        out.push({
          entityRef: r.entity_ref,
          day: r.day,
          total: Number(r.total_cost),
        });
    };
    if (!entityRefs) await read();
    else
      for (let i = 0; i < entityRefs.length; i += 500)
        await read(entityRefs.slice(i, i + 500));
    return out;
  }

  /**
   * The refs an owner's rows are read by, in chunks: looked up first, then
   * given to the row query as a list, so PostgreSQL reads them through the
   * (entity_ref, day) key instead of joining (its planner hashes the whole
   * date range for a join, 3-4 times slower at 100 services of 1,000).
   */
  private async ownedRefChunks(ownerRef: string): Promise<string[][]> {
    const refs = (
      await this.db('finops_entities')
        .where('owner_ref', ownerRef)
        .select('entity_ref')
    ).map((r: { entity_ref: string }) => r.entity_ref);
    const chunks: string[][] = [];
    for (let i = 0; i < refs.length; i += 500)
      chunks.push(refs.slice(i, i + 500));
    return chunks;
  }

  /** A team's daily total (its entities summed per day, in SQL). */
  async ownerDaily(
    ownerRef: string,
    from: string,
    to: string,
  ): Promise<Array<{ day: string; total: number }>> {
    const byDay = new Map<string, number>();
    for (const refs of await this.ownedRefChunks(ownerRef)) {
      const rows = await this.db('finops_entity_daily')
        .whereIn('entity_ref', refs)
        .andWhere('day', '>=', from)
        .andWhere('day', '<=', to)
        .groupBy('day')
        .select('day')
        .sum({ total: 'total_cost' });
      for (const r of rows as Array<{ day: string; total: unknown }>)
        byDay.set(r.day, (byDay.get(r.day) ?? 0) + Number(r.total));
    }
    return [...byDay]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, total]) => ({ day, total }));
  }

  /**
   * Per entity (of one owner, or all), the cost of [from, mid) and [mid, to]
   * (the previous and the current period), in SQL.
   */
  async periodTotals(
    from: string,
    mid: string,
    to: string,
    ownerRef?: string,
  ): Promise<Array<{ entityRef: string; last: number; previous: number }>> {
    if (ownerRef) {
      const out: Array<{ entityRef: string; last: number; previous: number }> =
        [];
      for (const refs of await this.ownedRefChunks(ownerRef))
        out.push(...(await this.periodTotalsOf(from, mid, to, refs)));
      return out;
    }
    return this.periodTotalsOf(from, mid, to);
  }

  private async periodTotalsOf(
    from: string,
    mid: string,
    to: string,
    entityRefs?: string[],
  ): Promise<Array<{ entityRef: string; last: number; previous: number }>> {
    const q = this.db('finops_entity_daily as d')
      .where('d.day', '>=', from)
      .andWhere('d.day', '<=', to)
      .groupBy('d.entity_ref')
      .select('d.entity_ref')
      .select(
        this.db.raw(
          'SUM(CASE WHEN d.day >= ? THEN d.total_cost ELSE 0 END) AS last',
          [mid],
        ),
      )
      .select(
        this.db.raw(
          'SUM(CASE WHEN d.day < ? THEN d.total_cost ELSE 0 END) AS previous',
          [mid],
        ),
      );
    if (entityRefs) q.whereIn('d.entity_ref', entityRefs);
    return (await q).map((r: any) => ({
      entityRef: r.entity_ref,
      last: Number(r.last),
      previous: Number(r.previous),
    }));
  }

  /** The organisation's daily totals, split into allocated, unallocated and idle, in SQL. */
  async organisationDaily(
    from: string,
    to: string,
  ): Promise<
    Array<{ day: string; allocated: number; unallocated: number; idle: number }>
  > {
    const rows = await this.db('finops_entity_daily')
      .where('day', '>=', from)
      .andWhere('day', '<=', to)
      .groupBy('day')
      .select('day')
      .select(
        this.db.raw(
          'SUM(CASE WHEN entity_ref = ? THEN total_cost ELSE 0 END) AS unallocated',
          [UNALLOCATED_REF],
        ),
      )
      .select(
        this.db.raw(
          'SUM(CASE WHEN entity_ref = ? THEN total_cost ELSE 0 END) AS idle',
          [IDLE_REF],
        ),
      )
      .select(
        this.db.raw(
          'SUM(CASE WHEN entity_ref NOT IN (?, ?) THEN total_cost ELSE 0 END) AS allocated',
          [UNALLOCATED_REF, IDLE_REF],
        ),
      );
    return rows.map((r: any) => ({
      day: r.day,
      allocated: Number(r.allocated),
      unallocated: Number(r.unallocated),
      idle: Number(r.idle),
    }));
  }

  /** Unallocated workloads and idle capacity over a period, summed in SQL. */
  async unallocatedAndIdle(
    from: string,
    to: string,
  ): Promise<
    Array<{
      kind: string;
      cluster: string;
      environment: string;
      namespace: string;
      workload: string;
      cost: number;
    }>
  > {
    const rows = await this.db('finops_workload_costs')
      .where('day', '>=', from)
      .andWhere('day', '<=', to)
      .andWhere(q => q.whereNull('entity_ref').orWhere('kind', 'idle'))
      .groupBy('kind', 'cluster', 'environment', 'namespace', 'workload')
      .select('kind', 'cluster', 'environment', 'namespace', 'workload')
      .sum({ cost: 'total_cost' });
    return rows.map((r: any) => ({ ...r, cost: Number(r.cost) }));
  }

  /** Per entity, environment and cluster: CPU used and requested (minute-weighted) over a period, in SQL. */
  async utilisation(
    from: string,
    to: string,
  ): Promise<
    Array<{
      entityRef: string;
      environment: string;
      cluster: string;
      used: number;
      requested: number;
      days: number;
    }>
  > {
    const rows = await this.db('finops_workload_costs')
      .where('day', '>=', from)
      .andWhere('day', '<=', to)
      .whereNotNull('entity_ref')
      .andWhere('kind', 'workload')
      .groupBy('entity_ref', 'environment', 'cluster')
      .select('entity_ref', 'environment', 'cluster')
      .select(this.db.raw('SUM(cpu_usage * minutes) AS used'))
      .select(this.db.raw('SUM(cpu_request * minutes) AS requested'))
      .select(this.db.raw('COUNT(DISTINCT day) AS days'));
    return rows.map((r: any) => ({
      entityRef: r.entity_ref,
      environment: r.environment,
      cluster: r.cluster,
      used: Number(r.used),
      requested: Number(r.requested),
      days: Number(r.days),
    }));
  }

  /** Rows of some entities between two days. */
  async rowsOf(
    entityRefs: string[],
    from: string,
    to: string,
  ): Promise<WorkloadCostRow[]> {
    const out: WorkloadCostRow[] = [];
    for (let i = 0; i < entityRefs.length; i += 200) {
      const rows = await this.db('finops_workload_costs')
        .whereIn('entity_ref', entityRefs.slice(i, i + 200))
        .andWhere('day', '>=', from)
        .andWhere('day', '<=', to);
      out.push(...rows.map(fromRow));
    }
    return out;
  }

  /** Daily totals of a team's entities, per entity and day. */
  async ownerTotals(
    ownerRef: string,
    from: string,
    to: string,
  ): Promise<Array<{ entityRef: string; day: string; total: number }>> {
    const rows = await this.db('finops_entity_daily as d')
      .join('finops_entities as e', 'e.entity_ref', 'd.entity_ref')
      .where('e.owner_ref', ownerRef)
      .andWhere('d.day', '>=', from)
      .andWhere('d.day', '<=', to)
      .select('d.entity_ref', 'd.day', 'd.total_cost');
    return rows.map(r => ({
      entityRef: r.entity_ref,
      day: r.day,
      total: Number(r.total_cost),
    }));
  }
}

function toEntity(r: any): EntityInfo {
  return {
    entityRef: r.entity_ref,
    title: r.title ?? undefined,
    ownerRef: r.owner_ref ?? undefined,
    systemRef: r.system_ref ?? undefined,
    annotationBudget:
      r.annotation_budget === null || r.annotation_budget === undefined
        ? undefined
        : Number(r.annotation_budget),
  };
}
