import express, { NextFunction, Request, Response } from 'express';
import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import { App, World } from '../world/World';

type Obj = Record<string, any> & {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; resourceVersion?: string; [k: string]: any };
};

interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  status: boolean;
}

const TYPES: ResourceType[] = [
  { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, status: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, status: true },
  { group: '', version: 'v1', plural: 'services', kind: 'Service', namespaced: true, status: false },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false },
  { group: '', version: 'v1', plural: 'limitranges', kind: 'LimitRange', namespaced: true, status: false },
  { group: '', version: 'v1', plural: 'resourcequotas', kind: 'ResourceQuota', namespaced: true, status: false },
  { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, status: true },
  { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true, status: true },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true, status: true },
  { group: 'apps', version: 'v1', plural: 'daemonsets', kind: 'DaemonSet', namespaced: true, status: true },
  { group: 'batch', version: 'v1', plural: 'jobs', kind: 'Job', namespaced: true, status: true },
  { group: 'batch', version: 'v1', plural: 'cronjobs', kind: 'CronJob', namespaced: true, status: true },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress', namespaced: true, status: true },
  { group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', namespaced: true, status: true },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'rollouts', kind: 'Rollout', namespaced: true, status: true },
  { group: 'argoproj.io', version: 'v1alpha1', plural: 'analysisruns', kind: 'AnalysisRun', namespaced: true, status: true },
];

class StatusError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string, readonly details?: object) {
    super(message);
  }
}

const CANARY_STEPS = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { pause: { duration: '60s' } },
  { analysis: { templates: [{ templateName: 'success-rate' }] } },
  { setWeight: 100 },
];

/**
 * A Kubernetes API server subset for one cluster: discovery, list/get with
 * label and field selectors, create, JSON merge patch with resourceVersion
 * conflicts, Status errors, and a small Argo Rollouts controller.
 */
export class KubernetesStandIn {
  private readonly store = new Map<string, Map<string, Obj>>();
  private resourceVersion = 1;

  constructor(
    readonly cluster: string,
    readonly token: string,
    private readonly world: World,
    private readonly clock: Clock,
  ) {
    for (const t of TYPES) this.store.set(t.plural, new Map());
    this.seed();
  }

  router(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.use(express.json({ type: ['application/json', 'application/merge-patch+json'], limit: '2mb' }));
    app.use((req, _res, next) => {
      const auth = req.headers.authorization;
      if (auth !== `Bearer ${this.token}`) {
        return next(new StatusError(401, 'Unauthorized', 'Unauthorized'));
      }
      return next();
    });
    app.get('/version', (_req, res) =>
      res.json({ major: '1', minor: '31', gitVersion: 'v1.31.0-sandbox', platform: 'linux/amd64' }),
    );
    app.get('/api', (_req, res) => res.json({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] }));
    app.get('/apis', (_req, res) => {
      const groups = [...new Set(TYPES.filter(t => t.group).map(t => `${t.group}/${t.version}`))].map(gv => {
        const [group, version] = gv.split('/');
        return { name: group, versions: [{ groupVersion: gv, version }], preferredVersion: { groupVersion: gv, version } };
      });
      res.json({ kind: 'APIGroupList', apiVersion: 'v1', groups });
    });
    const resourceList = (group: string, version: string) => ({
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources: TYPES.filter(t => t.group === group && t.version === version).flatMap(t => [
        { name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: ['create', 'get', 'list', 'patch'] },
        ...(t.status ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch'] }] : []),
      ]),
    });
    app.get('/api/v1', (_req, res) => res.json(resourceList('', 'v1')));
    app.get('/apis/:group/:version', (req, res) => {
      const list = resourceList(req.params.group, req.params.version);
      if (!list.resources.length) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      res.json(list);
    });
    app.get('/api/v1/namespaces/:ns/pods/:name/log', (req, res) => {
      const pod = this.get('pods', req.params.ns, req.params.name);
      res.type('text/plain').send(this.podLog(pod));
    });

    // /api/v1/... and /apis/g/v/...: [namespaces/:ns/]plural[/name[/status]]
    const handler = (req: Request, res: Response) => {
      const { group, version, rest } = this.splitPath(req.path);
      const parts = rest.split('/').filter(Boolean);
      let ns: string | undefined;
      if (parts[0] === 'namespaces' && parts.length >= 3) {
        ns = parts[1];
        parts.splice(0, 2);
      }
      const [plural, name, sub] = parts;
      const type = TYPES.find(t => t.group === group && t.version === version && t.plural === plural);
      if (!type || (sub && sub !== 'status') || parts.length > 3) {
        throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      }
      if (req.method === 'GET' && !name) return res.json(this.list(type, ns, req.query as Record<string, string>));
      if (req.method === 'GET') return res.json(this.get(type.plural, ns, name, type));
      if (req.method === 'POST' && !name) return res.status(201).json(this.create(type, ns, req.body));
      if (req.method === 'PATCH' && name) {
        const ct = String(req.headers['content-type'] ?? '');
        if (!ct.startsWith('application/merge-patch+json') && !ct.startsWith('application/json')) {
          throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json`);
        }
        return res.json(this.patch(type, ns, name, req.body, sub === 'status'));
      }
      throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    };
    app.all(/^\/api\/v1\/.+/, handler);
    app.all(/^\/apis\/[^/]+\/[^/]+\/.+/, handler);
    app.use((_req, _res, next) => next(new StatusError(404, 'NotFound', 'the server could not find the requested resource')));
    app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
      if (error?.type === 'entity.parse.failed') {
        error = new StatusError(400, 'BadRequest', `the body of the request was invalid: ${error.message}`);
      }
      const e = error instanceof StatusError ? error : new StatusError(500, 'InternalError', String(error?.message ?? error));
      res.status(e.code).json({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: e.message,
        reason: e.reason,
        ...(e.details ? { details: e.details } : {}),
        code: e.code,
      });
    });
    return app;
  }

  private splitPath(path: string) {
    if (path.startsWith('/api/v1/')) return { group: '', version: 'v1', rest: path.slice('/api/v1/'.length) };
    const m = /^\/apis\/([^/]+)\/([^/]+)\/(.*)$/.exec(path)!;
    return { group: m[1], version: m[2], rest: m[3] };
  }

  private key(ns: string | undefined, name: string) {
    return `${ns ?? ''}/${name}`;
  }

  private typeOf(plural: string): ResourceType {
    return TYPES.find(t => t.plural === plural)!;
  }

  list(type: ResourceType, ns: string | undefined, query: Record<string, string>) {
    const labelTerms = query.labelSelector ? parseLabelSelector(query.labelSelector) : [];
    const fieldTerms = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : [];
    const items = [...this.store.get(type.plural)!.values()].filter(
      o =>
        (!ns || o.metadata.namespace === ns) &&
        labelTerms.every(t => t(o.metadata.labels ?? {})) &&
        fieldTerms.every(t => t(o)),
    );
    return {
      kind: `${type.kind}List`,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      metadata: { resourceVersion: String(this.resourceVersion) },
      items,
    };
  }

  get(plural: string, ns: string | undefined, name: string, type = this.typeOf(plural)): Obj {
    const obj = this.store.get(plural)!.get(this.key(type.namespaced ? ns : undefined, name));
    if (!obj) {
      const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
      throw new StatusError(404, 'NotFound', `${resource} "${name}" not found`, { name, group: type.group, kind: type.plural });
    }
    return obj;
  }

  private create(type: ResourceType, ns: string | undefined, body: any): Obj {
    const name = body?.metadata?.name;
    if (typeof name !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253) {
      throw new StatusError(422, 'Invalid', `${type.kind} "${name ?? ''}" is invalid: metadata.name: Invalid value: "${name ?? ''}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`);
    }
    const k = this.key(type.namespaced ? ns : undefined, name);
    if (this.store.get(type.plural)!.has(k)) {
      throw new StatusError(409, 'AlreadyExists', `${type.plural} "${name}" already exists`);
    }
    return this.put(type.plural, {
      ...body,
      apiVersion: type.group ? `${type.group}/${type.version}` : type.version,
      kind: type.kind,
      metadata: { ...body.metadata, namespace: type.namespaced ? ns : undefined },
    });
  }

  private patch(type: ResourceType, ns: string | undefined, name: string, body: any, status: boolean): Obj {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new StatusError(400, 'BadRequest', 'the body of the request was invalid: a JSON merge patch must be an object');
    }
    const current = this.get(type.plural, ns, name, type);
    const rv = body.metadata?.resourceVersion;
    if (rv !== undefined && rv !== current.metadata.resourceVersion) {
      const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
      throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: type.group, kind: type.plural });
    }
    // The status subresource only changes status; the main resource ignores it.
    const patchBody = status ? { status: body.status } : { ...body, status: undefined };
    if (!status) delete patchBody.status;
    const merged = mergePatch(structuredClone(current), patchBody) as Obj;
    merged.metadata.name = current.metadata.name;
    merged.metadata.namespace = current.metadata.namespace;
    const saved = this.put(type.plural, merged);
    if (type.plural === 'rollouts') this.reconcileRollout(saved);
    return this.get(type.plural, ns, name, type);
  }

  private put(plural: string, obj: Obj): Obj {
    const type = this.typeOf(plural);
    obj.metadata.resourceVersion = String(++this.resourceVersion);
    obj.metadata.uid ??= crypto.randomUUID();
    obj.metadata.creationTimestamp ??= iso(this.clock.now());
    obj.metadata.generation = (obj.metadata.generation ?? 0) + 1;
    this.store.get(plural)!.set(this.key(type.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name), obj);
    return obj;
  }

  // ---- seeding from the world ----

  private seed() {
    const apps = this.world.apps.filter(a => a.cluster === this.cluster);
    for (const ns of new Set(apps.map(a => a.namespace))) {
      this.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns }, status: { phase: 'Active' } });
    }
    for (const app of apps) this.seedApp(app);
  }

  private labels(app: App, hash?: string) {
    return {
      'backstage.io/kubernetes-id': app.service,
      'app.kubernetes.io/name': app.service,
      'portolan.dev/environment': app.environment,
      ...(hash ? { 'rollouts-pod-template-hash': hash, 'pod-template-hash': hash } : {}),
    };
  }

  private podTemplate(app: App, revision: string) {
    return {
      metadata: { labels: { 'app.kubernetes.io/name': app.service } },
      spec: {
        containers: [
          {
            name: app.service,
            image: `registry.portolan.example/${app.service}:${revision.slice(0, 7)}`,
            ports: [{ containerPort: 8080, name: 'http' }],
            resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          },
        ],
      },
    };
  }

  private readonly seeded = new Set<string>();

  private seedApp(app: App) {
    this.seeded.add(`${app.namespace}/${app.service}`);
    const live = this.world.liveRevision(app) ?? crypto.createHash('sha1').update(app.name).digest('hex');
    const hash = live.slice(0, 10);
    const workload: Obj = {
      apiVersion: app.workload === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1',
      kind: app.workload,
      metadata: { name: app.service, namespace: app.namespace, labels: this.labels(app), annotations: { 'portolan.dev/revision': live } },
      spec: {
        replicas: app.replicas,
        selector: { matchLabels: { 'app.kubernetes.io/name': app.service } },
        template: this.podTemplate(app, live),
        ...(app.workload === 'Rollout'
          ? { strategy: { canary: { steps: CANARY_STEPS, canaryService: `${app.service}-canary`, stableService: app.service } } }
          : { strategy: { type: 'RollingUpdate' } }),
      },
      status: {},
    };
    const saved = this.put(app.workload === 'Rollout' ? 'rollouts' : 'deployments', workload);
    this.put('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: app.service, namespace: app.namespace, labels: this.labels(app) },
      spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/name': app.service }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: `10.96.${this.resourceVersion % 250}.${(this.resourceVersion * 7) % 250}` },
    });
    this.writeReplicaSet(app, saved, live, app.replicas);
    if (app.workload === 'Rollout') {
      saved.status = {
        phase: 'Healthy',
        currentPodHash: hash,
        stableRS: hash,
        currentStepIndex: CANARY_STEPS.length,
        replicas: app.replicas,
        updatedReplicas: app.replicas,
        readyReplicas: app.replicas,
        availableReplicas: app.replicas,
        observedGeneration: String(saved.metadata.generation),
        canary: {},
        conditions: [{ type: 'Healthy', status: 'True', reason: 'RolloutHealthy', message: 'Rollout is healthy', lastTransitionTime: iso(this.clock.now()), lastUpdateTime: iso(this.clock.now()) }],
      };
    } else {
      saved.status = { replicas: app.replicas, readyReplicas: app.replicas, availableReplicas: app.replicas, updatedReplicas: app.replicas, observedGeneration: saved.metadata.generation };
    }
  }

  private writeReplicaSet(app: App, owner: Obj, revision: string, replicas: number) {
    const hash = revision.slice(0, 10);
    const rsName = `${app.service}-${hash}`;
    this.put('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: app.namespace,
        labels: this.labels(app, hash),
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller: true }],
      },
      spec: { replicas, selector: { matchLabels: { 'app.kubernetes.io/name': app.service, 'pod-template-hash': hash } }, template: this.podTemplate(app, revision) },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
    });
    this.removePods(rsName);
    for (let i = 0; i < replicas; i++) {
      const suffix = crypto.createHash('sha1').update(`${rsName}/${i}`).digest('hex').slice(0, 5);
      this.put('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${rsName}-${suffix}`,
          namespace: app.namespace,
          labels: this.labels(app, hash),
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, controller: true }],
        },
        spec: { ...this.podTemplate(app, revision).spec, nodeName: `${this.cluster}-node-${(i % 3) + 1}` },
        status: {
          phase: 'Running',
          podIP: `10.244.${i}.${(this.resourceVersion % 200) + 2}`,
          startTime: iso(this.clock.now() - 3_600_000),
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: [{ name: app.service, ready: true, restartCount: 0, image: `registry.portolan.example/${app.service}:${revision.slice(0, 7)}`, state: { running: { startedAt: iso(this.clock.now() - 3_600_000) } } }],
        },
      });
    }
  }

  private podLog(pod: Obj): string {
    const lines: string[] = [];
    for (let i = 0; i < 20; i++) {
      const t = iso(this.clock.now() - (20 - i) * 15_000);
      lines.push(`${t} INFO ${pod.metadata.labels?.['app.kubernetes.io/name']} handled GET /healthz/ready 200 in ${3 + (i % 7)}ms`);
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * The Rollouts controller's reaction to a patch: abort, retry, promote,
   * pause/resume as kubectl-argo-rollouts sends them (specs/README.md).
   */
  private reconcileRollout(rollout: Obj) {
    this.advance(rollout, this.clock.now());
    rollout.metadata.resourceVersion = String(++this.resourceVersion);
  }

  /**
   * Follows the world: a new deploy of a prod app starts a canary on its
   * Rollout; then every rollout moves through its steps on the clock.
   */
  sync(now: number): void {
    // Apps created since start (templates): their namespace and workloads.
    for (const app of this.world.apps) {
      if (app.cluster !== this.cluster || this.seeded.has(`${app.namespace}/${app.service}`)) continue;
      if (!this.store.get('namespaces')!.has(this.key(undefined, app.namespace))) {
        this.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace }, status: { phase: 'Active' } });
      }
      this.seedApp(app);
    }
    for (const app of this.world.apps) {
      if (app.cluster !== this.cluster || app.workload !== 'Rollout') continue;
      const rollout = this.store.get('rollouts')!.get(this.key(app.namespace, app.service));
      if (!rollout) continue;
      const deploy = this.world.current(app);
      const hash = deploy?.revision.slice(0, 10);
      if (deploy?.result === 'in-progress' && hash && rollout.status?.currentPodHash !== hash) {
        rollout.spec.template = this.podTemplate(app, deploy.revision);
        rollout.metadata.annotations = { ...rollout.metadata.annotations, 'portolan.dev/revision': deploy.revision };
        rollout.status = {
          ...rollout.status,
          currentPodHash: hash,
          currentStepIndex: 0,
          abort: undefined,
          abortedAt: undefined,
          pauseConditions: null,
          controllerPause: undefined,
          phase: 'Progressing',
          message: 'more replicas need to be updated',
          canary: { weights: { canary: { weight: 0, podTemplateHash: hash }, stable: { weight: 100, podTemplateHash: rollout.status?.stableRS } } },
        };
        this.writeReplicaSet(app, rollout, deploy.revision, 1);
        rollout.metadata.resourceVersion = String(++this.resourceVersion);
      }
      const before = JSON.stringify(rollout.status);
      this.advance(rollout, now);
      if (JSON.stringify(rollout.status) !== before) {
        rollout.metadata.resourceVersion = String(++this.resourceVersion);
      }
    }
  }

  private advance(rollout: Obj, now: number) {
    const s = rollout.status ?? (rollout.status = {});
    const steps: any[] = rollout.spec?.strategy?.canary?.steps ?? [];
    const app = this.world.apps.find(
      a => a.cluster === this.cluster && a.service === rollout.metadata.name && a.namespace === rollout.metadata.namespace,
    );
    const deploy = app ? this.world.current(app) : undefined;
    const inFlight = s.currentPodHash && s.currentPodHash !== s.stableRS;
    if (s.abort) {
      s.phase = 'Degraded';
      s.message = 'RolloutAborted: Rollout aborted update to revision';
      s.abortedAt ??= iso(now);
      s.pauseConditions = null;
      s.controllerPause = undefined;
      // As the controller does: a retry starts the steps again.
      s.currentStepIndex = 0;
      if (s.canary?.weights) s.canary.weights = { canary: { ...s.canary.weights.canary, weight: 0 }, stable: { ...s.canary.weights.stable, weight: 100 } };
      if (deploy?.result === 'in-progress') this.world.finishDeploy(deploy, 'canary-aborted', now);
      return;
    }
    s.abortedAt = undefined;
    if (!inFlight) {
      s.currentStepIndex = steps.length;
      s.phase = 'Healthy';
      s.message = undefined;
      return;
    }
    if (rollout.spec?.paused) {
      s.phase = 'Paused';
      s.message = 'manually paused';
      return;
    }
    if (s.promoteFull) s.currentStepIndex = steps.length;
    for (let guard = 0; guard < 50; guard++) {
      const index = s.currentStepIndex ?? 0;
      if (index >= steps.length) {
        this.completeRollout(rollout, app, now);
        if (deploy?.result === 'in-progress') this.world.finishDeploy(deploy, 'succeeded', now);
        return;
      }
      const step = steps[index];
      if (step.setWeight !== undefined) {
        s.canary = {
          ...s.canary,
          weights: { canary: { weight: step.setWeight, podTemplateHash: s.currentPodHash }, stable: { weight: 100 - step.setWeight, podTemplateHash: s.stableRS } },
        };
        s.currentStepIndex = index + 1;
        s.controllerPause = undefined;
        continue;
      }
      if (step.pause) {
        const started = s.pauseConditions?.[0]?.startTime;
        if (!started && s.controllerPause) {
          // The controller paused here and someone cleared the pause
          // conditions (promote): the pause step is complete.
          s.controllerPause = undefined;
          s.currentStepIndex = index + 1;
          continue;
        }
        if (!started) {
          s.pauseConditions = [{ reason: 'CanaryPauseStep', startTime: iso(now) }];
          s.controllerPause = true;
          s.phase = 'Paused';
          s.message = 'CanaryPauseStep';
          return;
        }
        const duration = parseDuration(step.pause.duration);
        if (duration !== undefined && now - Date.parse(started) >= duration) {
          s.pauseConditions = null;
          s.controllerPause = undefined;
          s.currentStepIndex = index + 1;
          continue;
        }
        s.phase = 'Paused';
        return;
      }
      if (step.analysis) {
        const name = `${rollout.metadata.name}-${s.currentPodHash}-${index}`;
        const runs = this.store.get('analysisruns')!;
        let run = runs.get(this.key(rollout.metadata.namespace, name));
        if (!run) {
          run = this.put('analysisruns', {
            apiVersion: 'argoproj.io/v1alpha1',
            kind: 'AnalysisRun',
            metadata: {
              name,
              namespace: rollout.metadata.namespace,
              labels: { ...rollout.metadata.labels, 'rollouts-pod-template-hash': s.currentPodHash },
              ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: rollout.metadata.name, uid: rollout.metadata.uid, controller: true }],
            },
            spec: { metrics: [{ name: 'success-rate', interval: '30s', count: 2, successCondition: 'result[0] >= 0.95', provider: { prometheus: { address: 'http://prometheus.monitoring:9090', query: 'sum(rate(http_requests_total{code!~"5.."}[1m])) / sum(rate(http_requests_total[1m]))' } } }] },
            status: { phase: 'Running', startedAt: iso(now), metricResults: [] },
          });
        }
        s.canary = { ...s.canary, currentStepAnalysisRunStatus: { name, status: run.status.phase } };
        if (run.status.phase === 'Running' && now - Date.parse(run.status.startedAt) >= 60_000) {
          // Scenario: about one canary in ten fails its analysis.
          const fails = parseInt(String(s.currentPodHash).slice(0, 2), 16) < 26;
          const value = fails ? 0.81 : 0.993;
          run.status = {
            ...run.status,
            phase: fails ? 'Failed' : 'Successful',
            message: fails ? 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)' : undefined,
            metricResults: [{ name: 'success-rate', phase: fails ? 'Failed' : 'Successful', count: 2, successful: fails ? 1 : 2, failed: fails ? 1 : 0, measurements: [{ phase: fails ? 'Failed' : 'Successful', value: `[${value}]`, startedAt: run.status.startedAt, finishedAt: iso(now) }] }],
          };
          run.metadata.resourceVersion = String(++this.resourceVersion);
          s.canary.currentStepAnalysisRunStatus.status = run.status.phase;
          if (fails) {
            s.abort = true;
            this.advance(rollout, now);
            return;
          }
        }
        if (run.status.phase === 'Successful') {
          s.currentStepIndex = index + 1;
          continue;
        }
        s.phase = 'Progressing';
        s.message = 'waiting for analysis';
        return;
      }
      s.currentStepIndex = index + 1;
    }
  }

  private completeRollout(rollout: Obj, app: App | undefined, now: number) {
    const s = rollout.status;
    const oldStable = s.stableRS;
    s.stableRS = s.currentPodHash;
    s.currentStepIndex = rollout.spec?.strategy?.canary?.steps?.length ?? 0;
    s.phase = 'Healthy';
    s.message = undefined;
    s.promoteFull = undefined;
    s.pauseConditions = null;
    s.controllerPause = undefined;
    s.canary = {};
    s.conditions = [{ type: 'Healthy', status: 'True', reason: 'RolloutHealthy', message: 'Rollout is healthy', lastTransitionTime: iso(now), lastUpdateTime: iso(now) }];
    if (app) {
      const revision = rollout.metadata.annotations?.['portolan.dev/revision'];
      if (revision) this.writeReplicaSet(app, rollout, revision, app.replicas);
      if (oldStable && oldStable !== s.stableRS) {
        const old = this.store.get('replicasets')!.get(this.key(app.namespace, `${app.service}-${oldStable}`));
        if (old) {
          old.spec.replicas = 0;
          old.status = { replicas: 0, readyReplicas: 0, availableReplicas: 0 };
          this.removePods(`${app.service}-${oldStable}`);
        }
      }
    }
  }

  private removePods(rsName: string) {
    const pods = this.store.get('pods')!;
    for (const [k, pod] of pods) {
      if (pod.metadata.ownerReferences?.[0]?.name === rsName) pods.delete(k);
    }
  }}

function parseDuration(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value * 1000;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value));
  if (!m) return undefined;
  return Number(m[1]) * ({ s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000);
}

function iso(ms: number) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: any, patch: any): any {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parseLabelSelector(selector: string): Array<(labels: Record<string, string>) => boolean> {
  const terms: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) terms.push(cur);
  return terms.map(raw => {
    const term = raw.trim();
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map(v => v.trim());
      return m[2] === 'in' ? l => values.includes(l[m![1]]) : l => !values.includes(l[m![1]]);
    }
    m = /^([\w./-]+)\s*(==|!=|=)\s*([\w.-]*)$/.exec(term);
    if (m) return m[2] === '!=' ? l => l[m![1]] !== m![3] : l => l[m![1]] === m![3];
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return m[1] ? l => !(m![2] in l) : l => m![2] in l;
    throw new StatusError(400, 'BadRequest', `unable to parse requirement: found '${term}', expected: in, notin, =, ==, !=, gt, lt`);
  });
}

function parseFieldSelector(selector: string): Array<(o: Obj) => boolean> {
  return selector.split(',').map(raw => {
    const m = /^(metadata\.name|metadata\.namespace)\s*(==|!=|=)\s*(.*)$/.exec(raw.trim());
    if (!m) throw new StatusError(400, 'BadRequest', `"${raw.split('=')[0]}" is not a known field selector: only "metadata.name", "metadata.namespace"`);
    const field = m[1] === 'metadata.name' ? 'name' : 'namespace';
    return m[2] === '!=' ? o => o.metadata[field] !== m[3] : o => o.metadata[field] === m[3];
  });
}
