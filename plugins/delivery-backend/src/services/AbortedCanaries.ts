import { LoggerService } from '@backstage/backend-plugin-api';
import { SelectorTerm, matchesSelector } from '@portolan/argocd-common';
import { Rollout, RolloutsClient } from '../clients/RolloutsClient';

/** Argo CD's resource tracking: annotation (the default since 3.0), or label (before). */
const TRACKING_ID_ANNOTATION = 'argocd.argoproj.io/tracking-id';
const TRACKING_LABEL = 'app.kubernetes.io/instance';

/** A Rollout whose update was aborted, by hand or by a failed analysis. */
export interface AbortedRollout {
  cluster: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** The Argo CD app that manages it, when the cluster's tracking says. */
  trackedBy?: string;
  abortedAt?: number;
}

export interface ClusterRolloutsSummary {
  cluster: string;
  ok: boolean;
  rollouts: number;
  aborted: number;
  error?: string;
}

function trackedBy(rollout: Rollout): string | undefined {
  const annotations =
    (rollout.metadata as { annotations?: Record<string, string> })
      .annotations ?? {};
  const tracking = annotations[TRACKING_ID_ANNOTATION];
  if (tracking) {
    // <app>:<group>/<kind>:<namespace>/<name>; apps in other namespaces are <namespace>_<app>.
    const app = tracking.split(':')[0];
    return app.includes('_') ? app.slice(app.indexOf('_') + 1) : app;
  }
  return rollout.metadata.labels?.[TRACKING_LABEL];
}

function isAborted(rollout: Rollout): boolean {
  const s = rollout.status;
  return (
    s?.abort === true ||
    (s?.phase === 'Degraded' && /RolloutAborted/.test(s.message ?? ''))
  );
}

/**
 * Canary outcomes read where they happen. Argo CD 3.x no longer stores
 * resource health in the Application (`resourceHealthSource: appTree`), so
 * ingestion lists the Rollouts of each cluster instead: one list call per
 * cluster per cycle, whatever the number of apps.
 */
export class AbortedCanaries {
  static async list(
    clients: RolloutsClient[],
    logger: LoggerService,
  ): Promise<AbortedCanaries> {
    const clusters: ClusterRolloutsSummary[] = [];
    const aborted: AbortedRollout[] = [];
    await Promise.all(
      clients.map(async client => {
        const cluster = client.cluster.name;
        try {
          // An empty selector: every Rollout the service account may list.
          const rollouts = await client.listRollouts('');
          const mine = rollouts.filter(isAborted).map(r => ({
            cluster,
            namespace: r.metadata.namespace,
            name: r.metadata.name,
            labels: r.metadata.labels ?? {},
            trackedBy: trackedBy(r),
            abortedAt: parseTime(
              (r.status as { abortedAt?: unknown } | undefined)?.abortedAt,
            ),
          }));
          aborted.push(...mine);
          clusters.push({
            cluster,
            ok: true,
            rollouts: rollouts.length,
            aborted: mine.length,
          });
        } catch (error) {
          const message = (error as Error).message;
          logger.warn(
            `Deployment ingestion: canary outcomes unknown this cycle: ${message}`,
          );
          clusters.push({
            cluster,
            ok: false,
            rollouts: 0,
            aborted: 0,
            error: message,
          });
        }
      }),
    );
    return new AbortedCanaries(aborted, clusters);
  }

  static none(): AbortedCanaries {
    return new AbortedCanaries([], []);
  }

  private constructor(
    private readonly aborted: AbortedRollout[],
    readonly clusters: ClusterRolloutsSummary[],
  ) {}

  /**
   * The aborted Rollout an app deploys, if any: on the app's cluster and
   * namespace, tracked by the app, or (without tracking information)
   * matching the claiming service's workload selector, as the canary
   * controls find it.
   */
  of(app: {
    name: string;
    cluster?: string;
    namespace?: string;
    workloadSelector?: SelectorTerm[];
  }): AbortedRollout | undefined {
    return this.aborted.find(
      r =>
        r.cluster === app.cluster &&
        (!app.namespace || r.namespace === app.namespace) &&
        (r.trackedBy !== undefined
          ? r.trackedBy === app.name
          : app.workloadSelector !== undefined &&
            matchesSelector(r.labels, app.workloadSelector)),
    );
  }
}

function parseTime(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}
