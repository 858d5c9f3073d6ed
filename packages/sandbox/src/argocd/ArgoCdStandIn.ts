import express, { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Clock } from '../world/clock';
import {
  App,
  DEFAULT_REVISION_HISTORY_LIMIT,
  Deploy,
  SyncPolicy,
  World,
  isAutomated,
} from '../world/World';
import {
  ArgoError,
  GrpcCode,
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
  unauthenticated,
} from './argoErrors';
import {
  KnownCluster,
  isDestinationPermitted,
  isSourcePermitted,
} from './projectPermissions';
import { signToken, verifyToken } from './token';

export interface ArgoCdStandInOptions {
  name: string;
  world: World;
  clock: Clock;
  username: string;
  password: string;
  /**
   * spec.revisionHistoryLimit of the seeded apps, when a test sets one.
   * Unset, they keep Argo CD's default of 10 (and the spec has no value).
   */
  historyLimit?: number;
  /** URL of the sandbox Kubernetes API server of a cluster. */
  clusterUrl: (cluster: string) => string;
}

/** The namespace Argo CD runs in; the only one whose apps it serves here. */
const CONTROL_PLANE_NAMESPACE = 'argocd';
/** common.KubernetesInternalAPIServerAddr: in-cluster, enabled by default. */
const IN_CLUSTER: KnownCluster = {
  server: 'https://kubernetes.default.svc',
  name: 'in-cluster',
};
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

interface Project {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
  };
  spec: ProjectSpec;
}
interface ProjectSpec {
  sourceRepos?: string[];
  destinations?: Array<{ server?: string; name?: string; namespace?: string }>;
  sourceNamespaces?: string[];
  [key: string]: unknown;
}
interface ApplicationSource {
  repoURL?: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
  [key: string]: unknown;
}
interface ApplicationSpec {
  project?: string;
  source?: ApplicationSource;
  sources?: ApplicationSource[];
  destination?: { server?: string; name?: string; namespace?: string };
  syncPolicy?: SyncPolicy;
  revisionHistoryLimit?: number;
  [key: string]: unknown;
}
/** The user-owned part of an Application, as created (spec, labels, ...). */
interface Manifest {
  spec: ApplicationSpec;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}
interface Health {
  status: string;
  message?: string;
}

/**
 * The Argo CD 3.x REST API (v1) subset Portolan uses, over one World.
 * Answers are shaped by ../shared/specs/argocd/swagger.json and the
 * Application CRD; behaviour follows Argo CD's server/application and
 * server/project (cited where it matters).
 */
export class ArgoCdStandIn {
  readonly token: string;
  private readonly secret = crypto.randomBytes(32).toString('hex');
  private readonly sessions = new Set<string>();
  private readonly projects = new Map<string, Project>();
  /** Apps created through the API: their spec exactly as normalised. */
  private readonly manifests = new WeakMap<App, Manifest>();
  /** Bumped when an app's spec changes (upsert), for the JSON cache. */
  private readonly generations = new WeakMap<App, number>();
  private resourceVersion = 1000;
  /** Requests served, by kind: benchmarks compare clients' upstream calls. */
  readonly requests: Record<string, number> = {
    session: 0,
    list: 0,
    get: 0,
    metadata: 0,
    tree: 0,
    other: 0,
  };

  constructor(private readonly options: ArgoCdStandInOptions) {
    this.token = signToken(
      this.secret,
      'admin:apiKey',
      options.clock.now(),
      `${options.name}-static`,
    );
    const apps = options.world.appsOn(options.name);
    for (const app of apps) {
      if (options.historyLimit !== undefined)
        app.revisionHistoryLimit ??= options.historyLimit;
    }
    // Argo CD creates `default` permitting everything.
    this.putProject(
      'default',
      {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
      options.clock.now() - 365 * 86_400_000,
    );
    for (const [name, spec] of this.seededProjects(apps)) {
      this.putProject(name, spec, options.clock.now() - 90 * 86_400_000);
    }
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((req, _res, next) => {
      const kind = requestKind(req.method, req.path);
      if (kind) this.requests[kind]++;
      next();
    });
    // Not Argo CD: the sandbox's own counters, for benchmarks.
    app.get('/_sandbox/requests', (_req, res) => {
      res.json(this.requests);
    });
    app.use(express.json({ limit: '1mb' }));
    app.post('/api/v1/session', (req, res) => {
      const { username, password } = req.body ?? {};
      if (
        username !== this.options.username ||
        password !== this.options.password
      ) {
        throw unauthenticated('Invalid username or password');
      }
      const token = signToken(this.secret, username, this.options.clock.now());
      this.sessions.add(token);
      res.json({ token });
    });
    app.use('/api', (req, _res, next) => this.authenticate(req, next));
    app.get('/api/version', (_req, res) =>
      res.json({ Version: 'v3.1.0+sandbox' }),
    );
    app.get('/api/v1/session/userinfo', (_req, res) =>
      res.json({ loggedIn: true, username: 'admin', iss: 'argocd' }),
    );

    // server/application.List: label selector, name, projects, repo and
    // appNamespace filters; sorted by name. Since 3.0 the list carries no
    // per-resource health (status.resourceHealthSource: appTree).
    app.get('/api/v1/applications', (req, res) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const projects = projectsOf(q);
      const terms = q.selector ? parseSelector(String(q.selector)) : [];
      const inNamespace =
        !q.appNamespace || q.appNamespace === CONTROL_PLANE_NAMESPACE;
      const items = (
        inNamespace ? this.options.world.appsOn(this.options.name) : []
      )
        .filter(a => !q.name || a.name === q.name)
        .filter(a => projects.length === 0 || projects.includes(a.project))
        .filter(
          a => !q.repo || this.manifestOf(a).spec.source?.repoURL === q.repo,
        )
        .filter(a => matches(this.labelsOf(a), terms))
        .sort((x, y) => compareNames(x.name, y.name))
        .map(a => this.applicationJson(a));
      // Serialised apps are cached: a list is a concatenation, not a render.
      res
        .type('application/json')
        .send(
          `{"metadata":{"resourceVersion":"${
            this.resourceVersion
          }"},"items":[${items.join(',')}]}`,
        );
    });
    app.post('/api/v1/applications', (req, res) => {
      res.json(this.create(req.body, req.query.upsert === 'true'));
    });
    // server/application.Get: at most one project; 3.x fills in each
    // resource's health from the resource tree (inferResourcesStatusHealth).
    app.get('/api/v1/applications/:name', (req, res) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const projects = projectsOf(q);
      if (projects.length > 1) {
        throw invalidArgument(
          'multiple projects specified - the get endpoint accepts either zero or one project',
        );
      }
      const a = this.appFor(req.params.name, projects[0], q.appNamespace);
      res.json(this.toApplication(a, { resourceHealth: true }));
    });
    app.delete('/api/v1/applications/:name', (req, res) => {
      const a = this.appFor(
        req.params.name,
        req.query.project,
        req.query.appNamespace,
      );
      this.options.world.removeApp(this.options.name, a.name);
      this.resourceVersion++;
      res.json({});
    });
    app.get('/api/v1/applications/:name/resource-tree', (req, res) => {
      res.json(
        this.resourceTree(
          this.appFor(
            req.params.name,
            req.query.project,
            req.query.appNamespace,
          ),
        ),
      );
    });
    app.get(
      '/api/v1/applications/:name/revisions/:revision/metadata',
      (req, res) => {
        const a = this.appFor(
          req.params.name,
          req.query.project,
          req.query.appNamespace,
        );
        const d = a.deploys.find(x => x.revision === req.params.revision);
        if (!d) throw notFound('revision', req.params.revision);
        res.json({
          author: `${d.author.name} <${d.author.email}>`,
          date: iso(d.committedAt),
          message: d.message,
          tags: [],
        });
      },
    );
    app.post('/api/v1/applications/:name/sync', (req, res) => {
      const body = req.body ?? {};
      const a = this.appFor(req.params.name, body.project, body.appNamespace);
      // resolveSourceRevisions: a revision other than the tracked one is
      // refused while automated sync would undo it.
      const target = this.manifestOf(a).spec.source?.targetRevision ?? '';
      const revision = typeof body.revision === 'string' ? body.revision : '';
      if (
        revision &&
        revision !== (target || 'HEAD') &&
        isAutomated(a.syncPolicy) &&
        !body.dryRun
      ) {
        throw failedPrecondition(
          `Cannot sync to ${revision}: auto-sync currently set to ${target}`,
        );
      }
      this.ensureNoOperation(a);
      if (!body.dryRun) {
        const sha = /^[0-9a-f]{40}$/.test(revision) ? revision : undefined;
        this.options.world.startDeploy(
          a,
          this.options.clock.now(),
          'admin',
          sha,
        );
        this.resourceVersion++;
      }
      res.json(this.toApplication(a));
    });
    app.post('/api/v1/applications/:name/rollback', (req, res) => {
      const body = req.body ?? {};
      const a = this.appFor(req.params.name, body.project, body.appNamespace);
      if (isAutomated(a.syncPolicy)) {
        throw failedPrecondition(
          'rollback cannot be initiated when auto-sync is enabled',
        );
      }
      // The id is an int64 (0 when absent); only ids still in history count.
      const id = Number(body.id ?? 0);
      const target = this.history(a).find(d => d.id === id);
      if (!target) {
        throw invalidArgument(
          `application ${CONTROL_PLANE_NAMESPACE}/${
            a.name
          } does not have deployment with id ${body.id ?? 0}`,
        );
      }
      this.ensureNoOperation(a);
      if (!body.dryRun) {
        const d = this.options.world.rollback(
          a,
          target.revision,
          this.options.clock.now(),
          'admin',
        );
        this.options.world.finishDeploy(
          d,
          'rolled-back',
          this.options.clock.now(),
        );
        this.resourceVersion++;
      }
      res.json(this.toApplication(a));
    });
    app.delete('/api/v1/applications/:name/operation', (req, res) => {
      const a = this.appFor(
        req.params.name,
        req.query.project,
        req.query.appNamespace,
      );
      const current = this.options.world.current(a);
      if (current?.result !== 'in-progress')
        throw invalidArgument(
          'Unable to terminate operation. No operation is in progress',
        );
      this.options.world.finishDeploy(
        current,
        'failed',
        this.options.clock.now(),
      );
      this.resourceVersion++;
      res.json({});
    });

    app.get('/api/v1/projects', (_req, res) => {
      res.json({ metadata: {}, items: [...this.projects.values()] });
    });
    // server/project.Create: an equal spec answers the existing project.
    app.post('/api/v1/projects', (req, res) => {
      const project = req.body?.project;
      if (!project)
        throw invalidArgument("missing payload 'project' in request");
      const name = validName('AppProject', project.metadata?.name);
      const spec: ProjectSpec = project.spec ?? {};
      const existing = this.projects.get(name);
      if (existing && !req.body.upsert) {
        if (!isDeepStrictEqual(pruneZero(existing.spec), pruneZero(spec))) {
          // Argo CD appends `; difference in keys "..."` (r3labs/diff paths).
          throw invalidArgument(
            'existing project spec is different; use upsert flag to force update',
          );
        }
        res.json(existing);
        return;
      }
      res.json(
        this.putProject(
          name,
          spec,
          existing ? undefined : this.options.clock.now(),
        ),
      );
    });
    app.get('/api/v1/projects/:name', (req, res) => {
      res.json(this.project(req.params.name));
    });
    // server/project.Update: refused when it would invalidate existing apps.
    app.put('/api/v1/projects/:name', (req, res) => {
      const spec: ProjectSpec | undefined = req.body?.project?.spec;
      if (!req.body?.project)
        throw invalidArgument("missing payload 'project' in request");
      const old = this.project(req.params.name);
      let invalidSources = 0;
      let invalidDestinations = 0;
      for (const a of this.options.world
        .appsOn(this.options.name)
        .filter(x => x.project === req.params.name)) {
        const repo = this.manifestOf(a).spec.source?.repoURL ?? a.repoURL;
        if (
          isSourcePermitted(old.spec, repo) &&
          !isSourcePermitted(spec ?? {}, repo)
        )
          invalidSources++;
        const cluster = this.knownClusters().find(c => c.name === a.cluster);
        if (
          cluster &&
          isDestinationPermitted(old.spec, cluster, a.namespace) &&
          !isDestinationPermitted(spec ?? {}, cluster, a.namespace)
        ) {
          invalidDestinations++;
        }
      }
      const parts = [
        ...(invalidSources
          ? [`${invalidSources} applications source became invalid`]
          : []),
        ...(invalidDestinations
          ? [`${invalidDestinations} applications destination became invalid`]
          : []),
      ];
      if (parts.length)
        throw invalidArgument(
          `as a result of project update ${parts.join(' and ')}`,
        );
      res.json(this.putProject(req.params.name, spec ?? {}));
    });
    app.delete('/api/v1/projects/:name', (req, res) => {
      if (req.params.name === 'default')
        throw invalidArgument(
          "name 'default' is reserved and cannot be deleted",
        );
      this.project(req.params.name);
      const using = this.options.world
        .appsOn(this.options.name)
        .filter(a => a.project === req.params.name).length;
      if (using)
        throw invalidArgument(`project is referenced by ${using} applications`);
      this.projects.delete(req.params.name);
      res.json({});
    });
    app.use('/api', (_req, _res, next) =>
      next(new ArgoError(GrpcCode.NotFound, 'Not Found')),
    );
    app.use(
      (error: unknown, _req: Request, res: Response, _next: NextFunction) => {
        const e = error as { type?: string; message?: string };
        let argo = new ArgoError(GrpcCode.Unknown, String(e?.message ?? error));
        if (error instanceof ArgoError) argo = error;
        else if (e?.type === 'entity.parse.failed') {
          argo = invalidArgument(
            `invalid character in request body: ${e.message}`,
          );
        }
        res.status(argo.status).json(argo.body);
      },
    );
    return app;
  }

  private authenticate(req: Request, next: NextFunction) {
    const header = req.headers.authorization;
    const cookie = /(?:^|;\s*)argocd\.token=([^;]+)/.exec(
      req.headers.cookie ?? '',
    )?.[1];
    const token = header?.startsWith('Bearer ') ? header.slice(7) : cookie;
    if (!token) return next(unauthenticated());
    if (
      token === this.token ||
      (this.sessions.has(token) && verifyToken(this.secret, token))
    )
      return next();
    return next(unauthenticated('invalid session: token signature is invalid'));
  }

  /**
   * server/application.getAppEnforceRBAC: without a project, a missing app
   * is "permission denied" (a 404 would tell an outsider which apps exist);
   * with one, a missing app, or one in another project, is NotFound. Apps
   * live in the control-plane namespace only (no other is enabled).
   */
  private appFor(name: string, project: unknown, appNamespace: unknown): App {
    const p = typeof project === 'string' ? project : '';
    const ns =
      typeof appNamespace === 'string' && appNamespace
        ? appNamespace
        : CONTROL_PLANE_NAMESPACE;
    if (ns !== CONTROL_PLANE_NAMESPACE) throw permissionDenied();
    const a = this.options.world.app(this.options.name, name);
    if (!a)
      throw p ? notFound('applications.argoproj.io', name) : permissionDenied();
    if (p && a.project !== p) throw notFound('applications.argoproj.io', name);
    return a;
  }

  private project(name: string): Project {
    const p = this.projects.get(name);
    if (!p) throw notFound('appprojects.argoproj.io', name);
    return p;
  }

  /** argo.SetAppOperation: one operation at a time. */
  private ensureNoOperation(a: App) {
    if (this.options.world.current(a)?.result === 'in-progress') {
      throw failedPrecondition('another operation is already in progress');
    }
  }

  /**
   * server/application.Create: validate against the project, then create;
   * an existing app with an equal spec, labels, annotations and finalizers
   * is answered as it is, a different one needs `upsert=true`.
   */
  private create(body: any, upsert: boolean) {
    const name = validName('Application', body?.metadata?.name);
    const wanted: Manifest = {
      spec: normalizeSpec(body.spec ?? {}),
      labels: body.metadata.labels,
      annotations: body.metadata.annotations,
      finalizers: body.metadata.finalizers,
    };
    const spec = wanted.spec;
    const projectName = spec.project!;
    // getAppProject: a vague answer, so project names cannot be enumerated.
    const project = this.projects.get(projectName);
    const appNamespace = body.metadata.namespace || CONTROL_PLANE_NAMESPACE;
    const namespaceAllowed = appNamespace === CONTROL_PLANE_NAMESPACE;
    if (!project || !namespaceAllowed) {
      throw invalidArgument(
        `app is not allowed in project "${projectName}", or the project does not exist`,
      );
    }
    const validationError = (message: string) =>
      invalidArgument(`error while validating and normalizing app: ${message}`);
    const destination = spec.destination ?? {};
    let cluster: KnownCluster;
    try {
      cluster = this.destinationCluster(destination);
    } catch (error) {
      throw validationError(
        `application destination spec for ${name} is invalid: ${
          (error as Error).message
        }`,
      );
    }
    // util/argo.ValidatePermissions: sources first, then the destination.
    const conditions: string[] = [];
    const single: ApplicationSource[] = spec.source ? [spec.source] : [{}];
    const sources = spec.sources?.length ? spec.sources : single;
    const sourceProblem = sources.some(
      s => !s.repoURL || (!s.path && !s.chart),
    );
    if (sourceProblem) {
      conditions.push(
        'spec.source.repoURL and either spec.source.path or spec.source.chart are required',
      );
    } else {
      for (const s of sources) {
        if (!isSourcePermitted(project.spec, s.repoURL!)) {
          conditions.push(
            `application repo ${s.repoURL} is not permitted in project '${projectName}'`,
          );
        }
      }
      const namespace = destination.namespace ?? '';
      if (!isDestinationPermitted(project.spec, cluster, namespace)) {
        const server = destination.name ? cluster.name : cluster.server;
        conditions.push(
          `application destination server '${server}' and namespace '${namespace}' do not match any of the allowed destinations in project '${projectName}'`,
        );
      }
    }
    if (conditions.length) {
      throw validationError(
        `application spec for ${name} is invalid: ${conditions
          .map(c => `InvalidSpecError: ${c}`)
          .join(';')}`,
      );
    }

    const existing = this.options.world.app(this.options.name, name);
    if (existing) {
      const current = this.manifestOf(existing);
      const equal = ['spec', 'labels', 'annotations', 'finalizers'].every(k =>
        isDeepStrictEqual(
          pruneZero((current as any)[k]),
          pruneZero((wanted as any)[k]),
        ),
      );
      if (equal) return this.toApplication(existing);
      if (!upsert)
        throw invalidArgument(
          'existing application spec is different, use upsert flag to force update',
        );
      this.apply(existing, wanted, cluster);
      this.resourceVersion++;
      return this.toApplication(existing);
    }
    const source = sources[0];
    const created: App = {
      name,
      service: wanted.labels?.['backstage.io/kubernetes-id'] ?? name,
      system: projectName,
      environment: '',
      cluster: '',
      instance: this.options.name,
      namespace: '',
      project: projectName,
      repoURL: source.repoURL!,
      workload: 'Deployment',
      replicas: 1,
      createdAt: this.options.clock.now(),
      deploys: [],
    };
    this.apply(created, wanted, cluster);
    this.options.world.addApp(created);
    this.resourceVersion++;
    return this.toApplication(created);
  }

  /** Puts a (normalised) manifest on a world app; automated sync deploys at once. */
  private apply(a: App, manifest: Manifest, cluster: KnownCluster) {
    const source = manifest.spec.sources?.[0] ?? manifest.spec.source ?? {};
    const catalogCluster = this.options.world.catalog.clusters.find(
      c => c.name === cluster.name,
    );
    a.labels = manifest.labels ?? {};
    a.project = manifest.spec.project!;
    a.repoURL = source.repoURL ?? a.repoURL;
    a.path = source.path;
    a.targetRevision = source.targetRevision;
    a.cluster = cluster.name;
    a.namespace = manifest.spec.destination?.namespace ?? '';
    a.environment =
      a.labels['portolan.dev/environment'] ??
      catalogCluster?.environment ??
      cluster.name;
    a.syncPolicy = manifest.spec.syncPolicy;
    a.revisionHistoryLimit = manifest.spec.revisionHistoryLimit;
    this.manifests.set(a, manifest);
    this.generations.set(a, (this.generations.get(a) ?? 0) + 1);
    // Out of sync and automated: Argo CD syncs it straight away.
    const world = this.options.world;
    if (
      isAutomated(a.syncPolicy) &&
      !world.liveRevision(a) &&
      world.current(a)?.result !== 'in-progress'
    ) {
      world.startDeploy(a, this.options.clock.now());
    }
  }

  /** util/argo.GetDestinationCluster, over the clusters this instance knows. */
  private destinationCluster(destination: {
    server?: string;
    name?: string;
  }): KnownCluster {
    const known = this.knownClusters();
    if (destination.name && destination.server) {
      throw new Error(
        `application destination can't have both name and server defined: ${destination.name} ${destination.server}`,
      );
    }
    if (destination.server) {
      const server = destination.server.replace(/\/+$/, '');
      const cluster = known.find(c => c.server === server);
      if (!cluster) {
        throw new Error(
          `error getting cluster by server "${destination.server}": rpc error: code = NotFound desc = cluster "${server}" not found`,
        );
      }
      return cluster;
    }
    if (destination.name) {
      const cluster = known.find(c => c.name === destination.name);
      if (!cluster)
        throw new Error(
          `there are no clusters with this name: ${destination.name}`,
        );
      return cluster;
    }
    throw new Error('Destination server missing from app spec');
  }

  /** The clusters registered with this instance: its catalog clusters and in-cluster. */
  private knownClusters(): KnownCluster[] {
    return [
      ...this.options.world.catalog.clusters
        .filter(c => c.instance === this.options.name)
        .map(c => ({
          name: c.name,
          server: this.options.clusterUrl(c.name).replace(/\/+$/, ''),
        })),
      IN_CLUSTER,
    ];
  }

  /**
   * One project per system, as an organisation would set them up: its
   * repositories (by Git group) and the namespaces its apps use on each
   * cluster, nothing else.
   */
  private seededProjects(apps: App[]): Map<string, ProjectSpec> {
    const specs = new Map<
      string,
      {
        repos: Set<string>;
        destinations: Map<string, { server: string; namespace: string }>;
      }
    >();
    for (const a of apps) {
      const entry = specs.get(a.project) ?? {
        repos: new Set(),
        destinations: new Map(),
      };
      entry.repos.add(`${a.repoURL.slice(0, a.repoURL.lastIndexOf('/'))}/*`);
      const server = this.options.clusterUrl(a.cluster);
      entry.destinations.set(`${server} ${a.namespace}`, {
        server,
        namespace: a.namespace,
      });
      specs.set(a.project, entry);
    }
    return new Map(
      [...specs].map(([name, e]) => [
        name,
        {
          description: `Applications of the ${name} system`,
          sourceRepos: [...e.repos].sort(),
          destinations: [...e.destinations.values()],
          clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
        },
      ]),
    );
  }

  private putProject(
    name: string,
    spec: ProjectSpec,
    createdAt?: number,
  ): Project {
    const existing = this.projects.get(name);
    const project: Project = {
      metadata: {
        name,
        namespace: CONTROL_PLANE_NAMESPACE,
        uid: uuidFrom(`${this.options.name}/project/${name}`),
        resourceVersion: String(++this.resourceVersion),
        creationTimestamp:
          existing?.metadata.creationTimestamp ??
          iso(createdAt ?? this.options.clock.now()),
      },
      spec,
    };
    this.projects.set(name, project);
    return project;
  }

  private readonly jsonCache = new Map<App, { key: string; json: string }>();

  /** The app as list JSON, re-rendered only when its deploys or spec changed. */
  private applicationJson(a: App): string {
    const last = a.deploys[a.deploys.length - 1];
    const key = `${a.deploys.length}|${last?.result}|${last?.finishedAt}|${
      this.generations.get(a) ?? 0
    }`;
    const cached = this.jsonCache.get(a);
    if (cached?.key === key) return cached.json;
    const json = JSON.stringify(this.toApplication(a));
    this.jsonCache.set(a, { key, json });
    return json;
  }

  private labelsOf(a: App): Record<string, string> {
    return (
      a.labels ?? {
        'backstage.io/kubernetes-id': a.service,
        'portolan.dev/environment': a.environment,
      }
    );
  }

  /** What the app was created with; the world's own apps as they would have been. */
  private manifestOf(a: App): Manifest {
    const created = this.manifests.get(a);
    if (created) return created;
    return {
      spec: {
        project: a.project,
        source: this.source(a),
        destination: {
          server: this.options.clusterUrl(a.cluster),
          namespace: a.namespace,
        },
        ...(a.syncPolicy ? { syncPolicy: a.syncPolicy } : {}),
        ...(a.revisionHistoryLimit !== undefined
          ? { revisionHistoryLimit: a.revisionHistoryLimit }
          : {}),
      },
      labels: this.labelsOf(a),
    };
  }

  private history(a: App): Deploy[] {
    return this.options.world
      .history(a)
      .slice(-(a.revisionHistoryLimit ?? DEFAULT_REVISION_HISTORY_LIMIT));
  }

  /**
   * An Argo CD Application for a world app, at this moment. As in 3.x,
   * status.resources carries no health (resourceHealthSource: appTree)
   * unless asked for as Get fills it in from the resource tree.
   */
  toApplication(a: App, options: { resourceHealth?: boolean } = {}) {
    const world = this.options.world;
    const current = world.current(a);
    const live = world.liveRevision(a);
    const manifest = this.manifestOf(a);
    const history = this.history(a).map(d => ({
      id: d.id,
      revision: d.revision,
      deployedAt: iso(d.finishedAt!),
      deployStartedAt: iso(d.startedAt),
      source: this.source(a),
      initiatedBy: d.initiator
        ? { username: d.initiator }
        : { automated: true },
    }));
    const running = current?.result === 'in-progress';
    const failed = current?.result === 'failed';
    const workloadHealth = this.workloadHealth(a);
    const lastChange = Math.max(
      a.createdAt,
      ...a.deploys.slice(-1).map(d => d.finishedAt ?? d.startedAt),
    );
    const destination = manifest.spec.destination ?? {};
    const resources = this.managedResources(a).map(r => ({
      group: r.group,
      version: r.version,
      kind: r.kind,
      namespace: a.namespace,
      name: a.service,
      status:
        running || (failed && r.kind === a.workload) ? 'OutOfSync' : 'Synced',
      ...(options.resourceHealth
        ? {
            health:
              r.kind === a.workload ? workloadHealth : { status: 'Healthy' },
          }
        : {}),
    }));
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: a.name,
        namespace: CONTROL_PLANE_NAMESPACE,
        uid: uuidFrom(`${this.options.name}/${a.name}`),
        labels: this.labelsOf(a),
        ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
        ...(manifest.finalizers ? { finalizers: manifest.finalizers } : {}),
        resourceVersion: String(
          a.deploys.length + 1 + (this.generations.get(a) ?? 0),
        ),
        generation: 1 + (this.generations.get(a) ?? 0),
        creationTimestamp: iso(a.createdAt),
      },
      spec: structuredClone(manifest.spec),
      ...(running ? { operation: this.operation(a, current) } : {}),
      status: {
        sync: {
          status: running || failed || !live ? 'OutOfSync' : 'Synced',
          revision: live ?? current?.revision ?? '',
          comparedTo: {
            source: this.source(a),
            destination: structuredClone(destination),
          },
        },
        health: { status: workloadHealth.status },
        history,
        ...(current ? { operationState: this.operationState(a, current) } : {}),
        reconciledAt: iso(lastChange),
        resourceHealthSource: 'appTree',
        sourceType: 'Kustomize',
        summary: {
          images: live
            ? [`registry.portolan.example/${a.service}:${live.slice(0, 7)}`]
            : [],
        },
        resources,
      },
    };
  }

  private managedResources(a: App) {
    return [
      a.workload === 'Rollout'
        ? { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' }
        : { group: 'apps', version: 'v1', kind: 'Deployment' },
      { group: '', version: 'v1', kind: 'Service' },
    ];
  }

  /**
   * The workload's health as Argo CD assesses it (for a Rollout, its
   * status.phase/message per resource_customizations/argoproj.io/Rollout/
   * health.lua). A failed sync changed nothing: the workload keeps the
   * health of what runs.
   */
  private workloadHealth(a: App): Health {
    const effective = [...a.deploys].reverse().find(d => d.result !== 'failed');
    if (!effective) return { status: 'Missing' };
    if (effective.result === 'in-progress') return { status: 'Progressing' };
    if (effective.result === 'canary-aborted' && a.workload === 'Rollout') {
      const revision = a.deploys.filter(d => d.result !== 'failed').length;
      return {
        status: 'Degraded',
        message: `RolloutAborted: Rollout aborted update to revision ${revision}`,
      };
    }
    return { status: 'Healthy' };
  }

  private source(a: App) {
    const created = this.manifests.get(a)?.spec;
    const source = created?.sources?.[0] ?? created?.source;
    if (source) return structuredClone(source);
    return {
      repoURL: a.repoURL,
      path: a.path ?? `deploy/overlays/${a.environment}`,
      targetRevision: a.targetRevision ?? 'main',
    };
  }

  private operation(a: App, d: Deploy) {
    return {
      sync: {
        revision: d.revision,
        ...(d.result === 'rolled-back' ? { source: this.source(a) } : {}),
      },
      initiatedBy: d.initiator
        ? { username: d.initiator }
        : { automated: true },
    };
  }

  private operationState(a: App, d: Deploy) {
    const workload = `${
      a.workload === 'Rollout' ? 'argoproj.io/Rollout' : 'apps/Deployment'
    }/${a.service}`;
    let phase = 'Succeeded';
    let message = 'successfully synced (all tasks run)';
    if (d.result === 'in-progress') {
      phase = 'Running';
      message = `waiting for healthy state of ${workload}`;
    } else if (d.result === 'failed') {
      phase = 'Failed';
      message =
        'one or more objects failed to apply, reason: admission webhook denied the request';
    }
    return {
      operation: this.operation(a, d),
      phase,
      message,
      startedAt: iso(d.startedAt),
      ...(d.finishedAt ? { finishedAt: iso(d.finishedAt) } : {}),
      syncResult: { revision: d.revision, source: this.source(a) },
    };
  }

  /** GET resource-tree: where 3.x keeps each resource's health. */
  private resourceTree(a: App) {
    const rev = this.options.world.liveRevision(a) ?? '';
    const hash = rev.slice(0, 10);
    const [workload] = this.managedResources(a);
    const workloadRef = {
      group: workload.group,
      kind: workload.kind,
      namespace: a.namespace,
      name: a.service,
    };
    return {
      nodes: [
        {
          ...workloadRef,
          version: workload.version,
          uid: uuidFrom(`${a.name}/w`),
          health: this.workloadHealth(a),
        },
        ...(rev
          ? [
              {
                group: 'apps',
                version: 'v1',
                kind: 'ReplicaSet',
                namespace: a.namespace,
                name: `${a.service}-${hash}`,
                uid: uuidFrom(`${a.name}/rs/${hash}`),
                parentRefs: [workloadRef],
                health: { status: 'Healthy' },
              },
            ]
          : []),
        {
          group: '',
          version: 'v1',
          kind: 'Service',
          namespace: a.namespace,
          name: a.service,
          uid: uuidFrom(`${a.name}/svc`),
          health: { status: 'Healthy' },
        },
      ],
    };
  }
}

/** A resource name Kubernetes accepts (a DNS-1123 subdomain), or its Invalid error. */
function validName(kind: string, name: unknown): string {
  if (typeof name === 'string' && DNS_SUBDOMAIN.test(name)) return name;
  const shown = typeof name === 'string' ? name : '';
  throw invalidArgument(
    `${kind}.argoproj.io "${shown}" is invalid: metadata.name: Invalid value: "${shown}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
  );
}

/** What a request is, for the counters benchmarks read. */
function requestKind(method: string, p: string): string | undefined {
  if (p === '/_sandbox/requests') return undefined;
  if (p === '/api/v1/session') return 'session';
  if (p === '/api/v1/applications' && method === 'GET') return 'list';
  if (/\/revisions\/[^/]+\/metadata$/.test(p)) return 'metadata';
  if (/\/resource-tree$/.test(p)) return 'tree';
  if (/^\/api\/v1\/applications\/[^/]+$/.test(p) && method === 'GET')
    return 'get';
  return 'other';
}

/** Go's sort by string: byte order, not locale. */
function compareNames(x: string, y: string): number {
  if (x === y) return 0;
  return x < y ? -1 : 1;
}

function projectsOf(q: Record<string, unknown>): string[] {
  // getProjectsFromApplicationQuery: the legacy `project` wins over `projects`.
  const legacy = [q.project].flat().filter(Boolean) as string[];
  return legacy.length
    ? legacy
    : ([q.projects].flat().filter(Boolean) as string[]);
}

/** util/argo.NormalizeApplicationSpec: default project, no empty sync policy. */
function normalizeSpec(spec: ApplicationSpec): ApplicationSpec {
  const out: ApplicationSpec = structuredClone(spec);
  if (!out.project) out.project = 'default';
  if (
    out.syncPolicy &&
    Object.keys(pruneZero(out.syncPolicy) as object).length === 0
  )
    delete out.syncPolicy;
  return out;
}

/**
 * A value as Go sees it after decoding into Argo CD's types: zero scalars,
 * nulls and empty lists are absent. (Empty objects stay: `automated: {}` is
 * a non-nil pointer and means automated sync.)
 */
function pruneZero(value: unknown): unknown {
  if (Array.isArray(value))
    return value.length ? value.map(pruneZero) : undefined;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const pruned = pruneZero(v);
      if (pruned !== undefined) out[k] = pruned;
    }
    return out;
  }
  return value === null || value === '' || value === false || value === 0
    ? undefined
    : value;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function uuidFrom(seed: string): string {
  const h = crypto.createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(
    16,
    20,
  )}-${h.slice(20, 32)}`;
}

export function parseSelector(selector: string) {
  return selector
    .split(',')
    .map(t => t.trim())
    .filter(Boolean)
    .map(term => {
      const m = /^([^=!\s]+)\s*(==|!=|=)\s*(.*)$/.exec(term);
      if (!m) {
        const exists = /^(!?)([^=!\s]+)$/.exec(term);
        if (exists)
          return {
            key: exists[2],
            op: exists[1] ? '!exists' : 'exists',
            value: '',
          };
        throw new ArgoError(
          GrpcCode.Unknown,
          `error parsing the selector: unable to parse requirement: found '${term}'`,
        );
      }
      return { key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
    });
}

export function matches(
  labels: Record<string, string> | undefined,
  terms: ReturnType<typeof parseSelector>,
) {
  return terms.every(t => {
    const v = labels?.[t.key];
    if (t.op === '=') return v === t.value;
    if (t.op === '!=') return v !== t.value;
    if (t.op === 'exists') return v !== undefined;
    return v === undefined;
  });
}
