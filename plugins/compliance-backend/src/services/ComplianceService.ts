import { NotFoundError } from '@backstage/errors';
import {
  CheckGroup,
  CheckResultView,
  CheckStatus,
  ComplianceSummary,
  ServiceCompliance,
  checkById,
} from '@portolan/plugin-compliance-common';
import {
  ComplianceSettings,
  NO_LEVEL,
  levelOf,
} from '../config/ComplianceConfig';
import {
  ComplianceStore,
  EntityRow,
  StoredResult,
} from '../database/ComplianceStore';
import {
  activeWaivers,
  effectiveStatus,
  emptyCounts,
  retentionStartWeek,
  scoreOf,
  snapshotOf,
  weekOf,
} from './scoring';

export const ORGANISATION_SCOPE = 'organisation';

interface CurrentState {
  version: string;
  entities: EntityRow[];
  results: Map<string, StoredResult[]>;
  waivers: Awaited<ReturnType<ComplianceStore['waivers']>>;
  evaluatedAt?: string;
}

export interface SummaryFilter {
  team?: string;
  system?: string;
  lifecycle?: string;
  group?: CheckGroup;
}

/**
 * Scores, levels and KPIs from stored results: services and teams read
 * here; trends come from the weekly snapshots, never recomputed live.
 */
export class ComplianceService {
  static create(deps: {
    store: ComplianceStore;
    settings: ComplianceSettings;
    now?: () => number;
  }) {
    return new ComplianceService(deps);
  }

  private cache?: CurrentState;
  /** Summaries of the current state, by week and filter (cleared when the store changes). */
  private summaries = new Map<string, ComplianceSummary>();

  private constructor(
    private readonly deps: Parameters<typeof ComplianceService.create>[0],
  ) {}

  now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** Current results, entities and waivers; reloaded only when the store changed. */
  private async current(): Promise<CurrentState> {
    const version = await this.deps.store.version();
    if (this.cache?.version === version) return this.cache;
    const [entities, results, waivers, evaluatedAt] = await Promise.all([
      this.deps.store.entities(),
      this.deps.store.currentResults(),
      this.deps.store.waivers(),
      this.deps.store.getState('evaluated_at'),
    ]);
    const byEntity = new Map<string, StoredResult[]>();
    for (const r of results) {
      const list = byEntity.get(r.entityRef) ?? [];
      list.push(r);
      byEntity.set(r.entityRef, list);
    }
    this.cache = { version, entities, results: byEntity, waivers, evaluatedAt };
    this.summaries.clear();
    return this.cache;
  }

  /**
   * Recomputes this week's score of every service and the KPI snapshots of
   * the organisation and each team from stored results (after an
   * evaluation, and after a waiver is decided).
   */
  async rescore(): Promise<void> {
    const now = this.now();
    const week = weekOf(now);
    const state = await this.current();
    const waivers = activeWaivers(state.waivers, now);
    const statusesOf = (e: EntityRow) =>
      (state.results.get(e.entityRef) ?? []).map(r => ({
        checkId: r.checkId,
        status: effectiveStatus(r.status, e.entityRef, r.checkId, waivers),
      }));
    const at = new Date(now);
    await this.deps.store.saveScores(
      state.entities.map(e => {
        const counts = emptyCounts();
        for (const s of statusesOf(e)) counts[s.status]++;
        const score = scoreOf(counts);
        return {
          entityRef: e.entityRef,
          week,
          score,
          level: levelOf(score, this.deps.settings.levels),
          ...counts,
        };
      }),
      at,
    );
    const teams = new Map<string, EntityRow[]>();
    for (const e of state.entities) {
      if (!e.owner) continue;
      teams.set(e.owner, [...(teams.get(e.owner) ?? []), e]);
    }
    await this.deps.store.saveKpis([
      {
        scope: ORGANISATION_SCOPE,
        snapshot: snapshotOf(
          week,
          state.entities.map(e => ({ statuses: statusesOf(e) })),
          this.deps.settings,
        ),
      },
      ...[...teams].map(([team, entities]) => ({
        scope: team,
        snapshot: snapshotOf(
          week,
          entities.map(e => ({ statuses: statusesOf(e) })),
          this.deps.settings,
        ),
      })),
    ]);
    await this.deps.store.prune(
      retentionStartWeek(now),
      new Date(now - 364 * 86_400_000),
    );
  }

  /** A service's level, score, checks (with waivers) and 52-week history. */
  async service(entityRef: string): Promise<ServiceCompliance> {
    const now = this.now();
    const state = await this.current();
    const entity =
      state.entities.find(e => e.entityRef === entityRef) ??
      (await this.deps.store.entity(entityRef));
    if (!entity) {
      throw new NotFoundError(
        `${entityRef} has not been evaluated yet (compliance covers Components of type service)`,
      );
    }
    const waivers = activeWaivers(state.waivers, now);
    const counts = emptyCounts();
    const checks: CheckResultView[] = (state.results.get(entityRef) ?? []).map(
      r => {
        const def = checkById(r.checkId);
        const status = effectiveStatus(r.status, entityRef, r.checkId, waivers);
        counts[status]++;
        const pending = state.waivers.find(
          w =>
            w.entityRef === entityRef &&
            w.checkId === r.checkId &&
            w.status === 'pending',
        );
        return {
          checkId: r.checkId,
          status,
          reason: r.reason,
          evidence: r.evidence,
          title: def?.title ?? r.checkId,
          group: def?.group ?? 'catalog',
          fix: def?.fix ?? '',
          controls: def?.controls ?? [],
          since: r.firstSeen.toISOString(),
          waiver: waivers.get(`${entityRef}\u0000${r.checkId}`),
          pendingWaiver: pending,
        };
      },
    );
    const order: Record<CheckStatus, number> = {
      fail: 0,
      unknown: 1,
      waived: 2,
      pass: 3,
    };
    checks.sort(
      (a, b) =>
        order[a.status] - order[b.status] || a.checkId.localeCompare(b.checkId),
    );
    const score = scoreOf(counts);
    const history = await this.deps.store.scoreHistory(
      entityRef,
      retentionStartWeek(now),
    );
    return {
      ...entity,
      score,
      level: levelOf(score, this.deps.settings.levels),
      counts,
      evaluatedAt: state.evaluatedAt,
      checks,
      history: history.map(h => ({
        week: h.week,
        score: h.score,
        level: h.level,
      })),
    };
  }

  /** The organisation's or a team's KPIs now, their weekly trend, worst offenders, checks by failures. */
  async summary(filter: SummaryFilter): Promise<ComplianceSummary> {
    const now = this.now();
    const state = await this.current();
    // Waivers expire by the clock: the key holds the hour and the week.
    const key = `${Math.floor(now / 3_600_000)}|${JSON.stringify(filter)}`;
    const cached = this.summaries.get(key);
    if (cached) return cached;
    const computed = await this.computeSummary(filter, state, now);
    if (this.summaries.size > 500) this.summaries.clear();
    this.summaries.set(key, computed);
    return computed;
  }

  private async computeSummary(
    filter: SummaryFilter,
    state: CurrentState,
    now: number,
  ): Promise<ComplianceSummary> {
    const waivers = activeWaivers(state.waivers, now);
    const { settings } = this.deps;
    const inGroup = (checkId: string) =>
      !filter.group || checkById(checkId)?.group === filter.group;
    const entities = state.entities.filter(
      e =>
        (!filter.team || e.owner === filter.team) &&
        (!filter.system || e.system === filter.system) &&
        (!filter.lifecycle || e.lifecycle === filter.lifecycle),
    );
    const perService = entities.map(e => {
      const statuses = (state.results.get(e.entityRef) ?? [])
        .filter(r => inGroup(r.checkId))
        .map(r => ({
          checkId: r.checkId,
          status: effectiveStatus(r.status, e.entityRef, r.checkId, waivers),
        }));
      const counts = emptyCounts();
      for (const s of statuses) counts[s.status]++;
      return { entity: e, statuses, counts, score: scoreOf(counts) };
    });
    const week = weekOf(now);
    const current = snapshotOf(week, perService, settings);
    const scope = filter.team ?? ORGANISATION_SCOPE;
    // Stored weekly snapshots: the organisation's or the team's; other
    // filters narrow the current figures, not the stored trend.
    const trend = await this.deps.store.kpiTrend(
      scope,
      retentionStartWeek(now),
    );
    const worstOffenders = perService
      .filter(s => s.counts.fail > 0)
      .sort(
        (a, b) =>
          (a.score ?? 101) - (b.score ?? 101) || b.counts.fail - a.counts.fail,
      )
      .slice(0, 10)
      .map(s => ({
        entityRef: s.entity.entityRef,
        title: s.entity.title,
        owner: s.entity.owner,
        score: s.score,
        level: levelOf(s.score, settings.levels),
        failing: s.statuses
          .filter(x => x.status === 'fail')
          .map(x => x.checkId),
        unknown: s.counts.unknown,
      }));
    const checks = Object.entries(current.checks)
      .map(([checkId, counts]) => {
        const def = checkById(checkId);
        const decided = counts.pass + counts.fail + counts.waived;
        return {
          checkId,
          title: def?.title ?? checkId,
          group: (def?.group ?? 'catalog') as CheckGroup,
          passShare: decided
            ? Math.round((counts.pass / decided) * 1000) / 10
            : null,
          counts,
        };
      })
      .sort(
        (a, b) =>
          b.counts.fail - a.counts.fail || a.checkId.localeCompare(b.checkId),
      );
    let teams: ComplianceSummary['teams'];
    if (!filter.team) {
      const byTeam = new Map<string, typeof perService>();
      for (const s of perService) {
        const team = s.entity.owner ?? 'unowned';
        byTeam.set(team, [...(byTeam.get(team) ?? []), s]);
      }
      teams = [...byTeam].map(([team, list]) => {
        const snap = snapshotOf(week, list, settings);
        return {
          team,
          services: snap.services,
          averageScore: snap.averageScore,
          levels: snap.levels,
        };
      });
      teams.sort((a, b) => (a.averageScore ?? 101) - (b.averageScore ?? 101));
    }
    return {
      scope,
      current,
      trend,
      worstOffenders,
      checks,
      teams,
      levelNames: [...settings.levels.map(l => l.name), NO_LEVEL],
      evaluatedAt: state.evaluatedAt,
    };
  }

  /**
   * Evidence for auditors: per control, the services and their check
   * results (with the facts) overlapping [from, to], and the waivers in force then.
   */
  async evidence(from: Date, to: Date) {
    const [results, waivers, entities] = await Promise.all([
      this.deps.store.resultsBetween(from, to),
      this.deps.store.waivers({ from }),
      this.deps.store.entities(),
    ]);
    const owners = new Map(entities.map(e => [e.entityRef, e.owner]));
    const relevantWaivers = waivers.filter(
      w => Date.parse(w.requestedAt) <= to.getTime(),
    );
    const controls = new Map<string, any[]>();
    for (const r of results) {
      const def = checkById(r.checkId);
      for (const control of def?.controls ?? ['unmapped']) {
        const list = controls.get(control) ?? [];
        list.push({
          control,
          entityRef: r.entityRef,
          owner: owners.get(r.entityRef),
          checkId: r.checkId,
          checkTitle: def?.title ?? r.checkId,
          status: r.status,
          reason: r.reason,
          evidence: r.evidence,
          from: r.firstSeen.toISOString(),
          to: r.lastSeen.toISOString(),
          waivers: relevantWaivers
            .filter(w => w.entityRef === r.entityRef && w.checkId === r.checkId)
            .map(w => ({
              id: w.id,
              status: w.status,
              reason: w.reason,
              requestedBy: w.requestedBy,
              requestedAt: w.requestedAt,
              decidedBy: w.decidedBy,
              decidedAt: w.decidedAt,
              expiresAt: w.expiresAt,
            })),
        });
        controls.set(control, list);
      }
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      generatedAt: new Date(this.now()).toISOString(),
      controls: [...controls]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([control, rows]) => ({ control, results: rows })),
      waivers: relevantWaivers,
    };
  }

  /** Waivers, newest first (expired approved ones read `expired`). */
  async waivers(status?: 'pending' | 'approved' | 'rejected') {
    const now = this.now();
    return (await this.deps.store.waivers({ status })).map(w =>
      w.status === 'approved' && Date.parse(w.expiresAt) <= now
        ? { ...w, status: 'expired' as const }
        : w,
    );
  }
}
