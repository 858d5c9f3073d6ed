import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ArgoCdApplication,
  ArgoCdClient,
  clusterOfDestination,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-node';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  ARGOCD_INSTANCE_ANNOTATION,
} from '@portolan/plugin-delivery-common';
import { DeploymentRow, DeploymentStore } from '../database/DeploymentStore';

export interface IngestionSummary {
  /** Catalog entities that claim Argo CD apps (none: the catalog may still be starting). */
  services: number;
  instances: Array<{ instance: string; ok: boolean; apps: number; deployments: number; metadataCalls: number; error?: string; skipped?: boolean }>;
}

interface Claim {
  entityRef: string;
  appName?: string;
  selector?: ReturnType<typeof parseSelector>;
  instance?: string;
}

export interface DeploymentIngesterDeps {
  clients: ArgoCdClient[];
  store: DeploymentStore;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  clusterByServer: Map<string, string>;
  now?: () => number;
  /** Revision metadata calls in flight per instance (default 8). */
  metadataConcurrency?: number;
}

/**
 * Reads every Argo CD instance's applications (ONE list call per instance:
 * the list carries status.history and operationState), turns history into
 * deployment rows for the catalog services that claim the apps, and fetches
 * commit metadata once per new revision.
 */
export class DeploymentIngester {
  static create(deps: DeploymentIngesterDeps) {
    return new DeploymentIngester(deps);
  }

  private constructor(private readonly deps: DeploymentIngesterDeps) {}

  async run(): Promise<IngestionSummary> {
    const now = this.deps.now?.() ?? Date.now();
    const claims = await this.loadClaims();
    const state = new Map((await this.deps.store.ingestionState()).map(s => [s.instance, s]));
    const instances = await Promise.all(
      this.deps.clients.map(async client => {
        // Back off from an instance that keeps failing: 1, 2, 4 ... 30 min.
        const s = state.get(client.name);
        if (s && s.failures > 0 && s.lastAttemptAt) {
          const wait = Math.min(2 ** (s.failures - 1), 30) * 60_000;
          if (now - s.lastAttemptAt.getTime() < wait) {
            return { instance: client.name, ok: false, apps: 0, deployments: 0, metadataCalls: 0, error: s.lastError, skipped: true };
          }
        }
        try {
          const result = await this.ingestInstance(client, claims);
          await this.deps.store.recordIngestion(client.name, { at: new Date(now) });
          return { instance: client.name, ok: true, ...result };
        } catch (error) {
          const message = (error as Error).message;
          this.deps.logger.warn(`Deployment ingestion: ${message}`);
          await this.deps.store.recordIngestion(client.name, { at: new Date(now), error: message });
          return { instance: client.name, ok: false, apps: 0, deployments: 0, metadataCalls: 0, error: message };
        }
      }),
    );
    return { services: claims.length, instances };
  }

  /** Every entity with Argo CD annotations: one catalog call per cycle. */
  private async loadClaims(): Promise<Claim[]> {
    const { items } = await this.deps.catalog.getEntities(
      {
        filter: [
          { [`metadata.annotations.${ARGOCD_APP_NAME_ANNOTATION}`]: CATALOG_FILTER_EXISTS },
          { [`metadata.annotations.${ARGOCD_APP_SELECTOR_ANNOTATION}`]: CATALOG_FILTER_EXISTS },
        ],
        fields: ['kind', 'metadata.namespace', 'metadata.name', 'metadata.annotations'],
      },
      { credentials: await this.deps.auth.getOwnServiceCredentials() },
    );
    return items.flatMap((e: Entity) => {
      const a = e.metadata.annotations ?? {};
      try {
        return [
          {
            entityRef: stringifyEntityRef(e),
            appName: a[ARGOCD_APP_NAME_ANNOTATION],
            selector: a[ARGOCD_APP_SELECTOR_ANNOTATION] ? parseSelector(a[ARGOCD_APP_SELECTOR_ANNOTATION]) : undefined,
            instance: a[ARGOCD_INSTANCE_ANNOTATION],
          },
        ];
      } catch {
        return []; // reported by the catalog module as an entity error
      }
    });
  }

  private async ingestInstance(client: ArgoCdClient, claims: Claim[]) {
    const apps = await client.listApplications();
    const rows: DeploymentRow[] = [];
    for (const app of apps) {
      const claim = claims.find(
        c =>
          (!c.instance || c.instance === client.name) &&
          (c.appName ? c.appName === app.metadata.name : c.selector ? matchesSelector(app.metadata.labels, c.selector) : false),
      );
      if (!claim) continue;
      rows.push(...this.rowsOf(client.name, app, claim.entityRef));
    }
    await this.deps.store.upsertDeployments(rows);
    for (const app of apps) {
      const history = app.status?.history ?? [];
      const last = history[history.length - 1];
      if (last) {
        await this.deps.store.resolveInProgress(client.name, app.metadata.name, new Date(last.deployStartedAt ?? last.deployedAt));
      }
    }
    // Commit metadata once per new revision, a bounded number in flight,
    // written in batches.
    const keys = [...new Map(rows.map(r => [`${r.app}\u0000${r.revision}`, { instance: client.name, app: r.app, revision: r.revision }])).values()];
    const missing = await this.deps.store.missingRevisionMetadata(keys);
    let metadataCalls = 0;
    const queue = [...missing];
    const fetched: Parameters<DeploymentStore['putRevisionMetadataMany']>[0] = [];
    const concurrency = this.deps.metadataConcurrency ?? 8;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let k = queue.shift(); k; k = queue.shift()) {
          metadataCalls++;
          try {
            const meta = await client.getRevisionMetadata(k.app, k.revision);
            fetched.push({
              instance: k.instance,
              app: k.app,
              revision: k.revision,
              meta: { author: meta.author, message: meta.message, date: meta.date ? new Date(meta.date) : undefined },
            });
          } catch (error) {
            this.deps.logger.debug(`revision metadata ${k.app}@${k.revision}: ${(error as Error).message}`);
          }
          if (fetched.length >= 200) await this.deps.store.putRevisionMetadataMany(fetched.splice(0));
        }
      }),
    );
    await this.deps.store.putRevisionMetadataMany(fetched);
    return { apps: apps.length, deployments: rows.length, metadataCalls };
  }

  /** History entries plus the current operation when it is not in history. */
  private rowsOf(instance: string, app: ArgoCdApplication, entityRef: string): DeploymentRow[] {
    const labels = app.metadata.labels ?? {};
    const cluster = clusterOfDestination(app.spec.destination, this.deps.clusterByServer);
    const environment = labels['portolan.dev/environment'] ?? cluster ?? 'default';
    const history = [...(app.status?.history ?? [])].sort((a, b) => a.id - b.id);
    const seen = new Set<string>();
    const rows: DeploymentRow[] = history.map((h, i) => {
      const revision = h.revision ?? '';
      const previous = history[i - 1]?.revision;
      // Deploying a revision that was live before, by hand, is a rollback.
      const rolledBack = seen.has(revision) && !h.initiatedBy?.automated && revision !== previous;
      seen.add(revision);
      return {
        entityRef,
        environment,
        cluster,
        instance,
        app: app.metadata.name,
        historyId: h.id,
        revision,
        previousRevision: previous,
        startedAt: new Date(h.deployStartedAt ?? h.deployedAt),
        finishedAt: new Date(h.deployedAt),
        result: rolledBack ? 'rolled-back' : 'succeeded',
        initiator: h.initiatedBy?.username ?? (h.initiatedBy?.automated ? 'automated' : undefined),
        repoUrl: h.source?.repoURL ?? app.spec.source?.repoURL,
      };
    });
    // Argo CD records a sync as succeeded before the canary runs; the
    // Rollout's health says how it ended. An aborted canary marks the
    // deploy it aborted (the store never turns that back into a success).
    const abortedRollout = (app.status?.resources ?? []).some(
      r => r.kind === 'Rollout' && r.health?.status === 'Degraded' && /abort/i.test(r.health?.message ?? ''),
    );
    const lastRow = rows[rows.length - 1];
    if (abortedRollout && lastRow && lastRow.result === 'succeeded') lastRow.result = 'canary-aborted';
    const op = app.status?.operationState;
    const opRevision = op?.syncResult?.revision ?? op?.operation?.sync?.revision;
    const lastHistory = history[history.length - 1];
    const opStarted = op ? Date.parse(op.startedAt) : NaN;
    const inHistory = lastHistory && Date.parse(lastHistory.deployStartedAt ?? lastHistory.deployedAt) >= opStarted;
    if (op && opRevision && !inHistory && (op.phase === 'Running' || op.phase === 'Failed' || op.phase === 'Error')) {
      rows.push({
        entityRef,
        environment,
        cluster,
        instance,
        app: app.metadata.name,
        // Operations outside history are keyed by their start second.
        historyId: -Math.floor(opStarted / 1000),
        revision: opRevision,
        previousRevision: lastHistory?.revision,
        startedAt: new Date(opStarted),
        finishedAt: op.finishedAt ? new Date(op.finishedAt) : undefined,
        result: op.phase === 'Running' ? 'in-progress' : 'failed',
        repoUrl: app.spec.source?.repoURL,
        initiator: op.operation?.initiatedBy?.username ?? (op.operation?.initiatedBy?.automated ? 'automated' : undefined),
      });
    }
    return rows;
  }
}
