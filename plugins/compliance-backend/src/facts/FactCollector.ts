import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_DEPENDS_ON,
  RELATION_OWNED_BY,
  RELATION_PART_OF,
  parseEntityRef,
  parseLocationRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ArgoCdApplication,
  ArgoCdClient,
  clusterOfDestination,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-node';
import { DeliveryHistoryClient, DeliveryRecord } from './DeliveryHistoryClient';
import {
  KubernetesWorkloadsClient,
  Workload,
} from './KubernetesWorkloadsClient';
import {
  RepositoryFacts,
  RepositoryFilesReader,
  RepositoryReadStats,
} from './RepositoryFilesReader';
import { AppFact, ServiceFacts, SourceFacts } from './ServiceFacts';

const ENVIRONMENT_ANNOTATION = 'portolan.dev/environment';
const SOURCE_LOCATION_ANNOTATION = 'backstage.io/source-location';
const DAY = 86_400_000;

/** Upstream calls made in one cycle, per system: the "no N+1" figure. */
export interface CollectionStats {
  catalog: number;
  argocd: Record<string, number>;
  kubernetes: Record<string, number>;
  delivery: number;
  /** Repository tree reads (one per repository at most; unchanged ones answer NotModified). */
  git: RepositoryReadStats;
  failures: string[];
}

/**
 * Gathers the facts of every service in one pass: one catalog query, one
 * application list per Argo CD instance, one Deployments and one Rollouts
 * list per cluster, one paged deployment-history list. A source that fails
 * leaves its facts as a reason, so its checks read `unknown`.
 */
export class FactCollector {
  static create(deps: {
    catalog: CatalogService;
    auth: AuthService;
    logger: LoggerService;
    argocd: ArgoCdClient[];
    clusters: KubernetesWorkloadsClient[];
    delivery?: DeliveryHistoryClient;
    /** Reads services' repositories for the Git checks (through the UrlReader). */
    repositories?: RepositoryFilesReader;
    clusterServers: Map<string, string>;
    prodEnvironment: string;
    now?: () => number;
  }) {
    return new FactCollector(deps);
  }

  private constructor(
    private readonly deps: Parameters<typeof FactCollector.create>[0],
  ) {}

  async collect(): Promise<{
    services: ServiceFacts[];
    stats: CollectionStats;
  }> {
    const { deps } = this;
    const now = deps.now?.() ?? Date.now();
    const stats: CollectionStats = {
      catalog: 1,
      argocd: {},
      kubernetes: {},
      delivery: 0,
      git: { trees: 0, notModified: 0, failed: 0 },
      failures: [],
    };
    const credentials = await deps.auth.getOwnServiceCredentials();
    const { items } = await deps.catalog.getEntities(
      {
        filter: [
          { kind: 'component', 'spec.type': 'service' },
          { kind: 'group' },
          { kind: 'resource', 'spec.type': 'kubernetes-cluster' },
        ],
      },
      { credentials },
    );
    const groups = new Set(
      items
        .filter(e => e.kind.toLowerCase() === 'group')
        .map(e => stringifyEntityRef(e)),
    );
    const clusterEnv = new Map<string, string>();
    for (const e of items) {
      if (e.kind.toLowerCase() !== 'resource') continue;
      clusterEnv.set(
        e.metadata.name,
        e.metadata.annotations?.[ENVIRONMENT_ANNOTATION] ?? e.metadata.name,
      );
    }
    const services = items.filter(e => e.kind.toLowerCase() === 'component');

    const [argocd, workloads, deliveries, repositories] = await Promise.all([
      this.listApps(stats),
      this.listWorkloads(stats),
      this.listDeliveries(stats, now),
      this.readRepositories(services, stats),
    ]);

    return {
      stats,
      services: services.map(entity =>
        this.factsOf(entity, {
          groups,
          clusterEnv,
          argocd,
          workloads,
          deliveries,
          repositories,
        }),
      ),
    };
  }

  private async readRepositories(
    services: Entity[],
    stats: CollectionStats,
  ): Promise<SourceFacts<Map<string, SourceFacts<RepositoryFacts>>>> {
    const reader = this.deps.repositories;
    if (!reader) {
      return { ok: false, reason: 'Repositories are not read (no URL reader)' };
    }
    const urls = services.flatMap(e => {
      const url = sourceUrl(e);
      return url ? [url] : [];
    });
    const { facts, stats: git } = await reader.readAll(urls);
    stats.git = git;
    if (git.failed) {
      stats.failures.push(
        `${git.failed} of ${facts.size} repositories could not be read`,
      );
    }
    return { ok: true, value: facts };
  }

  private async listApps(stats: CollectionStats) {
    return Promise.all(
      this.deps.argocd.map(async client => {
        const before = client.calls.list;
        try {
          const apps = await client.listApplications();
          return { instance: client.name, ok: true as const, apps };
        } catch (error) {
          const reason = `Argo CD ${client.name} could not be read: ${
            (error as Error).message
          }`;
          stats.failures.push(reason);
          return { instance: client.name, ok: false as const, reason };
        } finally {
          stats.argocd[client.name] = client.calls.list - before;
        }
      }),
    );
  }

  private async listWorkloads(stats: CollectionStats) {
    return Promise.all(
      this.deps.clusters.map(async client => {
        const before = client.calls.list;
        try {
          return {
            cluster: client.cluster.name,
            ok: true as const,
            items: await client.listWorkloads(),
          };
        } catch (error) {
          const reason = (error as Error).message;
          stats.failures.push(reason);
          return { cluster: client.cluster.name, ok: false as const, reason };
        } finally {
          stats.kubernetes[client.cluster.name] = client.calls.list - before;
        }
      }),
    );
  }

  private async listDeliveries(
    stats: CollectionStats,
    now: number,
  ): Promise<SourceFacts<Map<string, DeliveryRecord[]>>> {
    const client = this.deps.delivery;
    if (!client)
      return { ok: false, reason: 'No delivery history is configured' };
    try {
      stats.delivery++;
      const records = await client.listDeployments({
        environment: this.deps.prodEnvironment,
        from: new Date(now - 90 * DAY),
      });
      const byEntity = new Map<string, DeliveryRecord[]>();
      for (const r of records) {
        const list = byEntity.get(r.entityRef) ?? [];
        list.push(r);
        byEntity.set(r.entityRef, list);
      }
      return { ok: true, value: byEntity };
    } catch (error) {
      const reason = (error as Error).message;
      stats.failures.push(reason);
      return { ok: false, reason };
    }
  }

  private factsOf(
    entity: Entity,
    ctx: {
      groups: Set<string>;
      clusterEnv: Map<string, string>;
      argocd: Awaited<ReturnType<FactCollector['listApps']>>;
      workloads: Awaited<ReturnType<FactCollector['listWorkloads']>>;
      deliveries: SourceFacts<Map<string, DeliveryRecord[]>>;
      repositories: SourceFacts<Map<string, SourceFacts<RepositoryFacts>>>;
    },
  ): ServiceFacts {
    const entityRef = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const relation = (type: string) =>
      (entity.relations ?? [])
        .filter(r => r.type === type)
        .map(r => r.targetRef);
    const owner = relation(RELATION_OWNED_BY)[0];
    const clusters = relation(RELATION_DEPENDS_ON)
      .map(ref => parseEntityRef(ref))
      .filter(
        r => r.kind.toLowerCase() === 'resource' && ctx.clusterEnv.has(r.name),
      )
      .map(r => r.name);
    const environments = [
      ...new Set(clusters.map(c => ctx.clusterEnv.get(c)!)),
    ].sort();

    // Argo CD: the apps its annotations claim, in every instance.
    const appName = annotations['argocd/app-name'];
    const selector = annotations['argocd/app-selector'];
    const instanceName = annotations['argocd/instance-name'];
    const parsedSelector = selector ? safeSelector(selector) : undefined;
    const claims = (app: ArgoCdApplication) =>
      appName
        ? app.metadata.name === appName
        : Boolean(
            parsedSelector &&
              parsedSelector.length > 0 &&
              matchesSelector(app.metadata.labels ?? {}, parsedSelector),
          );
    let argocd: SourceFacts<AppFact[]>;
    const relevant = ctx.argocd.filter(
      i => !instanceName || i.instance === instanceName,
    );
    const failed = relevant.filter(i => !i.ok);
    if (!appName && !selector) {
      argocd = { ok: true, value: [] };
    } else if (failed.length) {
      argocd = {
        ok: false,
        reason: failed.map(f => (f.ok ? '' : f.reason)).join('; '),
      };
    } else {
      const apps: AppFact[] = [];
      for (const inst of relevant) {
        if (!inst.ok) continue;
        for (const app of inst.apps) {
          if (!claims(app)) continue;
          const cluster = clusterOfDestination(
            app.spec.destination,
            this.deps.clusterServers,
          );
          const syncPolicy = (
            app.spec as {
              syncPolicy?: { automated?: { selfHeal?: boolean } | null };
            }
          ).syncPolicy;
          apps.push({
            instance: inst.instance,
            name: app.metadata.name,
            cluster,
            environment: cluster
              ? ctx.clusterEnv.get(cluster) ?? cluster
              : undefined,
            automated: Boolean(syncPolicy?.automated),
            selfHeal: Boolean(syncPolicy?.automated?.selfHeal),
            targetRevision: (
              app.spec.source as { targetRevision?: string } | undefined
            )?.targetRevision,
          });
        }
      }
      argocd = { ok: true, value: apps };
    }

    // Kubernetes: workloads labelled with its kubernetes-id (or selector).
    const kubeId = annotations['backstage.io/kubernetes-id'];
    const kubeSelector = annotations['backstage.io/kubernetes-label-selector'];
    const namespace = annotations['backstage.io/kubernetes-namespace'];
    let labelSelector = kubeSelector ? safeSelector(kubeSelector) : undefined;
    if (!kubeSelector && kubeId) {
      labelSelector = safeSelector(`backstage.io/kubernetes-id=${kubeId}`);
    }
    const clusterFailures = ctx.workloads.filter(
      c => !c.ok && (clusters.length === 0 || clusters.includes(c.cluster)),
    );
    let workloads: ServiceFacts['workloads'];
    if (clusterFailures.length) {
      workloads = {
        ok: false,
        reason: clusterFailures.map(c => (c.ok ? '' : c.reason)).join('; '),
      };
    } else {
      const found: Array<Workload & { environment?: string }> = [];
      for (const c of ctx.workloads) {
        if (!c.ok || !labelSelector?.length) continue;
        for (const w of c.items) {
          if (namespace && w.namespace !== namespace) continue;
          if (!matchesSelector(w.labels, labelSelector)) continue;
          found.push({
            ...w,
            environment: ctx.clusterEnv.get(c.cluster) ?? c.cluster,
          });
        }
      }
      workloads = { ok: true, value: found };
    }

    const url = sourceUrl(entity);
    let repository: ServiceFacts['repository'];
    if (url) {
      repository = ctx.repositories.ok
        ? ctx.repositories.value.get(url) ?? {
            ok: false,
            reason: `The repository ${url} was not read`,
          }
        : ctx.repositories;
    }

    return {
      entityRef,
      title: entity.metadata.title,
      owner,
      ownerIsGroup: Boolean(owner && ctx.groups.has(owner)),
      system: relation(RELATION_PART_OF)[0],
      description: entity.metadata.description,
      lifecycle:
        typeof entity.spec?.lifecycle === 'string'
          ? entity.spec.lifecycle
          : undefined,
      links: (entity.metadata.links ?? []).map(l => ({
        url: l.url,
        title: l.title,
        type: l.type,
      })),
      environments,
      argocd,
      workloads,
      deliveries: ctx.deliveries.ok
        ? { ok: true, value: ctx.deliveries.value.get(entityRef) ?? [] }
        : ctx.deliveries,
      repository,
      sourceLocation: annotations[SOURCE_LOCATION_ANNOTATION],
    };
  }
}

/** The URL of a service's source location (`url:<tree URL>`), if it names one. */
function sourceUrl(entity: Entity): string | undefined {
  const ref = entity.metadata.annotations?.[SOURCE_LOCATION_ANNOTATION];
  if (!ref) return undefined;
  try {
    const { type, target } = parseLocationRef(ref);
    return type === 'url' ? target : undefined;
  } catch {
    return undefined;
  }
}

function safeSelector(selector: string) {
  try {
    return parseSelector(selector);
  } catch {
    return undefined;
  }
}
