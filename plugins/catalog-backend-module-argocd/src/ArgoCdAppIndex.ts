import { LoggerService } from '@backstage/backend-plugin-api';
import {
  ArgoCdApplication,
  ArgoCdClient,
  clusterOfDestination,
  matchesSelector,
  parseSelector,
} from '@portolan/argocd-node';

/** An Argo CD application as the catalog sees it. */
export interface IndexedApp {
  instance: string;
  name: string;
  labels: Record<string, string>;
  /** Cluster name (a `kubernetes-cluster` Resource), when it can be told. */
  cluster?: string;
  namespace?: string;
  project?: string;
  sync?: string;
  health?: string;
}

export interface InstanceState {
  instance: string;
  ok: boolean;
  error?: string;
  fetchedAt?: string;
  apps: IndexedApp[];
}

/** What an entity's Argo CD annotations resolve to. */
export interface AppLookup {
  apps: IndexedApp[];
  /** Instances that could not be asked: "not found" is not known there. */
  unavailable: string[];
  /** The instances searched. */
  searched: string[];
}

/**
 * An in-memory snapshot of every Argo CD app on every instance, refreshed on
 * a schedule with ONE list call per instance. Catalog processing reads it
 * for each entity without calling Argo CD (no call per entity or per app).
 */
export class ArgoCdAppIndex {
  private states = new Map<string, InstanceState>();

  constructor(
    private readonly clients: ArgoCdClient[],
    /** Argo CD destination server URL → cluster name, from Kubernetes config. */
    private readonly clusterByServer: Map<string, string>,
    private readonly logger: LoggerService,
  ) {}

  get instanceNames(): string[] {
    return this.clients.map(c => c.name);
  }

  private lastRefreshAt = 0;
  private inFlight?: Promise<void>;

  /**
   * A refresh unless one ran in the last `maxAgeMs` (one at a time): an app
   * created a moment ago (by a template) is found without waiting for the
   * next scheduled refresh, and misses cannot turn into a call storm.
   */
  async refreshIfOlderThan(maxAgeMs: number): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (Date.now() - this.lastRefreshAt < maxAgeMs) return undefined;
    this.inFlight = this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  async refresh(): Promise<void> {
    this.lastRefreshAt = Date.now();
    await Promise.all(
      this.clients.map(async client => {
        const previous = this.states.get(client.name);
        try {
          const apps = await client.listApplications();
          this.states.set(client.name, {
            instance: client.name,
            ok: true,
            fetchedAt: new Date().toISOString(),
            apps: apps.map(app => this.toIndexed(client.name, app)),
          });
        } catch (error) {
          const message = (error as Error).message;
          this.logger.warn(`Argo CD app index: ${message}`);
          // Keep the last good apps for relations; mark the instance down so
          // nothing is reported "not found" on its account.
          this.states.set(client.name, {
            instance: client.name,
            ok: false,
            error: message,
            fetchedAt: previous?.fetchedAt,
            apps: previous?.apps ?? [],
          });
        }
      }),
    );
  }

  instanceStates(): InstanceState[] {
    return this.instanceNames.map(
      name =>
        this.states.get(name) ?? {
          instance: name,
          ok: false,
          error: 'not fetched yet',
          apps: [],
        },
    );
  }

  /** Resolves `argocd/app-name` / `argocd/app-selector` (+ instance). */
  lookup(annotations: {
    appName?: string;
    appSelector?: string;
    instanceName?: string;
  }): AppLookup {
    const searched = annotations.instanceName
      ? this.instanceNames.filter(n => n === annotations.instanceName)
      : this.instanceNames;
    const terms = annotations.appSelector
      ? parseSelector(annotations.appSelector)
      : undefined;
    const apps: IndexedApp[] = [];
    const unavailable: string[] = [];
    for (const name of searched) {
      const state = this.states.get(name);
      if (!state?.ok) unavailable.push(name);
      for (const app of state?.apps ?? []) {
        if (annotations.appName && app.name === annotations.appName)
          apps.push(app);
        else if (terms && matchesSelector(app.labels, terms)) apps.push(app);
      }
    }
    return { apps, unavailable, searched };
  }

  private toIndexed(instance: string, app: ArgoCdApplication): IndexedApp {
    const destination = app.spec.destination;
    const cluster = clusterOfDestination(destination, this.clusterByServer);
    return {
      instance,
      name: app.metadata.name,
      labels: app.metadata.labels ?? {},
      cluster,
      namespace: destination.namespace,
      project: app.spec.project,
      sync: app.status?.sync?.status,
      health: app.status?.health?.status,
    };
  }
}
