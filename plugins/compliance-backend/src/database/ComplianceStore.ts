import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  CheckResult,
  CheckStatus,
  Evidence,
  KpiSnapshot,
  Waiver,
  WaiverStatus,
} from '@portolan/plugin-compliance-common';
import { Knex } from 'knex';

const migrationsDir = resolvePackagePath(
  '@portolan/plugin-compliance-backend',
  'migrations',
);

export interface EntityRow {
  entityRef: string;
  title?: string;
  owner?: string;
  system?: string;
  lifecycle?: string;
}

/** A stored result: a stretch of time over which a check said the same. */
export interface StoredResult extends CheckResult {
  entityRef: string;
  firstSeen: Date;
  lastSeen: Date;
}

export interface ScoreRow {
  entityRef: string;
  week: string;
  score: number | null;
  level: string;
  pass: number;
  fail: number;
  waived: number;
  unknown: number;
}

function toDate(v: unknown): Date {
  if (v instanceof Date) return v;
  if (typeof v === 'number' || /^\d+$/.test(String(v)))
    return new Date(Number(v));
  return new Date(String(v));
}

const CHUNK = 200;

/** Compliance tables: the only code touching them. */
export class ComplianceStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<ComplianceStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'compliance_knex_migrations',
      });
    }
    return new ComplianceStore(client);
  }

  private constructor(readonly db: Knex) {}

  /** Replaces the set of services (those gone are kept, inactive). */
  async saveEntities(entities: EntityRow[]): Promise<void> {
    await this.db.transaction(async tx => {
      await tx('compliance_entities').update({ active: false });
      for (let i = 0; i < entities.length; i += CHUNK) {
        await tx('compliance_entities')
          .insert(
            entities.slice(i, i + CHUNK).map(e => ({
              entity_ref: e.entityRef,
              title: e.title ?? null,
              owner_ref: e.owner ?? null,
              system_ref: e.system ?? null,
              lifecycle: e.lifecycle ?? null,
              active: true,
            })),
          )
          .onConflict('entity_ref')
          .merge();
      }
    });
  }

  async entities(): Promise<EntityRow[]> {
    const rows = await this.db('compliance_entities').where('active', true);
    return rows.map(r => ({
      entityRef: r.entity_ref,
      title: r.title ?? undefined,
      owner: r.owner_ref ?? undefined,
      system: r.system_ref ?? undefined,
      lifecycle: r.lifecycle ?? undefined,
    }));
  }

  async entity(entityRef: string): Promise<EntityRow | undefined> {
    const r = await this.db('compliance_entities')
      .where('entity_ref', entityRef)
      .first();
    return r
      ? {
          entityRef: r.entity_ref,
          title: r.title ?? undefined,
          owner: r.owner_ref ?? undefined,
          system: r.system_ref ?? undefined,
          lifecycle: r.lifecycle ?? undefined,
        }
      : undefined;
  }

  /**
   * Records one evaluation: a result equal (status and reason) to the
   * current one extends it; a different one closes it and starts a new
   * stretch; checks no longer evaluated for a service stop being current.
   */
  async recordResults(
    results: Array<CheckResult & { entityRef: string }>,
    at: Date,
  ): Promise<void> {
    await this.db.transaction(async tx => {
      const current = await tx('compliance_results')
        .where('current', true)
        .select('id', 'entity_ref', 'check_id', 'status', 'reason');
      const byKey = new Map(
        current.map(r => [`${r.entity_ref}\u0000${r.check_id}`, r]),
      );
      const extend: number[] = [];
      const close: number[] = [];
      const insert: any[] = [];
      const seen = new Set<string>();
      for (const r of results) {
        const key = `${r.entityRef}\u0000${r.checkId}`;
        seen.add(key);
        const old = byKey.get(key);
        if (old && old.status === r.status && old.reason === r.reason) {
          extend.push(old.id);
          continue;
        }
        if (old) close.push(old.id);
        insert.push({
          entity_ref: r.entityRef,
          check_id: r.checkId,
          status: r.status,
          reason: r.reason,
          evidence: JSON.stringify(r.evidence),
          first_seen: at,
          last_seen: at,
          current: true,
        });
      }
      for (const [key, old] of byKey) if (!seen.has(key)) close.push(old.id);
      for (let i = 0; i < extend.length; i += 500) {
        await tx('compliance_results')
          .whereIn('id', extend.slice(i, i + 500))
          .update({ last_seen: at });
      }
      for (let i = 0; i < close.length; i += 500) {
        await tx('compliance_results')
          .whereIn('id', close.slice(i, i + 500))
          .update({ current: false });
      }
      for (let i = 0; i < insert.length; i += CHUNK) {
        await tx('compliance_results').insert(insert.slice(i, i + CHUNK));
      }
    });
  }

  /** Current results, of some services or all. */
  async currentResults(entityRefs?: string[]): Promise<StoredResult[]> {
    const q = this.db('compliance_results').where('current', true);
    if (entityRefs) q.whereIn('entity_ref', entityRefs);
    return (await q).map(toResult);
  }

  /** Results whose stretch overlaps [from, to]. */
  async resultsBetween(from: Date, to: Date): Promise<StoredResult[]> {
    const rows = await this.db('compliance_results')
      .where('first_seen', '<=', to)
      .andWhere('last_seen', '>=', from)
      .orderBy(['entity_ref', 'check_id', 'first_seen']);
    return rows.map(toResult);
  }

  async saveScores(rows: ScoreRow[], at: Date): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.db('compliance_scores')
        .insert(
          rows.slice(i, i + CHUNK).map(r => ({
            entity_ref: r.entityRef,
            week: r.week,
            score: r.score,
            level: r.level,
            pass: r.pass,
            fail: r.fail,
            waived: r.waived,
            unknown: r.unknown,
            evaluated_at: at,
          })),
        )
        .onConflict(['entity_ref', 'week'])
        .merge();
    }
  }

  async scoreHistory(entityRef: string, fromWeek: string): Promise<ScoreRow[]> {
    const rows = await this.db('compliance_scores')
      .where('entity_ref', entityRef)
      .andWhere('week', '>=', fromWeek)
      .orderBy('week');
    return rows.map(toScore);
  }

  async saveKpis(
    snapshots: Array<{ scope: string; snapshot: KpiSnapshot }>,
  ): Promise<void> {
    for (let i = 0; i < snapshots.length; i += CHUNK) {
      await this.db('compliance_kpis')
        .insert(
          snapshots.slice(i, i + CHUNK).map(s => ({
            scope: s.scope,
            week: s.snapshot.week,
            snapshot: JSON.stringify(s.snapshot),
          })),
        )
        .onConflict(['scope', 'week'])
        .merge();
    }
  }

  async kpiTrend(scope: string, fromWeek: string): Promise<KpiSnapshot[]> {
    const rows = await this.db('compliance_kpis')
      .where('scope', scope)
      .andWhere('week', '>=', fromWeek)
      .orderBy('week')
      .select('snapshot');
    return rows.map(r => JSON.parse(r.snapshot));
  }

  /** Drops what is older than the retention (52 weeks). */
  async prune(beforeWeek: string, before: Date): Promise<void> {
    await this.db('compliance_scores').where('week', '<', beforeWeek).delete();
    await this.db('compliance_kpis').where('week', '<', beforeWeek).delete();
    await this.db('compliance_results')
      .where('current', false)
      .andWhere('last_seen', '<', before)
      .delete();
  }

  async insertWaiver(w: Waiver): Promise<void> {
    await this.db('compliance_waivers').insert({
      id: w.id,
      entity_ref: w.entityRef,
      check_id: w.checkId,
      reason: w.reason,
      expires_at: new Date(w.expiresAt),
      status: w.status,
      requested_by: w.requestedBy,
      requested_at: new Date(w.requestedAt),
    });
  }

  async waiver(id: string): Promise<Waiver | undefined> {
    const r = await this.db('compliance_waivers').where('id', id).first();
    return r ? toWaiver(r) : undefined;
  }

  /** Decides a pending waiver; false when it was no longer pending. */
  async decideWaiver(
    id: string,
    decision: {
      status: 'approved' | 'rejected';
      decidedBy: string;
      decidedAt: Date;
      comment?: string;
    },
  ): Promise<boolean> {
    const n = await this.db('compliance_waivers')
      .where({ id, status: 'pending' })
      .update({
        status: decision.status,
        decided_by: decision.decidedBy,
        decided_at: decision.decidedAt,
        comment: decision.comment ?? null,
      });
    return n > 0;
  }

  async waivers(
    filter: { entityRefs?: string[]; status?: WaiverStatus; from?: Date } = {},
  ): Promise<Waiver[]> {
    const q = this.db('compliance_waivers').orderBy('requested_at', 'desc');
    if (filter.entityRefs) q.whereIn('entity_ref', filter.entityRefs);
    if (filter.status) q.where('status', filter.status);
    if (filter.from) q.where('expires_at', '>=', filter.from);
    return (await q).map(toWaiver);
  }

  /** Changes whenever results or waivers do: the key of read caches. */
  async version(): Promise<string> {
    const [state, waivers] = await Promise.all([
      this.db('compliance_state').where('key', 'evaluation_id').first(),
      this.db('compliance_waivers')
        .count({ n: '*' })
        .max({ at: 'decided_at' })
        .first(),
    ]);
    const at =
      waivers?.at instanceof Date
        ? waivers.at.toISOString()
        : waivers?.at ?? '';
    return `${state?.value ?? ''}|${waivers?.n ?? 0}|${at}`;
  }

  async setState(key: string, value: string): Promise<void> {
    await this.db('compliance_state')
      .insert({ key, value })
      .onConflict('key')
      .merge();
  }

  async getState(key: string): Promise<string | undefined> {
    return (await this.db('compliance_state').where('key', key).first())?.value;
  }
}

function toResult(r: any): StoredResult {
  return {
    entityRef: r.entity_ref,
    checkId: r.check_id,
    status: r.status as CheckStatus,
    reason: r.reason,
    evidence: JSON.parse(r.evidence) as Evidence[],
    firstSeen: toDate(r.first_seen),
    lastSeen: toDate(r.last_seen),
  };
}

function toScore(r: any): ScoreRow {
  return {
    entityRef: r.entity_ref,
    week: r.week,
    score: r.score === null ? null : Number(r.score),
    level: r.level,
    pass: Number(r.pass),
    fail: Number(r.fail),
    waived: Number(r.waived),
    unknown: Number(r.unknown),
  };
}

function toWaiver(r: any): Waiver {
  return {
    id: r.id,
    entityRef: r.entity_ref,
    checkId: r.check_id,
    reason: r.reason,
    expiresAt: toDate(r.expires_at).toISOString(),
    status: r.status,
    requestedBy: r.requested_by,
    requestedAt: toDate(r.requested_at).toISOString(),
    decidedBy: r.decided_by ?? undefined,
    decidedAt: r.decided_at ? toDate(r.decided_at).toISOString() : undefined,
    comment: r.comment ?? undefined,
  };
}
