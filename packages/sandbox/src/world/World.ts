import { CatalogModel } from './catalog';
import { Random } from './random';

export type DeployResult =
  | 'succeeded'
  | 'failed'
  | 'rolled-back'
  | 'canary-aborted'
  | 'in-progress';

export interface Deploy {
  /**
   * Argo CD history id, given when the sync succeeded (the deploy entered
   * status.history): 0, 1, 2, ... per app, as Argo CD's controller numbers
   * them (controller/state.go persistRevisionHistory). Failed and running
   * syncs have none.
   */
  id?: number;
  revision: string;
  previousRevision?: string;
  author: { name: string; email: string };
  message: string;
  /** Commit time: before the deploy started (lead time). */
  committedAt: number;
  startedAt: number;
  finishedAt?: number;
  result: DeployResult;
  /** Argo CD user who synced, or undefined when automated. */
  initiator?: string;
}

/** Argo CD's spec.syncPolicy, as the app was created. */
export interface SyncPolicy {
  automated?: {
    prune?: boolean;
    selfHeal?: boolean;
    allowEmpty?: boolean;
    enabled?: boolean;
  };
  syncOptions?: string[];
  [key: string]: unknown;
}

/** Whether Argo CD syncs the app by itself (SyncPolicy.IsAutomatedSyncEnabled). */
export function isAutomated(policy: SyncPolicy | undefined): boolean {
  return !!policy?.automated && policy.automated.enabled !== false;
}

/** Argo CD keeps this many history entries when spec.revisionHistoryLimit is unset. */
export const DEFAULT_REVISION_HISTORY_LIMIT = 10;

export interface App {
  name: string;
  service: string;
  system: string;
  environment: string;
  cluster: string;
  instance: string;
  namespace: string;
  project: string;
  repoURL: string;
  /** prod runs a canary Rollout, the rest plain Deployments. */
  workload: 'Rollout' | 'Deployment';
  replicas: number;
  createdAt: number;
  deploys: Deploy[];
  /** spec.syncPolicy as created; undefined: manual sync. */
  syncPolicy?: SyncPolicy;
  /** spec.revisionHistoryLimit as created; undefined: Argo CD keeps 10. */
  revisionHistoryLimit?: number;
  /** metadata.labels; undefined: the Portolan labels of the service. */
  labels?: Record<string, string>;
  /** spec.source.path; undefined: deploy/overlays/<environment>. */
  path?: string;
  /** spec.source.targetRevision; undefined: main. */
  targetRevision?: string;
  /** Deploys that changed the replica count, oldest first; `replicas` is the count now. */
  replicaChanges?: Array<{
    at: number;
    revision: string;
    from: number;
    to: number;
  }>;
}

/**
 * Apps one of whose deploys, 5 to 20 days before the world starts, doubled
 * the replicas (a scale-out the cost stand-in shows as a cost jump).
 */
const SCALE_OUT_APPS = new Set(['invoice-service-prod']);

const DAY = 86_400_000;
const MESSAGES = [
  'Bump base image to the latest patch release',
  'Add retries with jitter to the upstream client',
  'Fix pagination off-by-one in list endpoint',
  'Tune connection pool size for peak traffic',
  'Remove feature flag for the new checkout flow',
  'Log request ids on every error path',
  'Upgrade dependencies (security advisories)',
  'Cache catalogue lookups for 30 seconds',
  'Handle empty payloads without a 500',
  'Split slow integration tests into their own job',
  'Add p99 latency alert and runbook link',
  'Reduce memory limit after profiling',
  'Expose readiness probe on /healthz/ready',
  'Migrate config to environment variables',
  'Fix race when two requests update the same record',
];
const BOT = { name: 'renovate[bot]', email: 'bot@renovateapp.com' };
/** How often each environment deploys, on average. */
const DEPLOYS_PER_DAY: Record<string, number> = {
  dev: 1.2,
  staging: 0.7,
  prod: 0.45,
};
/** Argo CD accounts that sync by hand. */
const SYNC_USERS = ['ada.lovelace', 'ken.thompson', 'admin'];

/**
 * The generated world every stand-in draws from: services, environments,
 * apps and their deployment history. Logs and costs stand-ins derive from
 * the same deploys, so their data agrees.
 */
export class World {
  readonly apps: App[] = [];
  private readonly byInstance = new Map<string, Map<string, App>>();
  private readonly random: Random;
  private readonly appOfDeploy = new WeakMap<Deploy, App>();

  constructor(
    readonly catalog: CatalogModel,
    readonly seed: number,
    now: number,
    options: { extraServices?: number; historyDays?: number } = {},
  ) {
    this.random = new Random(seed);
    const services = [...catalog.services];
    for (let i = 0; i < (options.extraServices ?? 0); i++) {
      const template = catalog.services[i % catalog.services.length];
      services.push({
        ...template,
        name: `generated-${String(i + 1).padStart(3, '0')}`,
        clusters: catalog.clusters.map(c => c.name),
      });
    }
    const clusterByName = new Map(catalog.clusters.map(c => [c.name, c]));
    for (const service of services) {
      for (const clusterName of service.clusters) {
        const cluster = clusterByName.get(clusterName)!;
        const app: App = {
          name: `${service.name}-${cluster.environment}`,
          service: service.name,
          system: service.system,
          environment: cluster.environment,
          cluster: cluster.name,
          instance: cluster.instance,
          namespace: service.namespace,
          project: service.system,
          repoURL: `https://git.portolan.example/${service.system}/${service.name}.git`,
          workload: cluster.environment === 'prod' ? 'Rollout' : 'Deployment',
          replicas: cluster.environment === 'prod' ? 5 : 2,
          createdAt: now - (options.historyDays ?? 90) * DAY,
          deploys: [],
          // Non-production syncs itself from Git; production is synced by a
          // person (and so can be rolled back in Argo CD).
          syncPolicy:
            cluster.environment === 'prod'
              ? undefined
              : { automated: { prune: true, selfHeal: true } },
        };
        this.generateHistory(app, now, options.historyDays ?? 90);
        if (SCALE_OUT_APPS.has(app.name)) this.scaleOut(app, now);
        this.apps.push(app);
        const map = this.byInstance.get(app.instance) ?? new Map<string, App>();
        map.set(app.name, app);
        this.byInstance.set(app.instance, map);
      }
    }
  }

  instances(): string[] {
    return [...new Set(this.catalog.clusters.map(c => c.instance))].sort();
  }

  appsOn(instance: string): App[] {
    return [...(this.byInstance.get(instance)?.values() ?? [])];
  }

  app(instance: string, name: string): App | undefined {
    return this.byInstance.get(instance)?.get(name);
  }

  addApp(app: App): void {
    this.apps.push(app);
    const map = this.byInstance.get(app.instance) ?? new Map<string, App>();
    map.set(app.name, app);
    this.byInstance.set(app.instance, map);
  }

  removeApp(instance: string, name: string): boolean {
    const app = this.byInstance.get(instance)?.get(name);
    if (!app) return false;
    this.byInstance.get(instance)!.delete(name);
    this.apps.splice(this.apps.indexOf(app), 1);
    return true;
  }

  /** Replicas of an app's workload at time t (its replica changes applied). */
  replicasAt(app: App, t: number): number {
    let replicas = app.replicaChanges?.[0]?.from ?? app.replicas;
    for (const c of app.replicaChanges ?? []) if (c.at <= t) replicas = c.to;
    return replicas;
  }

  /** Doubles the replicas with the first successful deploy 5 to 20 days ago (no randomness used). */
  private scaleOut(app: App, now: number): void {
    const deploy = app.deploys.find(
      d =>
        d.result === 'succeeded' &&
        d.startedAt >= now - 20 * DAY &&
        d.startedAt <= now - 5 * DAY,
    );
    if (!deploy) return;
    const from = app.replicas;
    app.replicaChanges = [
      {
        at: deploy.finishedAt ?? deploy.startedAt,
        revision: deploy.revision,
        from,
        to: from * 2,
      },
    ];
    app.replicas = from * 2;
  }

  /** The deploy currently running in Argo CD's eyes (last, if unfinished). */
  current(app: App): Deploy | undefined {
    return app.deploys[app.deploys.length - 1];
  }

  /** The revision live in the cluster: last deploy that took effect. */
  liveRevision(app: App): string | undefined {
    for (let i = app.deploys.length - 1; i >= 0; i--) {
      const d = app.deploys[i];
      if (d.result === 'succeeded' || d.result === 'rolled-back')
        return d.revision;
    }
    return undefined;
  }

  /** The deploys in Argo CD's status.history (successful syncs), oldest first. */
  history(app: App): Deploy[] {
    return app.deploys.filter(d => d.id !== undefined);
  }

  /** Starts a new deploy of a new commit (motion, or a manual sync). */
  startDeploy(
    app: App,
    now: number,
    initiator?: string,
    revision?: string,
  ): Deploy {
    const prev = this.liveRevision(app);
    const authors = this.authorsOf(app);
    const deploy: Deploy = {
      revision: revision ?? this.random.sha(),
      previousRevision: prev,
      author: this.random.chance(0.15) ? BOT : this.random.pick(authors),
      message: this.random.pick(MESSAGES),
      committedAt: now - this.random.int(10, 600) * 60_000,
      startedAt: now,
      result: 'in-progress',
      initiator,
    };
    app.deploys.push(deploy);
    this.appOfDeploy.set(deploy, app);
    return deploy;
  }

  /**
   * Ends a deploy. A sync that succeeded enters history with the next id
   * (an aborted canary too: Argo CD's sync succeeded, the Rollout aborted).
   */
  /**
   * An Argo CD rollback (or a sync to an earlier revision): deploys a
   * revision that was live before, whose commit it is.
   */
  rollback(
    app: App,
    revision: string | undefined,
    now: number,
    initiator: string,
  ): Deploy {
    const target = revision ?? this.random.sha();
    const earlier = app.deploys.find(d => d.revision === target);
    const deploy = this.startDeploy(app, now, initiator, target);
    if (earlier) {
      deploy.author = earlier.author;
      deploy.message = earlier.message;
      deploy.committedAt = earlier.committedAt;
    }
    return deploy;
  }

  /** Undoes a deploy through Git: git's own revert commit, synced automatically. */
  revert(app: App, bad: Deploy, now: number): Deploy {
    const deploy = this.startDeploy(app, now);
    if (deploy.author === BOT)
      deploy.author = this.random.pick(this.authorsOf(app));
    deploy.message = `Revert "${bad.message}"\n\nThis reverts commit ${bad.revision}.`;
    return deploy;
  }

  finishDeploy(
    deploy: Deploy,
    result: Exclude<DeployResult, 'in-progress'>,
    now: number,
  ): void {
    deploy.result = result;
    deploy.finishedAt = now;
    if (result !== 'failed' && deploy.id === undefined) {
      const app = this.appOfDeploy.get(deploy);
      let last: number | undefined;
      for (const d of app?.deploys ?? []) if (d.id !== undefined) last = d.id;
      deploy.id = last === undefined ? 0 : last + 1;
    }
  }

  /** Moves the world forward: occasionally starts deploys (realtime mode). */
  motion(now: number, lastMotion: number): Deploy[] {
    const started: Deploy[] = [];
    // About one new deploy somewhere every 3 minutes.
    const steps = Math.floor((now - lastMotion) / 180_000);
    for (let i = 0; i < steps; i++) {
      const app = this.random.pick(this.apps);
      if (this.current(app)?.result === 'in-progress') continue;
      // Apps without automated sync only deploy when someone syncs them.
      const initiator =
        isAutomated(app.syncPolicy) && this.random.chance(0.6)
          ? undefined
          : 'admin';
      started.push(this.startDeploy(app, now, initiator));
    }
    return started;
  }

  private authorsOf(app: App): Array<{ name: string; email: string }> {
    const service = this.catalog.services.find(s => s.name === app.service);
    const users = this.catalog.usersByGroup.get(service?.owner ?? '') ?? [];
    return users.length
      ? users.map(u => ({ name: u.displayName, email: u.email }))
      : [{ name: 'Portolan Developer', email: 'dev@portolan.example' }];
  }

  private generateHistory(app: App, now: number, days: number): void {
    const perDay = DEPLOYS_PER_DAY[app.environment] ?? DEPLOYS_PER_DAY.prod;
    let t = now - days * DAY + this.random.int(1, 12) * 3_600_000;
    for (;;) {
      t += Math.round((DAY / perDay) * (0.4 + this.random.next() * 1.2));
      // Office hours, mostly.
      const hour = new Date(t).getUTCHours();
      if (hour < 7 || hour > 18)
        t += ((this.random.int(8, 10) - hour + 24) % 24) * 3_600_000;
      if (t > now - 10 * 60_000) break;
      // Automated apps mostly sync themselves; manual ones always by a person.
      const byHand = !isAutomated(app.syncPolicy) || this.random.chance(0.3);
      const d = this.startDeploy(
        app,
        t,
        byHand ? this.random.pick(SYNC_USERS) : undefined,
      );
      const duration =
        (app.workload === 'Rollout'
          ? this.random.int(12, 40)
          : this.random.int(1, 4)) * 60_000;
      const roll = this.random.next();
      let result: Exclude<DeployResult, 'in-progress'> = 'succeeded';
      if (app.workload === 'Rollout' && roll < 0.06) result = 'canary-aborted';
      else if (roll < 0.1) result = 'failed';
      this.finishDeploy(d, result, t + duration);
      const undo = result !== 'succeeded' && this.random.chance(0.5);
      if (undo && (isAutomated(app.syncPolicy) || d.previousRevision)) {
        // Some bad deploys are undone: an Argo CD rollback where Argo CD
        // allows one (no automated sync), else a revert commit in Git.
        const at = t + duration + this.random.int(5, 45) * 60_000;
        const back = isAutomated(app.syncPolicy)
          ? this.revert(app, d, at)
          : this.rollback(app, d.previousRevision, at, 'admin');
        this.finishDeploy(back, 'rolled-back', back.startedAt + 2 * 60_000);
        t = back.finishedAt!;
      } else {
        t = d.finishedAt!;
      }
    }
  }
}
