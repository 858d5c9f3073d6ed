import crypto from 'node:crypto';
import { Clock } from '../world/clock';
import { App, World } from '../world/World';
import { KubernetesStore, iso } from './KubernetesStore';
import { writeReplicaSet } from './replicaSets';
import { Obj } from './resources';
import { REVISION_ANNOTATION, healthyCondition } from './RolloutController';

const CANARY_STEPS = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { pause: { duration: '60s' } },
  { analysis: { templates: [{ templateName: 'success-rate' }] } },
  { setWeight: 100 },
];

/**
 * Deliberate gaps, so compliance checks fail for real on some services:
 * an image by `:latest`, an image from a registry outside the allowed
 * one, a container without a readiness probe, one replica in prod.
 */
export const COMPLIANCE_GAPS = {
  latestTag: new Set(['catalog-service']),
  foreignRegistry: new Set(['build-runner']),
  noReadinessProbe: new Set(['notification-service']),
  singleProdReplica: new Set(['user-profile']),
};

/** Replicas the app's workload runs in this cluster. */
function replicasOf(app: App): number {
  return app.environment === 'prod' &&
    COMPLIANCE_GAPS.singleProdReplica.has(app.service)
    ? 1
    : app.replicas;
}

/**
 * Puts the world's apps into one cluster, as Argo CD syncing their
 * manifests would: a namespace, a Deployment or Rollout and a Service per
 * app, running at its live revision; a new deploy of a Rollout app changes
 * the Rollout's pod template (the controller takes it from there).
 */
export class WorldWorkloads {
  private readonly seeded = new Set<string>();

  constructor(
    private readonly cluster: string,
    private readonly world: World,
    private readonly store: KubernetesStore,
    private readonly clock: Clock,
  ) {}

  /** The app whose workload a Rollout is. */
  appOf(rollout: Obj): App | undefined {
    return this.world.apps.find(
      a =>
        a.cluster === this.cluster &&
        a.service === rollout.metadata.name &&
        a.namespace === rollout.metadata.namespace,
    );
  }

  /** Apps created since the last call (templates, Argo CD API), and new deploys of Rollout apps. */
  follow(): void {
    for (const app of this.world.apps) {
      if (app.cluster !== this.cluster) continue;
      if (!this.seeded.has(`${app.namespace}/${app.service}`)) {
        this.seedApp(app);
        continue;
      }
      if (app.workload !== 'Rollout') continue;
      const deploy = this.world.current(app);
      const rollout = this.store.find('rollouts', app.namespace, app.service);
      if (!rollout || deploy?.result !== 'in-progress') continue;
      if (
        rollout.metadata.annotations?.[REVISION_ANNOTATION] === deploy.revision
      )
        continue;
      this.store.update('rollouts', app.namespace, app.service, r => {
        r.spec.template = podTemplate(app, deploy.revision);
        r.metadata.annotations = {
          ...r.metadata.annotations,
          [REVISION_ANNOTATION]: deploy.revision,
        };
      });
    }
  }

  private seedApp(app: App) {
    const { store } = this;
    const now = this.clock.now();
    this.seeded.add(`${app.namespace}/${app.service}`);
    if (!store.find('namespaces', undefined, app.namespace)) {
      store.save('namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: app.namespace,
          labels: { 'kubernetes.io/metadata.name': app.namespace },
        },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
    const live =
      this.world.liveRevision(app) ??
      crypto.createHash('sha1').update(app.name).digest('hex');
    const hash = live.slice(0, 10);
    const rollout = app.workload === 'Rollout';
    const workload = store.save(rollout ? 'rollouts' : 'deployments', {
      apiVersion: rollout ? 'argoproj.io/v1alpha1' : 'apps/v1',
      kind: app.workload,
      metadata: {
        name: app.service,
        namespace: app.namespace,
        labels: labels(app),
        annotations: {
          [REVISION_ANNOTATION]: live,
          ...(rollout
            ? { 'rollout.argoproj.io/revision': '1' }
            : { 'deployment.kubernetes.io/revision': '1' }),
        },
      },
      spec: {
        replicas: replicasOf(app),
        selector: { matchLabels: { 'app.kubernetes.io/name': app.service } },
        template: podTemplate(app, live),
        ...(rollout
          ? {
              strategy: {
                canary: {
                  steps: CANARY_STEPS,
                  canaryService: `${app.service}-canary`,
                  stableService: app.service,
                },
              },
            }
          : {
              strategy: {
                type: 'RollingUpdate',
                rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
              },
            }),
      },
      status: {},
    });
    store.save('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: app.service,
        namespace: app.namespace,
        labels: labels(app),
      },
      spec: {
        type: 'ClusterIP',
        selector: { 'app.kubernetes.io/name': app.service },
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
        clusterIP: clusterIp(`${app.namespace}/${app.service}`),
      },
      status: { loadBalancer: {} },
    });
    const replicas = replicasOf(app);
    writeReplicaSet(store, this.cluster, workload, hash, replicas, now);
    const ready = {
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
    };
    // The steady state the workload's controller would have reached.
    store.update(
      rollout ? 'rollouts' : 'deployments',
      app.namespace,
      app.service,
      w => {
        w.status = rollout
          ? {
              phase: 'Healthy',
              currentPodHash: hash,
              stableRS: hash,
              currentStepIndex: CANARY_STEPS.length,
              ...ready,
              observedGeneration: String(w.metadata.generation),
              canary: {},
              conditions: [healthyCondition(now)],
            }
          : {
              ...ready,
              observedGeneration: w.metadata.generation,
              conditions: [
                {
                  type: 'Available',
                  status: 'True',
                  reason: 'MinimumReplicasAvailable',
                  message: 'Deployment has minimum availability.',
                  lastTransitionTime: iso(now),
                  lastUpdateTime: iso(now),
                },
              ],
            };
      },
    );
  }
}

function labels(app: App) {
  return {
    'backstage.io/kubernetes-id': app.service,
    'app.kubernetes.io/name': app.service,
    'portolan.dev/environment': app.environment,
  };
}

function podTemplate(app: App, revision: string) {
  const registry = COMPLIANCE_GAPS.foreignRegistry.has(app.service)
    ? 'ghcr.io/portolan-labs'
    : 'registry.portolan.example';
  const tag = COMPLIANCE_GAPS.latestTag.has(app.service)
    ? 'latest'
    : revision.slice(0, 7);
  const probe = (path: string) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: 10,
  });
  return {
    metadata: { labels: { 'app.kubernetes.io/name': app.service } },
    spec: {
      containers: [
        {
          name: app.service,
          image: `${registry}/${app.service}:${tag}`,
          ports: [{ containerPort: 8080, name: 'http', protocol: 'TCP' }],
          resources: {
            requests: { cpu: '250m', memory: '256Mi' },
            limits: { cpu: '1', memory: '512Mi' },
          },
          livenessProbe: probe('/healthz'),
          ...(COMPLIANCE_GAPS.noReadinessProbe.has(app.service)
            ? {}
            : { readinessProbe: probe('/ready') }),
        },
      ],
    },
  };
}

/** A stable ClusterIP in 10.96.0.0/12 for a service. */
function clusterIp(key: string) {
  const h = crypto.createHash('sha1').update(key).digest();
  return `10.96.${h[0]}.${(h[1] % 253) + 1}`;
}
