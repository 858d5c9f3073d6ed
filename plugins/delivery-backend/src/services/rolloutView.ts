import {
  RolloutAction,
  RolloutAnalysisRun,
  RolloutState,
  RolloutStep,
  RolloutView,
  rolloutActionAvailability,
} from '@portolan/plugin-delivery-common';
import { AnalysisRun, Rollout } from '../clients/RolloutsClient';

/** The state that decides which actions are valid. */
export function rolloutState(r: Rollout): RolloutState {
  const s = r.status ?? {};
  const steps = r.spec.strategy?.canary?.steps ?? [];
  return {
    aborted: s.abort === true,
    paused: r.spec.paused === true,
    pauseReasons: (s.pauseConditions ?? []).map(c => c.reason),
    currentStepIndex: s.currentStepIndex ?? 0,
    stepCount: steps.length,
    updating: Boolean(
      s.currentPodHash && s.stableRS && s.currentPodHash !== s.stableRS,
    ),
    strategy: strategyOf(r),
  };
}

function strategyOf(r: Rollout): RolloutState['strategy'] {
  if (r.spec.strategy?.canary) return 'canary';
  if (r.spec.strategy?.blueGreen) return 'blueGreen';
  return 'unknown';
}

function describeStep(
  step: Record<string, unknown>,
  index: number,
): RolloutStep {
  if (typeof step.setWeight === 'number') {
    return {
      index,
      kind: 'setWeight',
      description: `Set weight ${step.setWeight}%`,
    };
  }
  if ('pause' in step) {
    const duration = (step.pause as { duration?: string | number } | null)
      ?.duration;
    return {
      index,
      kind: 'pause',
      description:
        duration === undefined
          ? 'Pause until promoted'
          : `Pause ${typeof duration === 'number' ? `${duration}s` : duration}`,
    };
  }
  if ('analysis' in step) {
    const templates =
      (step.analysis as { templates?: Array<{ templateName?: string }> } | null)
        ?.templates ?? [];
    const names = templates.map(t => t.templateName).filter(Boolean);
    return {
      index,
      kind: 'analysis',
      description: names.length ? `Analysis (${names.join(', ')})` : 'Analysis',
    };
  }
  return { index, kind: 'other', description: Object.keys(step)[0] ?? 'step' };
}

function analysisView(run: AnalysisRun): RolloutAnalysisRun {
  const s = run.status ?? {};
  return {
    name: run.metadata.name,
    phase: s.phase ?? 'Pending',
    message: s.message,
    startedAt: s.startedAt,
    metrics: (s.metricResults ?? []).map(m => ({
      name: m.name,
      phase: m.phase,
      successful: m.successful ?? 0,
      failed: m.failed ?? 0,
      lastValue: m.measurements?.[m.measurements.length - 1]?.value,
    })),
  };
}

/**
 * What the canary card shows of one Rollout. The images come from the pod
 * template (canary) and the stable ReplicaSet's hash label is all a Rollout
 * says of stable, so the stable image is the template's only when no
 * update is in flight.
 */
export function rolloutView(
  r: Rollout,
  runs: AnalysisRun[],
  where: { cluster: string; environment?: string },
): RolloutView {
  const s = r.status ?? {};
  const state = rolloutState(r);
  const steps = (r.spec.strategy?.canary?.steps ?? []).map(describeStep);
  const weights = s.canary?.weights;
  const canaryWeight = state.updating ? weights?.canary.weight ?? 0 : 0;
  const image = r.spec.template?.spec?.containers?.[0]?.image;
  const mine = runs
    .filter(run => {
      const owner = (
        run.metadata as {
          ownerReferences?: Array<{ kind?: string; name?: string }>;
        }
      ).ownerReferences;
      return (
        run.metadata.namespace === r.metadata.namespace &&
        (owner?.some(o => o.kind === 'Rollout' && o.name === r.metadata.name) ??
          run.metadata.name.startsWith(`${r.metadata.name}-`))
      );
    })
    .sort((a, b) =>
      String(b.status?.startedAt ?? '').localeCompare(
        String(a.status?.startedAt ?? ''),
      ),
    )
    .slice(0, 5)
    .map(analysisView);
  return {
    ...state,
    cluster: where.cluster,
    environment: where.environment,
    namespace: r.metadata.namespace,
    name: r.metadata.name,
    resourceVersion: r.metadata.resourceVersion,
    phase: s.phase ?? 'Unknown',
    message: s.message,
    steps,
    canaryWeight,
    stableWeight: state.updating
      ? weights?.stable.weight ?? 100 - canaryWeight
      : 100,
    replicas: {
      desired: r.spec.replicas ?? 1,
      updated: s.updatedReplicas ?? 0,
      ready: s.readyReplicas ?? 0,
      available: s.availableReplicas ?? 0,
    },
    canaryImage: state.updating ? image : undefined,
    stableImage: state.updating ? undefined : image,
    canaryHash: state.updating ? s.currentPodHash : undefined,
    stableHash: s.stableRS,
    analysisRuns: mine,
    actions: rolloutActionAvailability(state),
  };
}

type Patch = {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/**
 * The merge patches kubectl-argo-rollouts sends for an action, in its
 * order: the status patch first, then the spec patch
 * (pkg/kubectl-argo-rollouts/cmd/promote: PromoteRollout, getPatches;
 * abort, retry, pause; ../shared/specs/README.md). `resume` is promote of a
 * paused rollout, as `kubectl argo rollouts promote` does it.
 */
export function rolloutPatches(action: RolloutAction, r: Rollout): Patch[] {
  const s = r.status ?? {};
  const hasConditions = (s.pauseConditions?.length ?? 0) > 0;
  const unpause: Patch[] = r.spec.paused ? [{ spec: { paused: false } }] : [];
  const steps = r.spec.strategy?.canary?.steps;
  // GetCurrentCanaryStep, then one past it (never beyond the last step).
  const nextStep = () =>
    Math.min((s.currentStepIndex ?? 0) + 1, steps?.length ?? 0);
  switch (action) {
    case 'pause':
      return [{ spec: { paused: true } }];
    case 'resume':
      return [
        ...(hasConditions ? [{ status: { pauseConditions: null } }] : []),
        { spec: { paused: false } },
      ];
    case 'promote': {
      const analysis = (
        s.canary as
          | { currentStepAnalysisRunStatus?: { status?: string } }
          | undefined
      )?.currentStepAnalysisRunStatus;
      let status: Patch | undefined;
      if (
        r.spec.strategy?.canary &&
        analysis?.status === 'Inconclusive' &&
        hasConditions &&
        s.controllerPause
      ) {
        // An inconclusive step analysis paused it: promotion releases that too.
        if (steps?.length)
          status = {
            status: {
              pauseConditions: null,
              controllerPause: false,
              currentStepIndex: nextStep(),
            },
          };
      } else if (hasConditions) {
        status = { status: { pauseConditions: null } };
      } else if (steps?.length) {
        status = {
          status: { pauseConditions: null, currentStepIndex: nextStep() },
        };
      }
      return [...(status ? [status] : []), ...unpause];
    }
    case 'promote-full':
      return [
        ...(s.currentPodHash !== s.stableRS
          ? [{ status: { promoteFull: true } }]
          : []),
        ...unpause,
      ];
    case 'abort':
      return [{ status: { abort: true } }];
    case 'retry':
      return [{ status: { abort: false } }];
    default:
      return [];
  }
}
