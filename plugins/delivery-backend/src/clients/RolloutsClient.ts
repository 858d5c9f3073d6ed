import * as k8s from '@kubernetes/client-node';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { z } from 'zod';
import { callCluster, kubeConfigFor } from '@portolan/argocd-node';
import { KubernetesClusterConfig } from './KubernetesClusters';

const GROUP = 'argoproj.io';
const VERSION = 'v1alpha1';

const metadata = z
  .object({
    name: z.string(),
    namespace: z.string(),
    resourceVersion: z.string(),
    labels: z.record(z.string()).optional(),
    creationTimestamp: z.string().optional(),
  })
  .passthrough();

const step = z.record(z.unknown());

/** The parts of a Rollout Portolan reads; anything else passes through. */
export const rolloutSchema = z
  .object({
    metadata,
    spec: z
      .object({
        replicas: z.number().int().optional(),
        paused: z.boolean().optional(),
        strategy: z
          .object({
            canary: z
              .object({ steps: z.array(step).optional() })
              .passthrough()
              .optional(),
            blueGreen: z.object({}).passthrough().optional(),
          })
          .passthrough()
          .optional(),
        template: z
          .object({
            spec: z
              .object({
                containers: z
                  .array(
                    z
                      .object({
                        name: z.string(),
                        image: z.string().optional(),
                      })
                      .passthrough(),
                  )
                  .optional(),
              })
              .passthrough()
              .optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough(),
    status: z
      .object({
        phase: z.string().optional(),
        message: z.string().optional(),
        abort: z.boolean().optional(),
        currentStepIndex: z.number().int().optional(),
        currentPodHash: z.string().optional(),
        stableRS: z.string().optional(),
        controllerPause: z.boolean().optional(),
        pauseConditions: z
          .array(
            z.object({ reason: z.string(), startTime: z.string().optional() }),
          )
          .nullish(),
        replicas: z.number().int().optional(),
        updatedReplicas: z.number().int().optional(),
        readyReplicas: z.number().int().optional(),
        availableReplicas: z.number().int().optional(),
        canary: z
          .object({
            weights: z
              .object({
                canary: z
                  .object({
                    weight: z.number(),
                    podTemplateHash: z.string().optional(),
                  })
                  .passthrough(),
                stable: z
                  .object({
                    weight: z.number(),
                    podTemplateHash: z.string().optional(),
                  })
                  .passthrough(),
              })
              .passthrough()
              .optional(),
          })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type Rollout = z.infer<typeof rolloutSchema>;

export const analysisRunSchema = z
  .object({
    metadata,
    status: z
      .object({
        phase: z.string().optional(),
        message: z.string().optional(),
        startedAt: z.string().optional(),
        metricResults: z
          .array(
            z
              .object({
                name: z.string(),
                phase: z.string(),
                successful: z.number().int().optional(),
                failed: z.number().int().optional(),
                measurements: z
                  .array(
                    z.object({ value: z.string().optional() }).passthrough(),
                  )
                  .optional(),
              })
              .passthrough(),
          )
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type AnalysisRun = z.infer<typeof analysisRunSchema>;

const list = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item) });

/**
 * Argo Rollouts on one cluster, through the official Kubernetes client.
 * Every call has a timeout and failures name the cluster.
 */
export class RolloutsClient {
  private readonly api: k8s.CustomObjectsApi;
  private readonly core: k8s.CoreV1Api;

  constructor(
    readonly cluster: KubernetesClusterConfig,
    private readonly timeoutMs = 5000,
  ) {
    const kc = kubeConfigFor(cluster);
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
  }

  /** A pod's labels (to tell which service it belongs to). */
  async getPodLabels(
    namespace: string,
    name: string,
  ): Promise<Record<string, string>> {
    const pod = await this.call(`pod ${namespace}/${name}`, () =>
      this.core.readNamespacedPod({ namespace, name }),
    );
    return pod.metadata?.labels ?? {};
  }

  /** A container's log, bounded (the last `tailLines` lines, at most 2 MiB). */
  async readPodLog(
    namespace: string,
    name: string,
    options: { container?: string; previous?: boolean; tailLines?: number },
  ): Promise<string> {
    return this.call(`log of pod ${namespace}/${name}`, () =>
      this.core.readNamespacedPodLog({
        namespace,
        name,
        container: options.container,
        previous: options.previous,
        tailLines: options.tailLines ?? 1000,
        limitBytes: 2 * 1024 * 1024,
      }),
    );
  }

  /** Events about one object of a namespace. */
  async listEvents(
    namespace: string,
    involvedObjectName: string,
  ): Promise<k8s.CoreV1Event[]> {
    const events = await this.call(`events in ${namespace}`, () =>
      this.core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.name=${involvedObjectName}`,
      }),
    );
    return events.items;
  }

  /** Rollouts matching a label selector, in one namespace or all. */
  async listRollouts(
    labelSelector: string,
    namespace?: string,
  ): Promise<Rollout[]> {
    return this.list('rollouts', labelSelector, namespace, rolloutSchema);
  }

  async listAnalysisRuns(
    labelSelector: string,
    namespace?: string,
  ): Promise<AnalysisRun[]> {
    return this.list(
      'analysisruns',
      labelSelector,
      namespace,
      analysisRunSchema,
    );
  }

  async getRollout(namespace: string, name: string): Promise<Rollout> {
    const raw = await this.call(`rollout ${namespace}/${name}`, () =>
      this.api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'rollouts',
        name,
      }),
    );
    return this.validate(rolloutSchema, raw, `rollout ${namespace}/${name}`);
  }

  /**
   * A JSON merge patch, as kubectl-argo-rollouts sends it: to the status
   * subresource for `status` changes (the main object if the cluster has no
   * status subresource for rollouts: 404), to the object for `spec`.
   * With `resourceVersion`, the API server refuses the patch (409 Conflict)
   * if the rollout changed since that version was read.
   */
  async patchRollout(
    namespace: string,
    name: string,
    patch: { spec?: object; status?: object },
    resourceVersion?: string,
  ): Promise<Rollout> {
    const target = {
      group: GROUP,
      version: VERSION,
      namespace,
      plural: 'rollouts',
      name,
    };
    const body =
      resourceVersion === undefined
        ? { ...patch }
        : { ...patch, metadata: { resourceVersion } };
    const merge = k8s.setHeaderOptions(
      'Content-Type',
      k8s.PatchStrategy.MergePatch,
    );
    const what = `rollout ${namespace}/${name}`;
    let raw: unknown;
    if (patch.status) {
      try {
        raw = await this.call(what, () =>
          this.api.patchNamespacedCustomObjectStatus(
            { ...target, body },
            merge,
          ),
        );
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        // A 404 may mean "no status subresource": the main object takes it.
        raw = await this.call(what, () =>
          this.api.patchNamespacedCustomObject({ ...target, body }, merge),
        );
      }
    } else {
      raw = await this.call(what, () =>
        this.api.patchNamespacedCustomObject({ ...target, body }, merge),
      );
    }
    return this.validate(rolloutSchema, raw, what);
  }

  private async list<T extends z.ZodTypeAny>(
    plural: string,
    labelSelector: string,
    namespace: string | undefined,
    schema: T,
  ): Promise<z.infer<T>[]> {
    const raw = await this.call(plural, () =>
      namespace
        ? this.api.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace,
            plural,
            labelSelector,
          })
        : this.api.listClusterCustomObject({
            group: GROUP,
            version: VERSION,
            plural,
            labelSelector,
          }),
    );
    return this.validate(list(schema), raw, plural).items;
  }

  private validate<T extends z.ZodTypeAny>(
    schema: T,
    raw: unknown,
    what: string,
  ): z.infer<T> {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ServiceUnavailableError(
        `Cluster ${
          this.cluster.name
        } sent a malformed ${what}: ${issue.path.join('.')} ${issue.message}`,
      );
    }
    return parsed.data;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await callCluster(
        this.cluster,
        {
          timeoutMs: this.timeoutMs,
          what,
          missingToken: 'Portolan cannot read its rollouts',
        },
        fn,
      );
    } catch (error) {
      throw this.named(error, what);
    }
  }

  private named(error: unknown, what: string): Error {
    if (error instanceof ServiceUnavailableError) return error;
    if (error instanceof k8s.ApiException) {
      const body =
        typeof error.body === 'string' ? safeJson(error.body) : error.body;
      const message =
        (body as { message?: string } | undefined)?.message ??
        `HTTP ${error.code}`;
      if (error.code === 404)
        return new NotFoundError(
          `Cluster ${this.cluster.name}: ${what} not found (${message})`,
        );
      if (error.code === 409)
        return new ConflictError(`Cluster ${this.cluster.name}: ${message}`);
      if (error.code === 401 || error.code === 403) {
        return new ServiceUnavailableError(
          `Cluster ${this.cluster.name} refused Portolan's credentials (${error.code}): ${message}`,
        );
      }
      return new ServiceUnavailableError(
        `Cluster ${this.cluster.name} answered ${error.code} for ${what}: ${message}`,
      );
    }
    const cause = error as Error & { cause?: { code?: string } };
    const code = cause.cause?.code ?? (cause as { code?: string }).code;
    return new ServiceUnavailableError(
      `Cluster ${this.cluster.name} is unreachable (${
        code ?? cause.message ?? String(error)
      })`,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
