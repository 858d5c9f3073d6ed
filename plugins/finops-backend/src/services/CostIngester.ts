import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ENVIRONMENT_ANNOTATION,
  MONTHLY_BUDGET_ANNOTATION,
  parseBudgetAnnotation,
} from '@portolan/plugin-finops-common';
import { CostStore, EntityInfo, WorkloadCostRow } from '../database/CostStore';
import { OpenCostAllocation, OpenCostClient } from '../opencost/OpenCostClient';
import { DAY_MS, addDays, dayOf, daysBetween, startOfDay } from './days';
import { WorkloadClaims } from './WorkloadClaims';

export interface IngestionSummary {
  entities: number;
  clusters: Array<{
    cluster: string;
    ok: boolean;
    days: number;
    calls: number;
    rows: number;
    unallocated: number;
    error?: string;
  }>;
}

/**
 * Reads daily costs from every cluster's OpenCost into the cost tables:
 * one call per cluster per window of up to `daysPerCall` days (aggregated
 * by namespace and controller, one set per day), each workload mapped to
 * the entity claiming it. The first run backfills `backfillDays`; later
 * runs re-read from the last day stored (replacing it) to yesterday, so a
 * gap while OpenCost was down is filled when it returns. Only complete
 * UTC days are stored.
 */
export class CostIngester {
  static create(deps: {
    clients: OpenCostClient[];
    store: CostStore;
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    currency: string;
    backfillDays: number;
    daysPerCall: number;
    environments?: Record<string, string | undefined>;
    now?: () => number;
  }) {
    return new CostIngester(deps);
  }

  private constructor(
    private readonly deps: Parameters<typeof CostIngester.create>[0],
  ) {}

  private now() {
    return this.deps.now?.() ?? Date.now();
  }

  async run(): Promise<IngestionSummary> {
    const { store, logger } = this.deps;
    const entities = await this.entities();
    const services = entities.filter(
      e => e.kind.toLocaleLowerCase('en-US') === 'component',
    );
    const claims = new WorkloadClaims(services);
    const environments = this.environments(entities);
    await store.syncEntities(this.entityInfo(entities));

    const states = new Map(
      (await store.ingestionStates()).map(s => [s.cluster, s]),
    );
    const yesterday = dayOf(startOfDay(this.now()) - DAY_MS);
    const summary: IngestionSummary = { entities: claims.size, clusters: [] };
    for (const client of this.deps.clients) {
      const state = states.get(client.cluster);
      const from =
        state?.lastDay ?? addDays(yesterday, 1 - this.deps.backfillDays);
      const days = from <= yesterday ? daysBetween(from, yesterday) : [];
      const result = {
        cluster: client.cluster,
        ok: true,
        days: 0,
        calls: 0,
        rows: 0,
        unallocated: 0,
        error: undefined as string | undefined,
      };
      summary.clusters.push(result);
      const environment =
        environments.get(client.cluster) ??
        this.deps.environments?.[client.cluster] ??
        client.cluster;
      for (let i = 0; i < days.length; i += this.deps.daysPerCall) {
        const chunk = days.slice(i, i + this.deps.daysPerCall);
        try {
          result.calls++;
          const sets = await client.allocations({
            start: Date.parse(`${chunk[0]}T00:00:00Z`),
            end: Date.parse(`${chunk[chunk.length - 1]}T00:00:00Z`) + DAY_MS,
            step: '1d',
            aggregate: 'namespace,controller',
            idle: true,
          });
          const rows = sets.flatMap(set =>
            this.rowsOf(set, client.cluster, environment, claims),
          );
          const stored = new Set(rows.map(r => r.day));
          await store.replaceDays(client.cluster, chunk, rows);
          result.days += chunk.length;
          result.rows += rows.length;
          result.unallocated += rows.filter(
            r => r.kind === 'workload' && !r.entityRef,
          ).length;
          // The last day OpenCost answered for; the next run starts there.
          const last = [...stored].sort().pop() ?? chunk[chunk.length - 1];
          await store.recordSuccess(client.cluster, last, new Date(this.now()));
        } catch (error) {
          result.ok = false;
          result.error = (error as Error).message;
          await store.recordFailure(
            client.cluster,
            result.error,
            new Date(this.now()),
          );
          logger.warn(
            `FinOps ingestion from ${client.cluster} stopped at ${chunk[0]}: ${result.error}`,
          );
          break;
        }
      }
      if (!days.length && state)
        await store.recordSuccess(
          client.cluster,
          state.lastDay ?? yesterday,
          new Date(this.now()),
        );
    }
    return summary;
  }

  /** Workload rows of one allocation set (one day). */
  private rowsOf(
    set: Record<string, OpenCostAllocation>,
    cluster: string,
    environment: string,
    claims: WorkloadClaims,
  ): WorkloadCostRow[] {
    const rows = new Map<string, WorkloadCostRow>();
    for (const [name, a] of Object.entries(set)) {
      const day = a.window.start.slice(0, 10);
      const idle = name === '__idle__';
      const [nameNamespace, nameController] = name.split('/');
      const namespace = idle
        ? ''
        : a.properties.namespace ?? nameNamespace ?? '';
      const workload = idle
        ? '__idle__'
        : a.properties.controller ?? nameController ?? '__unallocated__';
      const entityRef = idle
        ? undefined
        : claims.ownerOf({
            cluster,
            namespace,
            controller: workload,
            labels: a.properties.labels,
          });
      const row: WorkloadCostRow = {
        day,
        cluster,
        environment,
        namespace,
        workload,
        kind: idle ? 'idle' : 'workload',
        entityRef,
        cpuCost: a.cpuCost + a.cpuCostAdjustment,
        ramCost: a.ramCost + a.ramCostAdjustment,
        pvCost: a.pvCost + a.pvCostAdjustment,
        networkCost: a.networkCost + a.networkCostAdjustment,
        lbCost: a.loadBalancerCost + a.loadBalancerCostAdjustment,
        otherCost:
          a.gpuCost + a.gpuCostAdjustment + a.sharedCost + a.externalCost,
        totalCost: a.totalCost,
        cpuRequest: a.cpuCoreRequestAverage,
        cpuUsage: a.cpuCoreUsageAverage,
        ramRequest: a.ramByteRequestAverage,
        ramUsage: a.ramByteUsageAverage,
        minutes: a.minutes,
      };
      const key = `${day}|${namespace}|${workload}|${row.kind}`;
      const prev = rows.get(key);
      if (!prev) rows.set(key, row);
      else {
        // Two allocations under one name (a controller name reused): added up.
        for (const k of [
          'cpuCost',
          'ramCost',
          'pvCost',
          'networkCost',
          'lbCost',
          'otherCost',
          'totalCost',
          'cpuRequest',
          'cpuUsage',
          'ramRequest',
          'ramUsage',
        ] as const) {
          prev[k] += row[k];
        }
      }
    }
    return [...rows.values()];
  }

  private async entities(): Promise<Entity[]> {
    const { items } = await this.deps.catalog.getEntities(
      {
        filter: [
          // Components without a workload identity are skipped by WorkloadClaims.
          { kind: 'component' },
          { kind: 'resource', 'spec.type': 'kubernetes-cluster' },
          { kind: 'group' },
        ],
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'metadata.annotations',
          'spec.owner',
          'spec.system',
          'spec.type',
        ],
      },
      { credentials: await this.deps.auth.getOwnServiceCredentials() },
    );
    return items;
  }

  /** Cluster name → environment, from the cluster Resources' annotation. */
  private environments(entities: Entity[]): Map<string, string> {
    const map = new Map<string, string>();
    for (const e of entities) {
      const env = e.metadata.annotations?.[ENVIRONMENT_ANNOTATION];
      if (e.kind.toLocaleLowerCase('en-US') === 'resource' && env)
        map.set(e.metadata.name, env);
    }
    return map;
  }

  private entityInfo(entities: Entity[]): EntityInfo[] {
    const out: EntityInfo[] = [];
    for (const e of entities) {
      const kind = e.kind.toLocaleLowerCase('en-US');
      if (kind !== 'component' && kind !== 'group') continue;
      const raw = e.metadata.annotations?.[MONTHLY_BUDGET_ANNOTATION];
      let annotationBudget: number | undefined;
      if (raw !== undefined) {
        try {
          annotationBudget = parseBudgetAnnotation(
            raw,
            this.deps.currency,
          ).amount;
        } catch {
          // The catalog processor reports it on the entity; here it counts as none.
        }
      }
      const ref = (value: unknown, defaultKind: string) => {
        if (typeof value !== 'string' || !value) return undefined;
        try {
          return stringifyEntityRef(
            parseEntityRef(value, {
              defaultKind,
              defaultNamespace: e.metadata.namespace ?? 'default',
            }),
          );
        } catch {
          return undefined;
        }
      };
      out.push({
        entityRef: stringifyEntityRef(e),
        title: e.metadata.title,
        ownerRef:
          kind === 'component' ? ref(e.spec?.owner, 'group') : undefined,
        systemRef:
          kind === 'component' ? ref(e.spec?.system, 'system') : undefined,
        annotationBudget,
      });
    }
    return out;
  }
}
