import express, { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import { App, Deploy, World } from '../world/World';
import { signToken, verifyToken } from './token';

export interface ArgoCdStandInOptions {
  name: string;
  world: World;
  clock: Clock;
  username: string;
  password: string;
  historyLimit: number;
  /** URL of the sandbox Kubernetes API server of a cluster. */
  clusterUrl: (cluster: string) => string;
}

/** Argo CD's error body: gRPC code plus message. */
class ArgoError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}
const notFound = (what: string, name: string) =>
  new ArgoError(404, 5, `${what} "${name}" not found`);
const unauthenticated = (message = 'no session information') => new ArgoError(401, 16, message);
const invalid = (message: string) => new ArgoError(400, 3, message);

interface Project {
  metadata: { name: string; namespace: string; resourceVersion: string; creationTimestamp: string };
  spec: Record<string, unknown>;
}

/**
 * The Argo CD REST API (v1) subset Portolan uses, over one World. Answers
 * are shaped by ../shared/specs/argocd/swagger.json and the Application CRD.
 */
export class ArgoCdStandIn {
  readonly token: string;
  private readonly secret = crypto.randomBytes(32).toString('hex');
  private readonly sessions = new Set<string>();
  private readonly projects = new Map<string, Project>();
  private resourceVersion = 1000;
  /** Requests served, by kind: benchmarks compare clients' upstream calls. */
  readonly requests: Record<string, number> = { session: 0, list: 0, get: 0, metadata: 0, other: 0 };

  constructor(private readonly options: ArgoCdStandInOptions) {
    this.token = signToken(this.secret, 'admin:apiKey', options.clock.now(), `${options.name}-static`);
    for (const app of options.world.appsOn(options.name)) {
      this.ensureProject(app.project);
    }
    this.ensureProject('default');
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use((req, _res, next) => {
      const p = req.path;
      const kind =
        p === '/api/v1/session' ? 'session'
          : p === '/api/v1/applications' && req.method === 'GET' ? 'list'
            : /\/revisions\/[^/]+\/metadata$/.test(p) ? 'metadata'
              : /^\/api\/v1\/applications\/[^/]+$/.test(p) && req.method === 'GET' ? 'get'
                : p === '/_sandbox/requests' ? undefined : 'other';
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
      if (username !== this.options.username || password !== this.options.password) {
        throw unauthenticated('Invalid username or password');
      }
      const token = signToken(this.secret, username, this.options.clock.now());
      this.sessions.add(token);
      res.json({ token });
    });
    app.use('/api', (req, _res, next) => this.authenticate(req, next));
    app.get('/api/version', (_req, res) => res.json({ Version: 'v3.1.0+sandbox' }));
    app.get('/api/v1/session/userinfo', (_req, res) => res.json({ loggedIn: true, username: 'admin', iss: 'argocd' }));

    app.get('/api/v1/applications', (req, res) => {
      const q = req.query as Record<string, string | string[] | undefined>;
      const projects = [q.projects, q.project].flat().filter(Boolean) as string[];
      const terms = q.selector ? parseSelector(String(q.selector)) : [];
      const items = this.options.world
        .appsOn(this.options.name)
        .filter(a => !q.name || a.name === q.name)
        .filter(a => projects.length === 0 || projects.includes(a.project))
        .filter(a => matches(this.labelsOf(a), terms))
        .sort((x, y) => x.name.localeCompare(y.name))
        .map(a => this.applicationJson(a));
      // Serialised apps are cached: a list is a concatenation, not a render.
      res
        .type('application/json')
        .send(`{"metadata":{"resourceVersion":"${this.resourceVersion}"},"items":[${items.join(',')}]}`);
    });
    app.post('/api/v1/applications', (req, res) => {
      const body = req.body as any;
      const name = body?.metadata?.name;
      if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        throw invalid('application name is invalid: must be a DNS label');
      }
      const dest = body?.spec?.destination ?? {};
      if (!body?.spec?.source?.repoURL) throw invalid('application spec for ' + name + ' is invalid: InvalidSpecError: spec.source.repoURL is required');
      const existing = this.options.world.app(this.options.name, name);
      const upsert = req.query.upsert === 'true';
      if (existing && !upsert) {
        throw invalid(`existing application spec is different, use upsert flag to force update`);
      }
      const project = String(body.spec.project ?? 'default');
      if (!this.projects.has(project)) {
        throw invalid(`application references project ${project} which does not exist`);
      }
      if (existing) this.options.world.removeApp(this.options.name, name);
      const labels = body.metadata.labels ?? {};
      const cluster = this.clusterOf(dest.server, dest.name);
      const created: App = {
        name,
        service: labels['backstage.io/kubernetes-id'] ?? name,
        system: project,
        environment: labels['portolan.dev/environment'] ?? cluster ?? 'dev',
        cluster: cluster ?? String(dest.name ?? dest.server ?? ''),
        instance: this.options.name,
        namespace: String(dest.namespace ?? 'default'),
        project,
        repoURL: String(body.spec.source.repoURL),
        workload: 'Deployment',
        replicas: 1,
        createdAt: this.options.clock.now(),
        deploys: [],
        labels,
        path: body.spec.source.path,
      } as App;
      this.options.world.addApp(created);
      // Automated sync deploys the app straight away, as Argo CD would.
      if (body.spec.syncPolicy?.automated) {
        this.options.world.startDeploy(created, this.options.clock.now());
      }
      this.resourceVersion++;
      res.json(this.toApplication(created));
    });
    app.get('/api/v1/applications/:name', (req, res) => {
      res.json(this.toApplication(this.app(req.params.name)));
    });
    app.delete('/api/v1/applications/:name', (req, res) => {
      if (!this.options.world.removeApp(this.options.name, req.params.name)) {
        throw notFound('applications.argoproj.io', req.params.name);
      }
      this.resourceVersion++;
      res.json({});
    });
    app.get('/api/v1/applications/:name/resource-tree', (req, res) => {
      res.json(this.resourceTree(this.app(req.params.name)));
    });
    app.get('/api/v1/applications/:name/revisions/:revision/metadata', (req, res) => {
      const a = this.app(req.params.name);
      const d = a.deploys.find(x => x.revision === req.params.revision);
      if (!d) throw notFound('revision', req.params.revision);
      res.json({
        author: `${d.author.name} <${d.author.email}>`,
        date: iso(d.committedAt),
        message: d.message,
        tags: [],
      });
    });
    app.post('/api/v1/applications/:name/sync', (req, res) => {
      const a = this.app(req.params.name);
      if (this.options.world.current(a)?.result === 'in-progress') {
        throw new ArgoError(400, 9, 'another operation is already in progress');
      }
      const revision = typeof req.body?.revision === 'string' && /^[0-9a-f]{40}$/.test(req.body.revision) ? req.body.revision : undefined;
      this.options.world.startDeploy(a, this.options.clock.now(), 'admin', revision);
      this.resourceVersion++;
      res.json(this.toApplication(a));
    });
    app.post('/api/v1/applications/:name/rollback', (req, res) => {
      const a = this.app(req.params.name);
      const id = Number(req.body?.id);
      const target = a.deploys.find(d => d.id === id && d.result !== 'failed');
      if (!Number.isInteger(id) || !target) throw invalid(`application ${a.name} does not have deployment with id ${req.body?.id}`);
      const d = this.options.world.startDeploy(a, this.options.clock.now(), 'admin', target.revision);
      d.message = `Rollback to ${target.revision.slice(0, 7)}`;
      this.options.world.finishDeploy(d, 'rolled-back', this.options.clock.now());
      this.resourceVersion++;
      res.json(this.toApplication(a));
    });
    app.delete('/api/v1/applications/:name/operation', (req, res) => {
      const a = this.app(req.params.name);
      const current = this.options.world.current(a);
      if (current?.result !== 'in-progress') throw invalid('Unable to terminate operation. No operation is in progress');
      this.options.world.finishDeploy(current, 'failed', this.options.clock.now());
      this.resourceVersion++;
      res.json({});
    });

    app.get('/api/v1/projects', (_req, res) => {
      res.json({ metadata: {}, items: [...this.projects.values()] });
    });
    app.post('/api/v1/projects', (req, res) => {
      const name = req.body?.project?.metadata?.name;
      if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
        throw invalid('project name is invalid');
      }
      if (this.projects.has(name) && !req.body.upsert) {
        throw new ArgoError(409, 6, `existing project spec is different, use upsert flag to force update`);
      }
      res.json(this.ensureProject(name, req.body.project.spec ?? {}));
    });
    app.get('/api/v1/projects/:name', (req, res) => {
      const p = this.projects.get(req.params.name);
      if (!p) throw notFound('appprojects.argoproj.io', req.params.name);
      res.json(p);
    });
    app.put('/api/v1/projects/:name', (req, res) => {
      if (!this.projects.has(req.params.name)) throw notFound('appprojects.argoproj.io', req.params.name);
      res.json(this.ensureProject(req.params.name, req.body?.project?.spec ?? {}));
    });
    app.delete('/api/v1/projects/:name', (req, res) => {
      if (!this.projects.delete(req.params.name)) throw notFound('appprojects.argoproj.io', req.params.name);
      res.json({});
    });
    app.use('/api', (_req, _res, next) => next(new ArgoError(404, 5, 'Not Found')));
    app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
      if (error?.type === 'entity.parse.failed') {
        error = invalid(`invalid character in request body: ${error.message}`);
      }
      const e = error instanceof ArgoError ? error : new ArgoError(500, 13, String(error?.message ?? error));
      res.status(e.status).json({ error: e.message, code: e.code, message: e.message });
    });
    return app;
  }

  private authenticate(req: Request, next: NextFunction) {
    const header = req.headers.authorization;
    const cookie = /(?:^|;\s*)argocd\.token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const token = header?.startsWith('Bearer ') ? header.slice(7) : cookie;
    if (!token) return next(unauthenticated());
    if (token === this.token || (this.sessions.has(token) && verifyToken(this.secret, token))) return next();
    return next(unauthenticated('invalid session: token signature is invalid'));
  }

  private app(name: string): App {
    const a = this.options.world.app(this.options.name, name);
    if (!a) throw notFound('applications.argoproj.io', name);
    return a;
  }

  private ensureProject(name: string, spec: Record<string, unknown> = {}): Project {
    const project: Project = {
      metadata: {
        name,
        namespace: 'argocd',
        resourceVersion: String(++this.resourceVersion),
        creationTimestamp: iso(this.options.clock.now() - 90 * 86_400_000),
      },
      spec: {
        sourceRepos: ['*'],
        destinations: [{ server: '*', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        ...spec,
      },
    };
    this.projects.set(name, project);
    return project;
  }

  private clusterOf(server?: string, name?: string): string | undefined {
    if (name) return name;
    return this.options.world.catalog.clusters.find(c => this.options.clusterUrl(c.name) === server)?.name;
  }

  private readonly jsonCache = new Map<App, { key: string; json: string }>();

  /** The app as JSON, re-rendered only when its deploys changed. */
  private applicationJson(a: App): string {
    const last = a.deploys[a.deploys.length - 1];
    const key = `${a.deploys.length}|${last?.result}|${last?.finishedAt}`;
    const cached = this.jsonCache.get(a);
    if (cached?.key === key) return cached.json;
    const json = JSON.stringify(this.toApplication(a));
    this.jsonCache.set(a, { key, json });
    return json;
  }

  private labelsOf(a: App): Record<string, string> {
    return (a as any).labels ?? {
      'backstage.io/kubernetes-id': a.service,
      'portolan.dev/environment': a.environment,
    };
  }

  /** An Argo CD Application for a world app, at this moment. */
  toApplication(a: App) {
    const world = this.options.world;
    const current = world.current(a);
    const live = world.liveRevision(a);
    const effective = a.deploys.filter(d => d.result !== 'failed' && d.result !== 'in-progress');
    const history = effective.slice(-this.options.historyLimit).map(d => ({
      id: d.id,
      revision: d.revision,
      deployedAt: iso(d.finishedAt!),
      deployStartedAt: iso(d.startedAt),
      source: this.source(a),
      initiatedBy: d.initiator ? { username: d.initiator } : { automated: true },
    }));
    const running = current?.result === 'in-progress';
    const failed = current?.result === 'failed';
    const aborted = current?.result === 'canary-aborted';
    const health = running ? 'Progressing' : failed || aborted ? 'Degraded' : a.deploys.length ? 'Healthy' : 'Missing';
    const labels = this.labelsOf(a);
    const lastChange = Math.max(a.createdAt, ...a.deploys.slice(-1).map(d => d.finishedAt ?? d.startedAt));
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: a.name,
        namespace: 'argocd',
        uid: uuidFrom(`${this.options.name}/${a.name}`),
        labels,
        resourceVersion: String(a.deploys.length + 1),
        creationTimestamp: iso(a.createdAt),
      },
      spec: {
        project: a.project,
        source: this.source(a),
        destination: { server: this.options.clusterUrl(a.cluster), namespace: a.namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true } },
        revisionHistoryLimit: this.options.historyLimit,
      },
      status: {
        sync: {
          status: running || failed || !live ? 'OutOfSync' : 'Synced',
          revision: live ?? current?.revision ?? '',
          comparedTo: { source: this.source(a), destination: { server: this.options.clusterUrl(a.cluster), namespace: a.namespace } },
        },
        health: { status: health },
        history,
        ...(current ? { operationState: this.operationState(a, current) } : {}),
        reconciledAt: iso(lastChange),
        sourceType: 'Kustomize',
        summary: { images: live ? [`registry.portolan.example/${a.service}:${live.slice(0, 7)}`] : [] },
        resources: [
          { group: a.workload === 'Rollout' ? 'argoproj.io' : 'apps', version: a.workload === 'Rollout' ? 'v1alpha1' : 'v1', kind: a.workload, namespace: a.namespace, name: a.service, status: running ? 'OutOfSync' : 'Synced', health: { status: health, ...(aborted && a.workload === 'Rollout' ? { message: 'RolloutAborted: Rollout aborted update to revision ' + (a.deploys.length) } : {}) } },
          { group: '', version: 'v1', kind: 'Service', namespace: a.namespace, name: a.service, status: 'Synced', health: { status: 'Healthy' } },
        ],
      },
    };
  }

  private source(a: App) {
    return { repoURL: a.repoURL, path: (a as any).path ?? `deploy/overlays/${a.environment}`, targetRevision: 'main' };
  }

  private operationState(a: App, d: Deploy) {
    const phase =
      d.result === 'in-progress' ? 'Running' : d.result === 'failed' ? 'Failed' : 'Succeeded';
    const message =
      d.result === 'in-progress'
        ? 'waiting for healthy state of ' + `${a.workload === 'Rollout' ? 'argoproj.io/Rollout' : 'apps/Deployment'}/${a.service}`
        : d.result === 'failed'
          ? 'one or more objects failed to apply, reason: admission webhook denied the request'
          : d.result === 'rolled-back'
            ? `successfully synced (rollback to ${d.revision.slice(0, 7)})`
            : 'successfully synced (all tasks run)';
    return {
      operation: {
        sync: { revision: d.revision },
        initiatedBy: d.initiator ? { username: d.initiator } : { automated: true },
        ...(d.result === 'rolled-back' ? { info: [{ name: 'Reason', value: 'Rollback' }] } : {}),
      },
      phase,
      message,
      startedAt: iso(d.startedAt),
      ...(d.finishedAt ? { finishedAt: iso(d.finishedAt) } : {}),
      syncResult: { revision: d.revision, source: this.source(a) },
    };
  }

  private resourceTree(a: App) {
    const rev = this.options.world.liveRevision(a) ?? '';
    const hash = rev.slice(0, 10);
    return {
      nodes: [
        { group: a.workload === 'Rollout' ? 'argoproj.io' : 'apps', version: a.workload === 'Rollout' ? 'v1alpha1' : 'v1', kind: a.workload, namespace: a.namespace, name: a.service, uid: uuidFrom(`${a.name}/w`), health: { status: 'Healthy' } },
        { group: 'apps', version: 'v1', kind: 'ReplicaSet', namespace: a.namespace, name: `${a.service}-${hash}`, uid: uuidFrom(`${a.name}/rs/${hash}`), parentRefs: [{ group: a.workload === 'Rollout' ? 'argoproj.io' : 'apps', kind: a.workload, namespace: a.namespace, name: a.service }], health: { status: 'Healthy' } },
        { group: '', version: 'v1', kind: 'Service', namespace: a.namespace, name: a.service, uid: uuidFrom(`${a.name}/svc`), health: { status: 'Healthy' } },
      ],
    };
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function uuidFrom(seed: string): string {
  const h = crypto.createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
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
        if (exists) return { key: exists[2], op: exists[1] ? '!exists' : 'exists', value: '' };
        throw invalid(`unable to parse requirement: found '${term}'`);
      }
      return { key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
    });
}

export function matches(labels: Record<string, string> | undefined, terms: ReturnType<typeof parseSelector>) {
  return terms.every(t => {
    const v = labels?.[t.key];
    if (t.op === '=') return v === t.value;
    if (t.op === '!=') return v !== t.value;
    if (t.op === 'exists') return v !== undefined;
    return v === undefined;
  });
}
