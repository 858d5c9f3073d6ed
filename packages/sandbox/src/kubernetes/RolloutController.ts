import { KubernetesStore, iso } from './KubernetesStore';
import { scaleDownReplicaSet, writeReplicaSet } from './replicaSets';
import { Obj } from './resources';

const COMPONENT = 'rollouts-controller';
const REVISION = 'rollout.argoproj.io/revision';
/** Sandbox-only: the Git revision a workload's template was rendered from. */
export const REVISION_ANNOTATION = 'portolan.dev/revision';

export interface RolloutControllerOptions {
  cluster: string;
  store: KubernetesStore;
  /** A canary finished: promoted to stable, or aborted. */
  onFinished?: (
    rollout: Obj,
    result: 'succeeded' | 'canary-aborted',
    now: number,
  ) => void;
  /** Sandbox scenario: whether a canary's analysis passes (about one in ten fails). */
  analysisPasses?: (podHash: string) => boolean;
}

type Effect = () => void;

/**
 * A small Argo Rollouts controller for one cluster. Like the real one it
 * works on its own loop, never inside an API request: a client's patch is
 * stored as sent, and the controller reacts to what it finds on its next
 * pass (`reconcile`), writing status, ReplicaSets, pods, AnalysisRuns and
 * Events as separate writes, each with a new resourceVersion. So a client
 * sending two patches can find the object changed between them, as against
 * a real cluster. Semantics follow the Argo Rollouts docs ("Canary",
 * "Pausing and promoting", "Aborting") and controller source
 * (rollout/canary.go, rollout/sync.go): steps setWeight / pause / analysis,
 * `status.pauseConditions` + `controllerPause`, `status.abort`,
 * `status.promoteFull`, `spec.paused`.
 */
export class RolloutController {
  /** Why the controller aborted a rollout (by uid): the Progressing condition's message in Argo Rollouts. */
  private readonly abortMessages = new Map<string, string>();

  constructor(private readonly options: RolloutControllerOptions) {}

  /** One pass over every Rollout (the controller's resync). */
  reconcile(now: number): void {
    const { store } = this.options;
    const rollouts = store.list(store.type('rollouts'), undefined).items;
    for (const r of rollouts) {
      const effects: Effect[] = [];
      store.update('rollouts', r.metadata.namespace, r.metadata.name, next =>
        this.sync(next, now, effects),
      );
      for (const effect of effects) effect();
    }
  }

  private sync(r: Obj, now: number, effects: Effect[]) {
    const s = (r.status ??= {});
    const desired = podHash(r);
    if (desired && desired !== s.currentPodHash)
      this.startUpdate(r, desired, now);
    this.advance(r, now, effects);
    // In the same status write as the pass's other changes, as the real
    // controller's persistRolloutStatus does (a string in Rollout status).
    // startUpdate replaces r.status, so never through the stale `s`.
    r.status.observedGeneration = String(r.metadata.generation ?? 1);
  }

  /** A new pod template: a new ReplicaSet, and the canary steps from the start. */
  private startUpdate(r: Obj, hash: string, now: number) {
    const { store, cluster } = this.options;
    const s = r.status;
    const revision = Number(r.metadata.annotations?.[REVISION] ?? 0) + 1;
    r.metadata.annotations = {
      ...r.metadata.annotations,
      [REVISION]: String(revision),
    };
    store.recordEvent(
      r,
      'Normal',
      'RolloutUpdated',
      `Rollout updated to revision ${revision}`,
      COMPONENT,
    );
    const rs = writeReplicaSet(store, cluster, r, hash, 1, now);
    store.recordEvent(
      r,
      'Normal',
      'NewReplicaSetCreated',
      `Created ReplicaSet ${rs.metadata.name} (revision ${revision})`,
      COMPONENT,
    );
    r.status = {
      ...s,
      currentPodHash: hash,
      currentStepIndex: 0,
      abort: undefined,
      abortedAt: undefined,
      pauseConditions: null,
      controllerPause: undefined,
      promoteFull: undefined,
      phase: 'Progressing',
      message: 'more replicas need to be updated',
      canary: {
        weights: {
          canary: { weight: 0, podTemplateHash: hash },
          stable: { weight: 100, podTemplateHash: s.stableRS },
        },
      },
    };
  }

  private advance(r: Obj, now: number, effects: Effect[]) {
    const { store } = this.options;
    const s = r.status;
    const steps: any[] = r.spec?.strategy?.canary?.steps ?? [];
    const revision = r.metadata.annotations?.[REVISION] ?? '1';
    const inFlight = s.currentPodHash && s.currentPodHash !== s.stableRS;
    if (s.abort) {
      if (!s.abortedAt) {
        // Aborted (by a client's patch or a failed analysis): traffic back
        // to stable, the canary scaled down, steps to start again on retry.
        const why = this.abortMessages.get(r.metadata.uid!);
        const message = `Rollout aborted update to revision ${revision}${
          why ? `: ${why}` : ''
        }`;
        store.recordEvent(r, 'Warning', 'RolloutAborted', message, COMPONENT);
        s.abortedAt = iso(now);
        if (inFlight)
          scaleDownReplicaSet(
            store,
            r.metadata.namespace!,
            `${r.metadata.name}-${s.currentPodHash}`,
          );
        effects.push(() => this.options.onFinished?.(r, 'canary-aborted', now));
      }
      s.phase = 'Degraded';
      s.message = `RolloutAborted: Rollout aborted update to revision ${revision}`;
      s.pauseConditions = null;
      s.controllerPause = undefined;
      s.currentStepIndex = 0;
      if (s.canary?.weights) {
        s.canary.weights = {
          canary: { ...s.canary.weights.canary, weight: 0 },
          stable: { ...s.canary.weights.stable, weight: 100 },
        };
      }
      return;
    }
    if (s.abortedAt) {
      // Retried (`status.abort: false`): the canary comes back.
      store.recordEvent(
        r,
        'Normal',
        'RolloutRetry',
        'Retrying Rollout after abort',
        COMPONENT,
      );
      s.abortedAt = undefined;
      this.abortMessages.delete(r.metadata.uid!);
      if (inFlight)
        writeReplicaSet(
          store,
          this.options.cluster,
          r,
          s.currentPodHash,
          1,
          now,
        );
    }
    if (!inFlight) {
      s.currentStepIndex = steps.length;
      s.phase = 'Healthy';
      s.message = undefined;
      return;
    }
    if (r.spec?.paused) {
      if (s.phase !== 'Paused' || s.message !== 'manually paused') {
        store.recordEvent(
          r,
          'Normal',
          'RolloutPaused',
          'Rollout is paused (manually paused)',
          COMPONENT,
        );
      }
      s.phase = 'Paused';
      s.message = 'manually paused';
      // The controller recomputes pause state on every pass; pause
      // conditions a client cleared are gone, and with them its own pause
      // (rollout/pause.go CalculatePauseConditions: controllerPause is only
      // kept alongside a pause condition). Steps wait while spec.paused.
      if (!s.pauseConditions?.length) s.controllerPause = undefined;
      return;
    }
    if (s.message === 'manually paused') {
      store.recordEvent(
        r,
        'Normal',
        'RolloutResumed',
        'Rollout is resumed',
        COMPONENT,
      );
      s.message = undefined;
    }
    if (s.promoteFull) s.currentStepIndex = steps.length;
    for (let guard = 0; guard < 50; guard++) {
      const index = s.currentStepIndex ?? 0;
      if (index >= steps.length) {
        this.complete(r, now);
        effects.push(() => this.options.onFinished?.(r, 'succeeded', now));
        return;
      }
      const step = steps[index];
      const completed = () => {
        s.currentStepIndex = index + 1;
        store.recordEvent(
          r,
          'Normal',
          'RolloutStepCompleted',
          `Rollout step ${index + 1}/${steps.length} completed (${stepString(
            step,
          )})`,
          COMPONENT,
        );
      };
      if (step.setWeight !== undefined) {
        s.canary = {
          ...s.canary,
          weights: {
            canary: {
              weight: step.setWeight,
              podTemplateHash: s.currentPodHash,
            },
            stable: {
              weight: 100 - step.setWeight,
              podTemplateHash: s.stableRS,
            },
          },
        };
        s.controllerPause = undefined;
        completed();
        continue;
      }
      if (step.pause) {
        const started = s.pauseConditions?.[0]?.startTime;
        if (!started && s.controllerPause) {
          // The controller paused here and a client cleared the pause
          // conditions (promote): the pause step is complete.
          s.controllerPause = undefined;
          store.recordEvent(
            r,
            'Normal',
            'RolloutResumed',
            'Rollout is resumed',
            COMPONENT,
          );
          completed();
          continue;
        }
        if (!started) {
          s.pauseConditions = [
            { reason: 'CanaryPauseStep', startTime: iso(now) },
          ];
          s.controllerPause = true;
          s.phase = 'Paused';
          s.message = 'CanaryPauseStep';
          store.recordEvent(
            r,
            'Normal',
            'RolloutPaused',
            'Rollout is paused (CanaryPauseStep)',
            COMPONENT,
          );
          return;
        }
        const duration = parseDuration(step.pause.duration);
        if (duration !== undefined && now - Date.parse(started) >= duration) {
          s.pauseConditions = null;
          s.controllerPause = undefined;
          completed();
          continue;
        }
        s.phase = 'Paused';
        return;
      }
      if (step.analysis) {
        const run = this.analysisRun(r, index, now);
        s.canary = {
          ...s.canary,
          currentStepAnalysisRunStatus: {
            name: run.metadata.name,
            status: run.status.phase,
          },
        };
        if (run.status.phase === 'Failed') {
          s.abort = true;
          this.abortMessages.set(r.metadata.uid!, run.status.message);
          this.advance(r, now, effects);
          return;
        }
        if (run.status.phase === 'Successful') {
          completed();
          continue;
        }
        s.phase = 'Progressing';
        s.message = 'waiting for analysis';
        return;
      }
      completed();
    }
  }

  /** The step's AnalysisRun: created when the step starts, measured after a minute. */
  private analysisRun(r: Obj, index: number, now: number): Obj {
    const { store } = this.options;
    const s = r.status;
    const name = `${r.metadata.name}-${s.currentPodHash}-${index}`;
    const namespace = r.metadata.namespace!;
    let run = store.find('analysisruns', namespace, name);
    if (!run) {
      run = store.save('analysisruns', {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisRun',
        metadata: {
          name,
          namespace,
          labels: {
            ...r.metadata.labels,
            'rollouts-pod-template-hash': s.currentPodHash,
          },
          ownerReferences: [
            {
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'Rollout',
              name: r.metadata.name,
              uid: r.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          metrics: [
            {
              name: 'success-rate',
              interval: '30s',
              count: 2,
              successCondition: 'result[0] >= 0.95',
              provider: {
                prometheus: {
                  address: 'http://prometheus.monitoring:9090',
                  query:
                    'sum(rate(http_requests_total{code!~"5.."}[1m])) / sum(rate(http_requests_total[1m]))',
                },
              },
            },
          ],
        },
        status: { phase: 'Running', startedAt: iso(now), metricResults: [] },
      });
      store.recordEvent(
        r,
        'Normal',
        'AnalysisRunRunning',
        `Step Analysis Run '${name}' Status New: 'Running' Previous: 'NoPreviousStatus'`,
        COMPONENT,
      );
    }
    if (
      run.status.phase === 'Running' &&
      now - Date.parse(run.status.startedAt) >= 60_000
    ) {
      const passes = (this.options.analysisPasses ?? defaultAnalysisPasses)(
        s.currentPodHash,
      );
      const value = passes ? 0.993 : 0.81;
      const phase = passes ? 'Successful' : 'Failed';
      run = store.update('analysisruns', namespace, name, ar => {
        ar.status = {
          ...ar.status,
          phase,
          message: passes
            ? undefined
            : 'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0)',
          metricResults: [
            {
              name: 'success-rate',
              phase,
              count: 2,
              successful: passes ? 2 : 1,
              failed: passes ? 0 : 1,
              measurements: [
                {
                  phase,
                  value: `[${value}]`,
                  startedAt: ar.status.startedAt,
                  finishedAt: iso(now),
                },
              ],
            },
          ],
        };
      });
      store.recordEvent(
        r,
        passes ? 'Normal' : 'Warning',
        `AnalysisRun${phase}`,
        `Step Analysis Run '${name}' Status New: '${phase}' Previous: 'Running'`,
        COMPONENT,
      );
    }
    return run;
  }

  /** All steps done (or a full promotion): the canary becomes stable. */
  private complete(r: Obj, now: number) {
    const { store, cluster } = this.options;
    const s = r.status;
    const oldStable = s.stableRS;
    const steps = r.spec?.strategy?.canary?.steps?.length ?? 0;
    const reason = s.promoteFull
      ? 'Full promotion requested'
      : `Completed all ${steps} canary steps`;
    s.stableRS = s.currentPodHash;
    s.currentStepIndex = steps;
    s.phase = 'Healthy';
    s.message = undefined;
    s.promoteFull = undefined;
    s.pauseConditions = null;
    s.controllerPause = undefined;
    s.canary = {};
    s.replicas = r.spec?.replicas ?? 1;
    s.updatedReplicas = s.replicas;
    s.readyReplicas = s.replicas;
    s.availableReplicas = s.replicas;
    s.conditions = [healthyCondition(now)];
    writeReplicaSet(store, cluster, r, s.stableRS, s.replicas, now);
    if (oldStable && oldStable !== s.stableRS)
      scaleDownReplicaSet(
        store,
        r.metadata.namespace!,
        `${r.metadata.name}-${oldStable}`,
      );
    const revision = r.metadata.annotations?.[REVISION] ?? '1';
    store.recordEvent(
      r,
      'Normal',
      'RolloutCompleted',
      `Rollout completed update to revision ${revision} (${s.stableRS}): ${reason}`,
      COMPONENT,
    );
  }
}

/** The Healthy condition of a Rollout at rest (conditions.RolloutHealthyReason). */
export function healthyCondition(now: number) {
  return {
    type: 'Healthy',
    status: 'True',
    reason: 'RolloutHealthy',
    message: 'Rollout is healthy',
    lastTransitionTime: iso(now),
    lastUpdateTime: iso(now),
  };
}

/** The pod template hash the Rollout's template should run as. */
function podHash(r: Obj): string | undefined {
  return r.metadata.annotations?.[REVISION_ANNOTATION]?.slice(0, 10);
}

/** Scenario: about one canary in ten fails its analysis. */
function defaultAnalysisPasses(hash: string): boolean {
  return parseInt(hash.slice(0, 2), 16) >= 26;
}

/** As kubectl-argo-rollouts and the controller name steps (utils/rollout CanaryStepString). */
function stepString(step: any): string {
  if (step.setWeight !== undefined) return `setWeight: ${step.setWeight}`;
  if (step.pause)
    return step.pause.duration !== undefined
      ? `pause: ${step.pause.duration}`
      : 'pause';
  if (step.analysis) return 'analysis';
  if (step.experiment) return 'experiment';
  return 'invalid';
}

function parseDuration(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return value * 1000;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value));
  if (!m) return undefined;
  return (
    Number(m[1]) * ({ s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] ?? 1000)
  );
}
