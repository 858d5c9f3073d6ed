import * as k8s from '@kubernetes/client-node';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  callCluster,
  kubeConfigFor,
  type KubernetesClusterConfig,
} from '@portolan/argocd-node';
import { z } from 'zod';

const container = z
  .object({
    name: z.string(),
    image: z.string().optional(),
    resources: z
      .object({
        requests: z.record(z.unknown()).optional(),
        limits: z.record(z.unknown()).optional(),
      })
      .passthrough()
      .optional(),
    livenessProbe: z.unknown().optional(),
    readinessProbe: z.unknown().optional(),
  })
  .passthrough();

const workloadSchema = z
  .object({
    metadata: z
      .object({
        name: z.string(),
        namespace: z.string(),
        labels: z.record(z.string()).optional(),
      })
      .passthrough(),
    spec: z
      .object({
        replicas: z.number().int().optional(),
        strategy: z
          .object({
            canary: z
              .object({
                steps: z.array(z.record(z.unknown())).optional(),
                analysis: z.unknown().optional(),
              })
              .passthrough()
              .optional(),
          })
          .passthrough()
          .optional(),
        template: z
          .object({
            spec: z
              .object({ containers: z.array(container).optional() })
              .passthrough()
              .optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough(),
  })
  .passthrough();
const listSchema = z.object({ items: z.array(workloadSchema) }).passthrough();

/** A Deployment or Argo Rollout, as the checks read it. */
export interface Workload {
  cluster: string;
  kind: 'Deployment' | 'Rollout';
  namespace: string;
  name: string;
  labels: Record<string, string>;
  replicas: number;
  containers: Array<{
    name: string;
    image?: string;
    requests: string[];
    limits: string[];
    liveness: boolean;
    readiness: boolean;
  }>;
  /** Rollout with a canary strategy. */
  canary: boolean;
  /** That canary runs an analysis (a step or background analysis). */
  analysis: boolean;
}

/**
 * Lists every Deployment and Argo Rollout of one cluster (two cluster-wide
 * list calls per cycle, never one per service). Calls time out and name
 * the cluster.
 */
export class KubernetesWorkloadsClient {
  private readonly apps: k8s.AppsV1Api;
  private readonly custom: k8s.CustomObjectsApi;
  readonly calls = { list: 0 };

  constructor(
    readonly cluster: KubernetesClusterConfig,
    private readonly timeoutMs = 10_000,
  ) {
    const kc = kubeConfigFor(cluster);
    this.apps = kc.makeApiClient(k8s.AppsV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
  }

  async listWorkloads(): Promise<Workload[]> {
    const [deployments, rollouts] = await Promise.all([
      this.call('deployments', () =>
        this.apps.listDeploymentForAllNamespaces(),
      ),
      this.call('rollouts', () =>
        this.custom.listClusterCustomObject({
          group: 'argoproj.io',
          version: 'v1alpha1',
          plural: 'rollouts',
        }),
      ),
    ]);
    return [
      ...this.parse(deployments, 'deployments').map(w =>
        this.toWorkload(w, 'Deployment'),
      ),
      ...this.parse(rollouts, 'rollouts').map(w =>
        this.toWorkload(w, 'Rollout'),
      ),
    ];
  }

  private parse(raw: unknown, what: string) {
    const parsed = listSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ServiceUnavailableError(
        `Cluster ${this.cluster.name} answered the ${what} list with an unexpected shape: ${parsed.error.issues[0].message}`,
      );
    }
    return parsed.data.items;
  }

  private toWorkload(
    w: z.infer<typeof workloadSchema>,
    kind: Workload['kind'],
  ): Workload {
    const canary = kind === 'Rollout' ? w.spec.strategy?.canary : undefined;
    return {
      cluster: this.cluster.name,
      kind,
      namespace: w.metadata.namespace,
      name: w.metadata.name,
      labels: w.metadata.labels ?? {},
      replicas: w.spec.replicas ?? 1,
      containers: (w.spec.template?.spec?.containers ?? []).map(c => ({
        name: c.name,
        image: c.image,
        requests: Object.keys(c.resources?.requests ?? {}),
        limits: Object.keys(c.resources?.limits ?? {}),
        liveness: c.livenessProbe !== undefined && c.livenessProbe !== null,
        readiness: c.readinessProbe !== undefined && c.readinessProbe !== null,
      })),
      canary: Boolean(canary),
      analysis: Boolean(
        canary &&
          (canary.analysis || (canary.steps ?? []).some(s => 'analysis' in s)),
      ),
    };
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.cluster.token) this.calls.list++;
    try {
      return await callCluster(
        this.cluster,
        { timeoutMs: this.timeoutMs, what },
        fn,
      );
    } catch (error) {
      if (error instanceof ServiceUnavailableError) throw error;
      const code = (error as { code?: number }).code;
      throw new ServiceUnavailableError(
        `Cluster ${this.cluster.name} failed to list ${what}${
          code ? ` (HTTP ${code})` : ''
        }: ${(error as Error).message.split('\n')[0].slice(0, 200)}`,
      );
    }
  }
}
