import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ArgoCdApplication, ArgoCdClient } from '@portolan/argocd-node';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  KUBERNETES_CLUSTER_TYPE,
  isRevertMessage,
} from '@portolan/plugin-delivery-common';
import pLimit from 'p-limit';
import {
  DeploymentRow,
  DeploymentStore,
  revisionKey,
  revisionMetadataFrom,
} from '../database/DeploymentStore';
import { RolloutsClient } from '../clients/RolloutsClient';
import { AbortedCanaries, ClusterRolloutsSummary } from './AbortedCanaries';
import { ArgoCdClaim, ArgoCdClaims, IgnoredClaim } from './ArgoCdClaims';
import { ClusterEnvironments } from './ClusterEnvironments';

export interface InstanceIngestion {
  instance: string;
  ok: boolean;
  apps: number;
  /** History rows read (stored before or not). */
  deployments: number;
  /** Deploys stored for the first time this cycle. */
  newDeployments: number;
  metadataCalls: number;
  error?: string;
  skipped?: boolean;
}

export interface IngestionSummary {
  /** Catalog entities that claim Argo CD apps (none: the catalog may still be starting). */
  services: number;
  instances: InstanceIngestion[];
  /** Apps more than one service claims: ingested for none of them. */
  contestedApps: Array<{ instance: string; app: string; claimedBy: string[] }>;
  /** Claims ingestion ignores (a selector with no `key=value` term, or unparsable). */
  ignoredClaims: IgnoredClaim[];
  /** The Rollouts list of each cluster, where canary outcomes come from. */
  clusters: ClusterRolloutsSummary[];
}

export interface DeploymentIngesterDeps {
  clients: ArgoCdClient[];
  store: DeploymentStore;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
  clusterByServer: Map<string, string>;
  /** The clusters' Rollouts: where canary aborts are read from. */
  rollouts?: RolloutsClient[];
  now?: () => number;
  /** Revision metadata calls in flight per instance (default 8). */
  metadataConcurrency?: number;
}

/** What one cycle knows besides the Argo CD lists. */
interface CycleContext {
  claims: ArgoCdClaims;
  environments: ClusterEnvironments;
  canaries: AbortedCanaries;
}

/** An app's rows this cycle, with what classification needs. */
interface AppRows {
  app: ArgoCdApplication;
  claim: ArgoCdClaim;
  /** Argo CD history entries, by id, oldest first. */
  history: DeploymentRow[];
  /** The operation in flight or failed, when not in history. */
  operation?: DeploymentRow;
}

/**
 * Reads every Argo CD instance's applications (one list call per instance:
 * the list carries status.history and operationState), and every cluster's
 * Rollouts (one list call per cluster), turns history into deployment rows
 * for the catalog services that claim the apps, and fetches commit metadata
 * once per new revision.
 *
 * A deploy is classified once, when it is first stored, against the stored
 * history (Argo CD shows only its last N, 10 by default): a sync to a
 * revision deployed before (other than the one just before) is a rollback,
 * and so is a revert commit. The store never rewrites what it has.
 */
export class DeploymentIngester {
  static create(deps: DeploymentIngesterDeps) {
    return new DeploymentIngester(deps);
  }

  private constructor(private readonly deps: DeploymentIngesterDeps) {}

  async run(): Promise<IngestionSummary> {
    const now = this.deps.now?.() ?? Date.now();
    const [context, stateRows] = await Promise.all([
      this.loadContext(),
      this.deps.store.ingestionState(),
    ]);
    const state = new Map(stateRows.map(s => [s.instance, s]));
    const contestedApps: IngestionSummary['contestedApps'] = [];
    const instances = await Promise.all(
      this.deps.clients.map(async (client): Promise<InstanceIngestion> => {
        const idle = {
          instance: client.name,
          apps: 0,
          deployments: 0,
          newDeployments: 0,
          metadataCalls: 0,
        };
        // Back off from an instance that keeps failing: 1, 2, 4 ... 30 min.
        const s = state.get(client.name);
        if (s && s.failures > 0 && s.lastAttemptAt) {
          const wait = Math.min(2 ** (s.failures - 1), 30) * 60_000;
          if (now - s.lastAttemptAt.getTime() < wait) {
            return { ...idle, ok: false, error: s.lastError, skipped: true };
          }
        }
        try {
          const result = await this.ingestInstance(
            client,
            context,
            contestedApps,
          );
          await this.deps.store.recordIngestion(client.name, {
            at: new Date(now),
          });
          return { ...idle, ok: true, ...result };
        } catch (error) {
          const message = (error as Error).message;
          this.deps.logger.warn(`Deployment ingestion: ${message}`);
          await this.deps.store.recordIngestion(client.name, {
            at: new Date(now),
            error: message,
          });
          return { ...idle, ok: false, error: message };
        }
      }),
    );
    if (contestedApps.length) {
      this.deps.logger.warn(
        `Deployment ingestion: ${
          contestedApps.length
        } Argo CD app(s) claimed by more than one service, ingested for none: ${contestedApps
          .map(c => `${c.instance}/${c.app} (${c.claimedBy.join(', ')})`)
          .join('; ')}`,
      );
    }
    return {
      services: context.claims.services,
      instances,
      contestedApps,
      ignoredClaims: context.claims.ignored,
      clusters: context.canaries.clusters,
    };
  }

  /**
   * The claims and the cluster Resources (one catalog call), and the
   * clusters' aborted canaries (one call per cluster), in parallel.
   */
  private async loadContext(): Promise<CycleContext> {
    const credentials = await this.deps.auth.getOwnServiceCredentials();
    const [{ items }, canaries] = await Promise.all([
      this.deps.catalog.getEntities(
        {
          filter: [
            {
              [`metadata.annotations.${ARGOCD_APP_NAME_ANNOTATION}`]:
                CATALOG_FILTER_EXISTS,
            },
            {
              [`metadata.annotations.${ARGOCD_APP_SELECTOR_ANNOTATION}`]:
                CATALOG_FILTER_EXISTS,
            },
            { kind: 'resource', 'spec.type': KUBERNETES_CLUSTER_TYPE },
          ],
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            'metadata.annotations',
            'spec.type',
          ],
        },
        { credentials },
      ),
      this.deps.rollouts?.length
        ? AbortedCanaries.list(this.deps.rollouts, this.deps.logger)
        : Promise.resolve(AbortedCanaries.none()),
    ]);
    return {
      claims: ArgoCdClaims.fromEntities(items),
      environments: ClusterEnvironments.fromEntities(
        items,
        this.deps.clusterByServer,
      ),
      canaries,
    };
  }

  private async ingestInstance(
    client: ArgoCdClient,
    context: CycleContext,
    contestedApps: IngestionSummary['contestedApps'],
  ) {
    const apps = await client.listApplications();
    const owned: AppRows[] = [];
    for (const app of apps) {
      const owner = context.claims.ownerOf(client.name, {
        name: app.metadata.name,
        labels: app.metadata.labels,
      });
      if (owner.kind === 'contested') {
        contestedApps.push({
          instance: client.name,
          app: app.metadata.name,
          claimedBy: owner.claimedBy,
        });
      }
      if (owner.kind !== 'owned') continue;
      owned.push(
        this.rowsOf(client.name, app, owner.claim, context.environments),
      );
    }

    const fresh = await this.classifyAgainstStoredHistory(client.name, owned);
    for (const a of owned) this.applyCanaryOutcome(a, context.canaries);
    const rows = owned.flatMap(a =>
      a.operation ? [...a.history, a.operation] : a.history,
    );

    // Commit metadata once per revision, a bounded number in flight.
    const keys = [
      ...new Map(
        rows.map(r => [
          revisionKey(r),
          { instance: r.instance, app: r.app, revision: r.revision },
        ]),
      ).values(),
    ];
    const metadataCalls = await this.fetchMetadata(
      client,
      await this.deps.store.missingRevisionMetadata(keys),
    );
    // A revert commit is a rollback too: known once its message is.
    if (fresh.length) {
      const messages = await this.deps.store.revisionMessages(fresh);
      for (const r of fresh) {
        if (
          r.result === 'succeeded' &&
          isRevertMessage(messages.get(revisionKey(r)))
        )
          r.result = 'rolled-back';
      }
    }

    await this.deps.store.upsertDeployments(rows);
    await this.deps.store.resolveInProgress(
      client.name,
      owned.flatMap(a => {
        const last = a.history[a.history.length - 1];
        return last ? [{ app: a.app.metadata.name, upTo: last.startedAt }] : [];
      }),
    );
    return {
      apps: apps.length,
      deployments: rows.length,
      newDeployments: fresh.length,
      metadataCalls,
    };
  }

  /**
   * Gives the history rows not stored yet their previous revision and
   * their rollback classification, from the window Argo CD shows plus what
   * is stored (two or three queries per 100 apps, whatever the window).
   * Returns the rows that are new.
   */
  private async classifyAgainstStoredHistory(
    instance: string,
    owned: AppRows[],
  ): Promise<DeploymentRow[]> {
    const withHistory = owned.filter(a => a.history.length);
    const stored = await this.deps.store.storedHistoryIds(
      instance,
      withHistory.map(a => ({
        app: a.app.metadata.name,
        fromHistoryId: a.history[0].historyId,
      })),
    );
    const fresh = new Map<AppRows, number>(); // app → index of its first new history row
    for (const a of withHistory) {
      const ids = stored.get(a.app.metadata.name);
      const first = a.history.findIndex(r => !ids?.has(r.historyId));
      if (first !== -1) fresh.set(a, first);
    }
    const prior = await this.deps.store.priorDeploys(
      instance,
      [...fresh].map(([a, first]) => ({
        app: a.app.metadata.name,
        beforeHistoryId: a.history[first].historyId,
        revisions: [
          ...new Set(
            a.history
              .slice(first)
              .map(r => r.revision)
              .filter(Boolean),
          ),
        ],
      })),
    );
    const newRows: DeploymentRow[] = [];
    for (const [a, first] of fresh) {
      const name = a.app.metadata.name;
      const ids = stored.get(name);
      a.history.forEach((r, i) => {
        if (i < first || ids?.has(r.historyId)) return;
        const previous =
          i > 0
            ? a.history[i - 1].revision
            : prior.lastRevisionBefore.get(name);
        r.previousRevision = previous || undefined;
        const earlier = prior.firstDeployOf.get(`${name}\u0000${r.revision}`);
        const deployedBefore =
          a.history.slice(0, i).some(h => h.revision === r.revision) ||
          (earlier !== undefined && earlier < r.historyId);
        // A sync back to a revision that was live before is a rollback,
        // whether by hand or by Git (a branch reset to an earlier commit).
        if (r.revision && deployedBefore && r.revision !== previous)
          r.result = 'rolled-back';
        newRows.push(r);
      });
    }
    for (const a of owned) {
      if (a.operation && !a.operation.previousRevision) {
        a.operation.previousRevision =
          a.history[a.history.length - 1]?.revision;
      }
    }
    return newRows;
  }

  /**
   * Argo CD records a sync as succeeded before the canary runs; an aborted
   * Rollout says how it ended. The deploy it aborted is the app's latest
   * one started before the abort (the store turns a stored success into
   * canary-aborted, never the reverse).
   */
  private applyCanaryOutcome(a: AppRows, canaries: AbortedCanaries): void {
    const first = a.history[0] ?? a.operation;
    if (!first) return;
    const aborted = canaries.of({
      name: a.app.metadata.name,
      cluster: first.cluster,
      namespace: a.app.spec.destination.namespace,
      workloadSelector: a.claim.workloadSelector,
    });
    if (!aborted) return;
    const candidates = [...a.history, ...(a.operation ? [a.operation] : [])]
      .filter(
        r =>
          aborted.abortedAt === undefined ||
          r.startedAt.getTime() <= aborted.abortedAt,
      )
      .sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    const target = candidates[candidates.length - 1];
    if (target?.result === 'succeeded') target.result = 'canary-aborted';
  }

  /**
   * Fetches the missing metadata, at most `metadataConcurrency` calls in
   * flight (one Argo CD instance, whatever the number of revisions), and
   * stores it in batches of 200 as it arrives.
   */
  private async fetchMetadata(
    client: ArgoCdClient,
    missing: Array<{ instance: string; app: string; revision: string }>,
  ): Promise<number> {
    const limit = pLimit(this.deps.metadataConcurrency ?? 8);
    const fetched: Parameters<DeploymentStore['putRevisionMetadataMany']>[0] =
      [];
    await Promise.all(
      missing.map(k =>
        limit(async () => {
          try {
            const meta = await client.getRevisionMetadata(k.app, k.revision);
            fetched.push({ ...k, meta: revisionMetadataFrom(meta) });
          } catch (error) {
            this.deps.logger.debug(
              `revision metadata ${k.app}@${k.revision}: ${
                (error as Error).message
              }`,
            );
          }
          if (fetched.length >= 200)
            await this.deps.store.putRevisionMetadataMany(fetched.splice(0));
        }),
      ),
    );
    await this.deps.store.putRevisionMetadataMany(fetched);
    return missing.length;
  }

  /** History entries, and the current operation when it is not in history. */
  private rowsOf(
    instance: string,
    app: ArgoCdApplication,
    claim: ArgoCdClaim,
    environments: ClusterEnvironments,
  ): AppRows {
    const { cluster, environment } = environments.of(app.spec.destination);
    const base = {
      entityRef: claim.entityRef,
      environment,
      cluster,
      instance,
      app: app.metadata.name,
    };
    const entries = [...(app.status?.history ?? [])].sort(
      (a, b) => a.id - b.id,
    );
    const history: DeploymentRow[] = entries.map((h, i) => ({
      ...base,
      historyId: h.id,
      revision: h.revision ?? '',
      // Known within the window; the first entry's comes from the store.
      previousRevision: entries[i - 1]?.revision,
      startedAt: new Date(h.deployStartedAt ?? h.deployedAt),
      finishedAt: new Date(h.deployedAt),
      result: 'succeeded',
      initiator:
        h.initiatedBy?.username ??
        (h.initiatedBy?.automated ? 'automated' : undefined),
      repoUrl: h.source?.repoURL ?? app.spec.source?.repoURL,
    }));
    const op = app.status?.operationState;
    const opRevision =
      op?.syncResult?.revision ?? op?.operation?.sync?.revision;
    const lastHistory = entries[entries.length - 1];
    const opStarted = op ? Date.parse(op.startedAt) : NaN;
    const inHistory =
      lastHistory &&
      Date.parse(lastHistory.deployStartedAt ?? lastHistory.deployedAt) >=
        opStarted;
    let operation: DeploymentRow | undefined;
    if (
      op &&
      opRevision &&
      !inHistory &&
      (op.phase === 'Running' || op.phase === 'Failed' || op.phase === 'Error')
    ) {
      operation = {
        ...base,
        // Operations outside history are keyed by their start second.
        historyId: -Math.floor(opStarted / 1000),
        revision: opRevision,
        previousRevision: lastHistory?.revision,
        startedAt: new Date(opStarted),
        finishedAt: op.finishedAt ? new Date(op.finishedAt) : undefined,
        result: op.phase === 'Running' ? 'in-progress' : 'failed',
        repoUrl: app.spec.source?.repoURL,
        initiator:
          op.operation?.initiatedBy?.username ??
          (op.operation?.initiatedBy?.automated ? 'automated' : undefined),
      };
    }
    return { app, claim, history, operation };
  }
}
