import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { Deployment, DeploymentResult } from '@portolan/plugin-delivery-common';
import { Knex } from 'knex';
import type { DoraRow } from '../services/computeDora';

const migrationsDir = resolvePackagePath(
  '@portolan/plugin-delivery-backend',
  'migrations',
);

/** What the timeline reads of a deployment row. */
const TIMELINE_COLUMNS = [
  'd.id',
  'd.entity_ref',
  'd.environment',
  'd.cluster',
  'd.instance',
  'd.app',
  'd.history_id',
  'd.revision',
  'd.previous_revision',
  'd.started_at',
  'd.finished_at',
  'd.result',
  'd.initiator',
  'd.repo_url',
];

/** A deployment as ingestion writes it. */
export interface DeploymentRow {
  entityRef: string;
  environment: string;
  cluster?: string;
  instance: string;
  app: string;
  historyId: number;
  revision: string;
  previousRevision?: string;
  startedAt: Date;
  finishedAt?: Date;
  result: DeploymentResult;
  initiator?: string;
  repoUrl?: string;
}

/**
 * A deployment as the timeline reads it, with the repository it was synced
 * from: links to forges are built where the SCM integrations are known.
 */
export type StoredDeployment = Omit<Deployment, 'commitUrl' | 'argoCdUrl'> & {
  repoUrl?: string;
};

export interface RevisionMetadata {
  author?: string;
  message?: string;
  date?: Date;
}

/** Revision metadata as Argo CD answers it (an unparsable date is dropped). */
export function revisionMetadataFrom(answer: {
  author?: string;
  message?: string;
  date?: string;
}): RevisionMetadata {
  const date = answer.date ? new Date(answer.date) : undefined;
  return {
    author: answer.author,
    message: answer.message,
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
  };
}

export interface TimelineQuery {
  /** One entity, several (a team's, a system's), or every entity. */
  entityRef?: string;
  entityRefs?: string[];
  environment?: string;
  result?: DeploymentResult;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
}

interface Cursor {
  startedAt: string;
  id: string;
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.startedAt, c.id])).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const [startedAt, id] = JSON.parse(
      Buffer.from(raw, 'base64url').toString('utf8'),
    );
    if (
      typeof startedAt !== 'string' ||
      Number.isNaN(Date.parse(startedAt)) ||
      !/^\d+$/.test(String(id))
    ) {
      throw new Error('bad shape');
    }
    return { startedAt, id: String(id) };
  } catch {
    throw new InputError(
      "Invalid parameter 'cursor': not a cursor this API issued",
    );
  }
}

/** How revision metadata is keyed in maps. */
export function revisionKey(k: {
  instance: string;
  app: string;
  revision: string;
}): string {
  return `${k.instance}\u0000${k.app}\u0000${k.revision}`;
}

/** Timestamps come back as Date (PostgreSQL) or epoch ms (SQLite). */
function toDate(v: unknown): Date | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof Date) return v;
  if (typeof v === 'number' || /^\d+$/.test(String(v)))
    return new Date(Number(v));
  return new Date(String(v));
}

/**
 * Deployments and their ingestion state. The only code that touches the
 * delivery tables.
 */
export class DeploymentStore {
  static async create(options: {
    database: DatabaseService;
    skipMigrations?: boolean;
  }): Promise<DeploymentStore> {
    const client = await options.database.getClient();
    if (!options.database.migrations?.skip && !options.skipMigrations) {
      await client.migrate.latest({
        directory: migrationsDir,
        tableName: 'delivery_knex_migrations',
      });
    }
    return new DeploymentStore(client);
  }

  private readonly isPostgres: boolean;

  private constructor(private readonly db: Knex) {
    this.isPostgres = String(db.client.config.client).startsWith('pg');
  }

  /**
   * Inserts new deploys; a deploy already stored keeps what it was first
   * stored with (its entity, environment, revision, previous revision and
   * result: history is classified once, against the stored history, and
   * Argo CD's moving window never rewrites it). Only what was not known yet
   * is added: how an in-flight operation ended, a finish time, and a canary
   * abort learnt after Argo CD recorded the sync as a success.
   */
  async upsertDeployments(rows: DeploymentRow[]): Promise<void> {
    const keepOrFill = (column: string) =>
      this.db.raw('COALESCE(??, ??)', [
        `delivery_deployments.${column}`,
        `excluded.${column}`,
      ]);
    for (let i = 0; i < rows.length; i += 200) {
      const batch = rows.slice(i, i + 200).map(r => ({
        entity_ref: r.entityRef,
        environment: r.environment,
        cluster: r.cluster ?? null,
        instance: r.instance,
        app: r.app,
        history_id: r.historyId,
        revision: r.revision,
        previous_revision: r.previousRevision ?? null,
        started_at: r.startedAt,
        finished_at: r.finishedAt ?? null,
        result: r.result,
        initiator: r.initiator ?? null,
        repo_url: r.repoUrl ?? null,
      }));
      await this.db('delivery_deployments')
        .insert(batch)
        .onConflict(['instance', 'app', 'history_id'])
        .merge({
          // Not entity_ref, environment, revision, started_at: a stored
          // deploy never changes hands (another entity claiming the app
          // later gets the deploys it has not seen, not these).
          cluster: keepOrFill('cluster'),
          previous_revision: keepOrFill('previous_revision'),
          finished_at: keepOrFill('finished_at'),
          result: this.db.raw(
            `CASE WHEN delivery_deployments.result = 'in-progress' THEN excluded.result
              WHEN delivery_deployments.result = 'succeeded' AND excluded.result = 'canary-aborted' THEN excluded.result
              ELSE delivery_deployments.result END`,
          ),
          initiator: keepOrFill('initiator'),
          repo_url: keepOrFill('repo_url'),
        });
    }
  }

  /**
   * The history ids already stored for some apps of an instance, from each
   * app's `fromHistoryId` on (the window Argo CD shows): one query per 100
   * apps, on the (instance, app, history_id) index.
   */
  async storedHistoryIds(
    instance: string,
    apps: Array<{ app: string; fromHistoryId: number }>,
  ): Promise<Map<string, Set<number>>> {
    const stored = new Map<string, Set<number>>();
    for (let i = 0; i < apps.length; i += 100) {
      const chunk = apps.slice(i, i + 100);
      const rows = await this.db('delivery_deployments')
        .select('app', 'history_id')
        .where('instance', instance)
        .andWhere(qb => {
          for (const a of chunk)
            qb.orWhere(w =>
              w
                .where('app', a.app)
                .andWhere('history_id', '>=', a.fromHistoryId),
            );
        });
      for (const r of rows) {
        const ids = stored.get(r.app) ?? new Set<number>();
        ids.add(Number(r.history_id));
        stored.set(r.app, ids);
      }
    }
    return stored;
  }

  /**
   * What the stored history says before some apps' first new deploy, to
   * classify new deploys against it: the revision of the last stored
   * history entry before `beforeHistoryId`, and, of the given revisions,
   * the first history id each was stored under in the app.
   */
  async priorDeploys(
    instance: string,
    apps: Array<{ app: string; beforeHistoryId: number; revisions: string[] }>,
  ): Promise<{
    lastRevisionBefore: Map<string, string>;
    firstDeployOf: Map<string, number>;
  }> {
    const lastRevisionBefore = new Map<string, string>();
    const firstDeployOf = new Map<string, number>();
    for (let i = 0; i < apps.length; i += 100) {
      const chunk = apps.slice(i, i + 100);
      const last = await this.db('delivery_deployments')
        .select('app', 'revision')
        .where('instance', instance)
        .whereIn(
          ['app', 'history_id'],
          this.db('delivery_deployments')
            .select('app')
            .max('history_id')
            .where('instance', instance)
            .andWhere('history_id', '>=', 0)
            .andWhere(qb => {
              for (const a of chunk)
                qb.orWhere(w =>
                  w
                    .where('app', a.app)
                    .andWhere('history_id', '<', a.beforeHistoryId),
                );
            })
            .groupBy('app'),
        );
      for (const r of last) lastRevisionBefore.set(r.app, r.revision);
      const withRevisions = chunk.filter(a => a.revisions.length);
      if (withRevisions.length === 0) continue;
      const firsts = await this.db('delivery_deployments')
        .select('app', 'revision', this.db.raw('MIN(history_id) as first_id'))
        .where('instance', instance)
        .andWhere('history_id', '>=', 0)
        .andWhere(qb => {
          for (const a of withRevisions)
            qb.orWhere(w =>
              w.where('app', a.app).whereIn('revision', a.revisions),
            );
        })
        .groupBy('app', 'revision');
      for (const r of firsts)
        firstDeployOf.set(`${r.app}\u0000${r.revision}`, Number(r.first_id));
    }
    return { lastRevisionBefore, firstDeployOf };
  }

  /**
   * Marks the latest deploy of an entity on a cluster as canary-aborted
   * (after an abort through Portolan). Returns whether a row changed.
   */
  async markCanaryAborted(q: {
    entityRef: string;
    cluster: string;
  }): Promise<boolean> {
    const latest = await this.db('delivery_deployments')
      .where({ entity_ref: q.entityRef, cluster: q.cluster })
      .orderBy([
        { column: 'started_at', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .first('id', 'result');
    if (
      !latest ||
      latest.result === 'failed' ||
      latest.result === 'canary-aborted'
    )
      return false;
    await this.db('delivery_deployments')
      .where({ id: latest.id })
      .update({ result: 'canary-aborted' });
    return true;
  }

  /** Which of these (instance, app, revision) have no metadata yet. */
  async missingRevisionMetadata(
    keys: Array<{ instance: string; app: string; revision: string }>,
  ): Promise<Array<{ instance: string; app: string; revision: string }>> {
    const known = await this.revisionMessages(keys);
    return keys.filter(k => !known.has(revisionKey(k)));
  }

  /**
   * The stored commit message of each of these revisions that has metadata
   * (keyed by `revisionKey`; a revision without a message maps to '').
   */
  async revisionMessages(
    keys: Array<{ instance: string; app: string; revision: string }>,
  ): Promise<Map<string, string>> {
    const known = new Map<string, string>();
    for (const [key, meta] of await this.revisionMetadata(keys))
      known.set(key, meta.message ?? '');
    return known;
  }

  /**
   * The stored metadata of each of these revisions that has some, keyed by
   * `revisionKey`: one query per 200 apps, on the table's primary key.
   */
  async revisionMetadata(
    keys: Array<{ instance: string; app: string; revision: string }>,
  ): Promise<Map<string, RevisionMetadata>> {
    const revisionsByApp = new Map<
      string,
      { instance: string; app: string; revisions: Set<string> }
    >();
    for (const k of keys) {
      const appKey = `${k.instance}\u0000${k.app}`;
      const entry = revisionsByApp.get(appKey) ?? {
        instance: k.instance,
        app: k.app,
        revisions: new Set<string>(),
      };
      entry.revisions.add(k.revision);
      revisionsByApp.set(appKey, entry);
    }
    const apps = [...revisionsByApp.values()];
    const known = new Map<string, RevisionMetadata>();
    for (let i = 0; i < apps.length; i += 200) {
      const rows = await this.db('delivery_revision_metadata')
        .select('instance', 'app', 'revision', 'author', 'message', 'date')
        .where(qb => {
          for (const { instance, app, revisions } of apps.slice(i, i + 200))
            qb.orWhere(w =>
              w.where({ instance, app }).whereIn('revision', [...revisions]),
            );
        });
      for (const r of rows) {
        known.set(revisionKey(r), {
          author: r.author ?? undefined,
          message: r.message ?? undefined,
          date: toDate(r.date),
        });
      }
    }
    return known;
  }

  async putRevisionMetadata(
    instance: string,
    app: string,
    revision: string,
    meta: RevisionMetadata,
  ): Promise<void> {
    await this.putRevisionMetadataMany([{ instance, app, revision, meta }]);
  }

  /** Many at once: one statement per 200 rows instead of one per revision. */
  async putRevisionMetadataMany(
    rows: Array<{
      instance: string;
      app: string;
      revision: string;
      meta: RevisionMetadata;
    }>,
  ): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await this.db('delivery_revision_metadata')
        .insert(
          rows.slice(i, i + 200).map(({ instance, app, revision, meta }) => ({
            instance,
            app,
            revision,
            author: meta.author ?? null,
            message: meta.message ?? null,
            date: meta.date ?? null,
          })),
        )
        .onConflict(['instance', 'app', 'revision'])
        .merge();
    }
  }

  async recordIngestion(
    instance: string,
    outcome: { at: Date; error?: string },
  ): Promise<void> {
    const current = await this.db('delivery_ingestion_state')
      .where({ instance })
      .first();
    const row = outcome.error
      ? {
          instance,
          last_attempt_at: outcome.at,
          last_error: outcome.error,
          failures: (current?.failures ?? 0) + 1,
        }
      : {
          instance,
          last_attempt_at: outcome.at,
          last_success_at: outcome.at,
          last_error: null,
          failures: 0,
        };
    await this.db('delivery_ingestion_state')
      .insert(row)
      .onConflict('instance')
      .merge();
  }

  async ingestionState(): Promise<
    Array<{
      instance: string;
      lastSuccessAt?: Date;
      lastAttemptAt?: Date;
      lastError?: string;
      failures: number;
    }>
  > {
    const rows = await this.db('delivery_ingestion_state').select();
    return rows.map(r => ({
      instance: r.instance,
      lastSuccessAt: toDate(r.last_success_at),
      lastAttemptAt: toDate(r.last_attempt_at),
      lastError: r.last_error ?? undefined,
      failures: Number(r.failures),
    }));
  }

  /** The instant a timeline cursor points at (where its page ended). */
  cursorTime(cursor: string): string {
    return decodeCursor(cursor).startedAt;
  }

  async timeline(
    q: TimelineQuery,
  ): Promise<{ items: StoredDeployment[]; nextCursor?: string }> {
    const refs = q.entityRef ? [q.entityRef] : q.entityRefs;
    if (refs && refs.length === 0) return { items: [] };
    const filter = (query: Knex.QueryBuilder, t: string) => {
      if (refs?.length === 1) query.where(`${t}.entity_ref`, refs[0]);
      else if (refs) query.whereIn(`${t}.entity_ref`, refs);
      if (q.environment) query.andWhere(`${t}.environment`, q.environment);
      if (q.result) query.andWhere(`${t}.result`, q.result);
      if (q.from) query.andWhere(`${t}.started_at`, '>=', q.from);
      if (q.to) query.andWhere(`${t}.started_at`, '<', q.to);
      if (q.cursor) {
        const c = decodeCursor(q.cursor);
        query.andWhereRaw(`(${t}.started_at, ${t}.id) < (?, ?)`, [
          new Date(c.startedAt),
          Number(c.id),
        ]);
      }
      return query
        .orderBy([
          { column: `${t}.started_at`, order: 'desc' },
          { column: `${t}.id`, order: 'desc' },
        ])
        .limit(q.limit + 1);
    };
    const withMetadata = (query: Knex.QueryBuilder) =>
      query
        .leftJoin('delivery_revision_metadata as m', function join() {
          this.on('m.instance', 'd.instance')
            .andOn('m.app', 'd.app')
            .andOn('m.revision', 'd.revision');
        })
        .select(
          ...TIMELINE_COLUMNS,
          'm.author as commit_author_m',
          'm.message as commit_message_m',
          'm.date as commit_date_m',
        );
    // PostgreSQL plans the one query well (index scan, limit, then the
    // join). SQLite joins before limiting: there, take the page's ids off
    // the index first, then the wide rows for those ids only.
    const rows = this.isPostgres
      ? await filter(withMetadata(this.db('delivery_deployments as d')), 'd')
      : await withMetadata(
          this.db
            .with(
              'page',
              filter(
                this.db('delivery_deployments as p').select(
                  'p.id',
                  'p.started_at',
                ),
                'p',
              ),
            )
            .from('page')
            .join('delivery_deployments as d', 'd.id', 'page.id'),
        ).orderBy([
          { column: 'd.started_at', order: 'desc' },
          { column: 'd.id', order: 'desc' },
        ]);
    const items = rows.slice(0, q.limit).map(toDeployment);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > q.limit && last
          ? encodeCursor({ startedAt: last.startedAt, id: last.id })
          : undefined,
    };
  }

  /** Deploys started since each instant, for "today" and "this week". */
  async countSince(q: {
    entityRefs?: string[];
    environment?: string;
    since: Date[];
  }): Promise<number[]> {
    if (q.entityRefs && q.entityRefs.length === 0) return q.since.map(() => 0);
    const earliest = new Date(Math.min(...q.since.map(d => d.getTime())));
    const query = this.db('delivery_deployments').where(
      'started_at',
      '>=',
      earliest,
    );
    if (q.entityRefs) query.whereIn('entity_ref', q.entityRefs);
    if (q.environment) query.andWhere('environment', q.environment);
    const select = q.since.map((d, i) =>
      this.db.raw(`SUM(CASE WHEN started_at >= ? THEN 1 ELSE 0 END) as c${i}`, [
        d,
      ]),
    );
    const [row] = await query.select(select);
    return q.since.map((_, i) => Number(row?.[`c${i}`] ?? 0));
  }

  /**
   * Drops apps' in-flight rows (negative history ids) once Argo CD's
   * history has caught up with them: the history entry replaces them. One
   * statement per 100 apps.
   */
  async resolveInProgress(
    instance: string,
    apps: Array<{ app: string; upTo: Date }>,
  ): Promise<void> {
    for (let i = 0; i < apps.length; i += 100) {
      const chunk = apps.slice(i, i + 100);
      const caughtUp = () =>
        this.db('delivery_deployments')
          .where({ instance })
          .andWhere('history_id', '<', 0)
          .andWhere(qb => {
            for (const a of chunk)
              qb.orWhere(w =>
                w.where('app', a.app).andWhere('started_at', '<=', a.upTo),
              );
          });
      // An operation aborted through Portolan while in flight hands the
      // abort on to its history entry (same app, revision and start).
      const aborted = await caughtUp()
        .andWhere('result', 'canary-aborted')
        .select('app', 'revision', 'started_at');
      for (const op of aborted) {
        await this.db('delivery_deployments')
          .where({
            instance,
            app: op.app,
            revision: op.revision,
            result: 'succeeded',
          })
          .andWhere('history_id', '>=', 0)
          .andWhere('started_at', toDate(op.started_at)!)
          .update({ result: 'canary-aborted' });
      }
      await caughtUp()
        .whereIn('result', ['in-progress', 'canary-aborted'])
        .delete();
    }
  }

  /** The rows DORA needs: one query for any number of entities. */
  async doraRows(q: {
    entityRefs: string[];
    environment: string;
    since: Date;
  }): Promise<DoraRow[]> {
    if (q.entityRefs.length === 0) return [];
    const rows = await this.db('delivery_deployments as d')
      .leftJoin('delivery_revision_metadata as m', function join() {
        this.on('m.instance', 'd.instance')
          .andOn('m.app', 'd.app')
          .andOn('m.revision', 'd.revision');
      })
      .select(
        'd.app',
        'd.instance',
        'd.history_id',
        'd.revision',
        'd.started_at',
        'd.finished_at',
        'd.result',
        'm.date as commit_date',
        'm.message as commit_message',
      )
      .whereIn('d.entity_ref', q.entityRefs)
      .andWhere('d.environment', q.environment)
      .andWhere('d.started_at', '>=', q.since);
    return rows.map(r => ({
      app: r.app,
      instance: r.instance,
      historyId: Number(r.history_id),
      revision: r.revision,
      startedAt: toDate(r.started_at)!,
      finishedAt: toDate(r.finished_at),
      commitDate: toDate(r.commit_date),
      commitMessage: r.commit_message ?? undefined,
      result: r.result,
    }));
  }

  /** Deletes deployments that started before `before` (retention). */
  async deleteOlderThan(before: Date): Promise<number> {
    return this.db('delivery_deployments')
      .where('started_at', '<', before)
      .delete();
  }
}

function toDeployment(r: any): StoredDeployment {
  const commitDate = toDate(r.commit_date_m);
  return {
    id: String(r.id),
    entityRef: r.entity_ref,
    environment: r.environment,
    cluster: r.cluster ?? undefined,
    instance: r.instance,
    app: r.app,
    historyId: Number(r.history_id),
    revision: r.revision,
    previousRevision: r.previous_revision ?? undefined,
    commit:
      r.commit_author_m || r.commit_message_m
        ? {
            author: r.commit_author_m ?? undefined,
            message: r.commit_message_m ?? undefined,
            date: commitDate?.toISOString(),
          }
        : undefined,
    startedAt: toDate(r.started_at)!.toISOString(),
    finishedAt: toDate(r.finished_at)?.toISOString(),
    result: r.result,
    initiator: r.initiator ?? undefined,
    repoUrl: r.repo_url ?? undefined,
  };
}
