import crypto from 'node:crypto';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ComplianceSettings } from '../config/ComplianceConfig';
import { ComplianceStore } from '../database/ComplianceStore';
import { CollectionStats, FactCollector } from '../facts/FactCollector';
import { ComplianceService } from './ComplianceService';
import { evaluateChecks } from './evaluateChecks';

export interface EvaluationSummary {
  services: number;
  results: number;
  unknown: number;
  stats: CollectionStats;
  durationMs: number;
}

/** One cycle: gather facts, evaluate every check of every service, store, rescore. */
export class ComplianceEvaluator {
  static create(deps: {
    collector: Pick<FactCollector, 'collect'>;
    store: ComplianceStore;
    service: ComplianceService;
    settings: ComplianceSettings;
    logger: LoggerService;
    now?: () => number;
  }) {
    return new ComplianceEvaluator(deps);
  }

  private constructor(
    private readonly deps: Parameters<typeof ComplianceEvaluator.create>[0],
  ) {}

  async run(): Promise<EvaluationSummary> {
    const started = performance.now();
    const { collector, store, service, settings } = this.deps;
    const { services, stats } = await collector.collect();
    const now = this.deps.now?.() ?? Date.now();
    const results = services.flatMap(facts =>
      evaluateChecks(facts, settings, now).map(r => ({
        ...r,
        entityRef: facts.entityRef,
      })),
    );
    await store.saveEntities(
      services.map(s => ({
        entityRef: s.entityRef,
        title: s.title,
        owner: s.owner,
        system: s.system,
        lifecycle: s.lifecycle,
      })),
    );
    const at = new Date(now);
    await store.recordResults(results, at);
    await store.setState('evaluated_at', at.toISOString());
    await store.setState('sources', JSON.stringify(stats));
    // Every evaluation is a new version for read caches, even within one millisecond.
    await store.setState('evaluation_id', crypto.randomUUID());
    await service.rescore();
    return {
      services: services.length,
      results: results.length,
      unknown: results.filter(r => r.status === 'unknown').length,
      stats,
      durationMs: Math.round(performance.now() - started),
    };
  }
}
