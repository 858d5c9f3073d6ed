import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  RELATION_DEPENDS_ON,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ArgoCdApplication,
  ArgoCdClient,
  clusterOfDestination,
} from '@portolan/argocd-node';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  ARGOCD_APP_SELECTOR_ANNOTATION,
  CLUSTER_ARGOCD_INSTANCE_ANNOTATION,
  ClusterService,
  ClusterServicesResponse,
  ENVIRONMENT_ANNOTATION,
  HealthStatus,
  ServiceEnvironment,
  ServiceEnvironmentsResponse,
  SyncStatus,
  isKubernetesCluster,
} from '@portolan/plugin-delivery-common';
import {
  DeploymentStore,
  RevisionMetadata,
  revisionKey,
  revisionMetadataFrom,
} from '../database/DeploymentStore';
import { UpstreamReadCache } from './UpstreamReadCache';

const SYNC: ReadonlySet<string> = new Set(['Synced', 'OutOfSync', 'Unknown']);
const HEALTH: ReadonlySet<string> = new Set([
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
]);
const sync = (s?: string): SyncStatus =>
  s && SYNC.has(s) ? (s as SyncStatus) : 'Unknown';
const health = (s?: string): HealthStatus =>
  s && HEALTH.has(s) ? (s as HealthStatus) : 'Unknown';

/** Environment order on cards: the way code travels. */
const ENV_ORDER = ['dev', 'staging', 'prod'];

/** What the environments read and write of the delivery store. */
export type RevisionMetadataStore = Pick<
  DeploymentStore,
  'revisionMetadata' | 'putRevisionMetadataMany'
>;

/**
 * Live "where does it run" answers from Argo CD: one list call per Argo CD
 * instance involved (in parallel, each with its own timeout), revision
 * metadata from the delivery store (asked of Argo CD once per revision).
 */
export class EnvironmentsService {
  static create(deps: {
    clients: ArgoCdClient[];
    catalog: CatalogService;
    clusterByServer: Map<string, string>;
    logger: LoggerService;
    /** Where revision metadata is kept (the delivery store's table). */
    revisions: RevisionMetadataStore;
    cache?: UpstreamReadCache;
  }) {
    return new EnvironmentsService(
      deps.clients,
      deps.catalog,
      deps.clusterByServer,
      deps.logger,
      deps.revisions,
      deps.cache ?? new UpstreamReadCache({ ttlMs: 5_000 }),
    );
  }

  private constructor(
    private readonly clients: ArgoCdClient[],
    private readonly catalog: CatalogService,
    private readonly clusterByServer: Map<string, string>,
    private readonly logger: LoggerService,
    private readonly revisions: RevisionMetadataStore,
    private readonly cache: UpstreamReadCache,
  ) {}

  /** One list call per instance and query, shared by concurrent readers. */
  private listApplications(client: ArgoCdClient, selector?: string) {
    return this.cache.read(`argocd|${client.name}|${selector ?? '*'}`, () =>
      client.listApplications(selector ? { selector } : {}),
    );
  }

  async getServiceEnvironments(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<ServiceEnvironmentsResponse> {
    const entity = await this.catalog.getEntityByRef(ref, { credentials });
    if (!entity) {
      throw new NotFoundError(
        `No entity ${stringifyEntityRef(ref)} in the catalog`,
      );
    }
    const entityRef = stringifyEntityRef(entity);
    const annotations = entity.metadata.annotations ?? {};
    const selector = annotations[ARGOCD_APP_SELECTOR_ANNOTATION];
    const appName = annotations[ARGOCD_APP_NAME_ANNOTATION];

    // The clusters it runs on: its dependsOn cluster Resources (one call).
    const clusterRefs = (entity.relations ?? [])
      .filter(
        r =>
          r.type === RELATION_DEPENDS_ON &&
          parseEntityRef(r.targetRef).kind === 'resource',
      )
      .map(r => r.targetRef);
    const { items } = await this.catalog.getEntitiesByRefs(
      { entityRefs: [...new Set(clusterRefs)] },
      { credentials },
    );
    const clusters = items.filter(
      (e): e is Entity => !!e && isKubernetesCluster(e),
    );
    if (!selector && !appName) {
      return { entityRef, environments: [], unplacedApps: [] };
    }

    // One list call per instance involved, in parallel.
    const instanceNames = new Set(
      clusters
        .map(c => c.metadata.annotations?.[CLUSTER_ARGOCD_INSTANCE_ANNOTATION])
        .filter(Boolean),
    );
    const clients = instanceNames.size
      ? this.clients.filter(c => instanceNames.has(c.name))
      : this.clients;
    const listed = await Promise.all(
      clients.map(async client => {
        try {
          const apps = await this.listApplications(client, selector);
          return {
            client,
            apps: appName
              ? apps.filter(a => a.metadata.name === appName)
              : apps,
          };
        } catch (error) {
          return { client, error: error as Error };
        }
      }),
    );

    const placed = new Set<string>();
    const environments: ServiceEnvironment[] = [];
    for (const cluster of clusters) {
      const a = cluster.metadata.annotations ?? {};
      const environment = a[ENVIRONMENT_ANNOTATION] ?? cluster.metadata.name;
      const instance = a[CLUSTER_ARGOCD_INSTANCE_ANNOTATION];
      const base = {
        environment,
        cluster: {
          entityRef: stringifyEntityRef(cluster),
          name: cluster.metadata.name,
        },
        instance: instance ?? '',
      };
      const candidates = instance
        ? listed.filter(l => l.client.name === instance)
        : listed;
      if (instance && candidates.length === 0) {
        environments.push({
          ...base,
          error: {
            system: `cluster ${cluster.metadata.name}`,
            message: `names Argo CD instance '${instance}', which is not configured`,
          },
        });
        continue;
      }
      let found: { client: ArgoCdClient; app: ArgoCdApplication } | undefined;
      const failures: Error[] = [];
      for (const l of candidates) {
        if (l.error) {
          failures.push(l.error);
          continue;
        }
        const app = l.apps!.find(
          x =>
            clusterOfDestination(x.spec.destination, this.clusterByServer) ===
            cluster.metadata.name,
        );
        if (app) {
          found = { client: l.client, app };
          break;
        }
      }
      if (!found) {
        environments.push({
          ...base,
          error: failures.length
            ? {
                system: `Argo CD instance ${
                  base.instance || candidates.map(c => c.client.name).join(', ')
                }`,
                message: stripPrefix(failures[0].message),
              }
            : {
                system: `Argo CD instance ${
                  base.instance || candidates.map(c => c.client.name).join(', ')
                }`,
                message: `no app ${
                  appName ? `'${appName}'` : `matching '${selector}'`
                } deploys to cluster ${cluster.metadata.name}`,
              },
        });
        continue;
      }
      placed.add(`${found.client.name}/${found.app.metadata.name}`);
      environments.push({
        ...base,
        instance: found.client.name,
        app: this.toRow(found.client, found.app),
      });
    }

    await this.attachCommits(environments, listed);
    environments.sort(
      (x, y) =>
        envRank(x.environment) - envRank(y.environment) ||
        x.environment.localeCompare(y.environment),
    );
    const unplacedApps = listed
      .flatMap(l =>
        (l.apps ?? []).map(app => `${l.client.name}/${app.metadata.name}`),
      )
      .filter(key => !placed.has(key));
    return { entityRef, environments, unplacedApps };
  }

  async getClusterServices(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<ClusterServicesResponse> {
    const cluster = await this.catalog.getEntityByRef(ref, { credentials });
    if (!cluster || !isKubernetesCluster(cluster)) {
      throw new NotFoundError(
        `No kubernetes-cluster Resource ${stringifyEntityRef(
          ref,
        )} in the catalog`,
      );
    }
    const a = cluster.metadata.annotations ?? {};
    const instance = a[CLUSTER_ARGOCD_INSTANCE_ANNOTATION];
    const environment = a[ENVIRONMENT_ANNOTATION];
    const clients = instance
      ? this.clients.filter(c => c.name === instance)
      : this.clients;
    const response: ClusterServicesResponse = {
      cluster: cluster.metadata.name,
      environment,
      instance,
      summary: {
        total: 0,
        healthy: 0,
        degraded: 0,
        progressing: 0,
        outOfSync: 0,
      },
      services: [],
    };
    if (clients.length === 0) {
      response.error = {
        system: `cluster ${cluster.metadata.name}`,
        message: instance
          ? `names Argo CD instance '${instance}', which is not configured`
          : 'no Argo CD instance is configured',
      };
      return response;
    }
    const apps: Array<{ client: ArgoCdClient; app: ArgoCdApplication }> = [];
    for (const client of clients) {
      try {
        for (const app of await this.listApplications(client)) {
          if (
            clusterOfDestination(app.spec.destination, this.clusterByServer) ===
            cluster.metadata.name
          ) {
            apps.push({ client, app });
          }
        }
      } catch (error) {
        response.error = {
          system: `Argo CD instance ${client.name}`,
          message: stripPrefix((error as Error).message),
        };
      }
    }
    // Map apps to catalog services by their kubernetes-id label: one query.
    const ids = [
      ...new Set(
        apps
          .map(x => x.app.metadata.labels?.['backstage.io/kubernetes-id'])
          .filter(Boolean),
      ),
    ] as string[];
    const byId = new Map<string, string>();
    if (ids.length) {
      const { items } = await this.catalog.getEntities(
        {
          filter: {
            kind: 'component',
            'metadata.annotations.backstage.io/kubernetes-id': ids,
          },
          fields: [
            'kind',
            'metadata.namespace',
            'metadata.name',
            'metadata.annotations',
          ],
        },
        { credentials },
      );
      for (const e of items) {
        const id = e.metadata.annotations?.['backstage.io/kubernetes-id'];
        if (id) byId.set(id, stringifyEntityRef(e));
      }
    }
    response.services = apps
      .map(({ client, app }): ClusterService => {
        const row = this.toRow(client, app);
        return {
          entityRef: byId.get(
            app.metadata.labels?.['backstage.io/kubernetes-id'] ?? '',
          ),
          app: row.name,
          project: row.project,
          namespace: row.namespace,
          url: row.url,
          sync: row.sync,
          health: row.health,
          revision: row.revision,
          lastSyncedAt: row.lastSyncedAt,
        };
      })
      .sort((x, y) => x.app.localeCompare(y.app));
    for (const s of response.services) {
      response.summary.total++;
      if (s.health === 'Healthy') response.summary.healthy++;
      if (s.health === 'Degraded' || s.health === 'Missing')
        response.summary.degraded++;
      if (s.health === 'Progressing') response.summary.progressing++;
      if (s.sync === 'OutOfSync') response.summary.outOfSync++;
    }
    return response;
  }

  private toRow(
    client: ArgoCdClient,
    app: ArgoCdApplication,
  ): NonNullable<ServiceEnvironment['app']> {
    const status = app.status ?? {};
    const history = status.history ?? [];
    const last = history[history.length - 1];
    return {
      name: app.metadata.name,
      project: app.spec.project ?? 'default',
      namespace: app.spec.destination.namespace ?? '',
      url: client.appUrl(app.metadata.name),
      sync: sync(status.sync?.status),
      health: health(status.health?.status),
      revision: status.sync?.revision ?? last?.revision,
      lastSyncedAt: status.operationState?.finishedAt ?? last?.deployedAt,
      images: status.summary?.images ?? [],
    };
  }

  /**
   * Commit author and message per deployed revision: from the delivery
   * store's revision metadata (one query per view, shared by every replica
   * and kept across restarts: a revision's commit never changes); a
   * revision not stored yet is asked of Argo CD once, concurrent views
   * merged, and stored.
   */
  private async attachCommits(
    environments: ServiceEnvironment[],
    listed: Array<{ client: ArgoCdClient }>,
  ): Promise<void> {
    const byName = new Map(listed.map(l => [l.client.name, l.client]));
    const wanted = environments.flatMap(env => {
      const client = byName.get(env.instance);
      return env.app?.revision && client
        ? [
            {
              row: env.app,
              client,
              key: {
                instance: client.name,
                app: env.app.name,
                revision: env.app.revision,
              },
            },
          ]
        : [];
    });
    if (wanted.length === 0) return;
    const stored = await this.revisions.revisionMetadata(
      wanted.map(w => w.key),
    );
    await Promise.all(
      wanted.map(async ({ row, client, key }) => {
        const meta =
          stored.get(revisionKey(key)) ??
          (await this.cache
            .read(`argocd-revision|${revisionKey(key)}`, () =>
              this.fetchAndStore(client, key),
            )
            .catch(error => {
              this.logger.debug(
                `revision metadata ${key.app}@${key.revision}: ${
                  (error as Error).message
                }`,
              );
              return undefined;
            }));
        if (!meta) return;
        row.commit = {
          author: meta.author ?? '',
          message: meta.message ?? '',
          date: meta.date?.toISOString() ?? '',
        };
      }),
    );
  }

  /** Asks Argo CD, and stores the answer for every replica. */
  private async fetchAndStore(
    client: ArgoCdClient,
    key: { instance: string; app: string; revision: string },
  ): Promise<RevisionMetadata> {
    const meta = revisionMetadataFrom(
      await client.getRevisionMetadata(key.app, key.revision),
    );
    try {
      await this.revisions.putRevisionMetadataMany([{ ...key, meta }]);
    } catch (error) {
      // The view still shows it; the next one asks Argo CD again.
      this.logger.warn(
        `Could not store revision metadata ${key.app}@${key.revision}: ${
          (error as Error).message
        }`,
      );
    }
    return meta;
  }
}

function envRank(env: string): number {
  const i = ENV_ORDER.indexOf(env);
  return i === -1 ? ENV_ORDER.length : i;
}

/** "Argo CD instance x: why" → "why" (the system is its own field). */
function stripPrefix(message: string): string {
  return message.replace(/^Argo CD instance [^:]+: /, '');
}
