import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Promote, pause, resume, abort or retry a service's Argo Rollouts canary.
 * A `catalog-entity` resource permission, so the policy can make it
 * conditional on owning the entity.
 */
export const rolloutControlPermission = createPermission({
  name: 'delivery.rollout.control',
  attributes: { action: 'update' },
  resourceType: 'catalog-entity',
});

export const deliveryPermissions = [rolloutControlPermission];

/** The kubectl-argo-rollouts verbs Portolan offers. */
export type RolloutAction =
  | 'promote'
  | 'promote-full'
  | 'pause'
  | 'resume'
  | 'abort'
  | 'retry';

export const ROLLOUT_ACTIONS: readonly RolloutAction[] = [
  'promote',
  'promote-full',
  'pause',
  'resume',
  'abort',
  'retry',
];

export const ROLLOUT_ACTION_LABELS: Record<RolloutAction, string> = {
  promote: 'Promote',
  'promote-full': 'Promote full',
  pause: 'Pause',
  resume: 'Resume',
  abort: 'Abort',
  retry: 'Retry',
};

/** One canary step, as the UI lists it. */
export interface RolloutStep {
  index: number;
  kind: 'setWeight' | 'pause' | 'analysis' | 'other';
  /** "Set weight 20%", "Pause until promoted", "Pause 60s", "Analysis". */
  description: string;
}

export interface RolloutAnalysisRun {
  name: string;
  phase: string;
  message?: string;
  startedAt?: string;
  metrics: Array<{
    name: string;
    phase: string;
    successful: number;
    failed: number;
    /** The latest measurement's value, as the provider reported it. */
    lastValue?: string;
  }>;
}

/** The state of a Rollout that decides which actions make sense. */
export interface RolloutState {
  aborted: boolean;
  /** `spec.paused`: paused by a user. */
  paused: boolean;
  /** `status.pauseConditions` reasons (e.g. CanaryPauseStep). */
  pauseReasons: string[];
  currentStepIndex: number;
  stepCount: number;
  /** True while a new revision is rolling out (canary hash ≠ stable hash). */
  updating: boolean;
  strategy: 'canary' | 'blueGreen' | 'unknown';
}

export interface RolloutView extends RolloutState {
  cluster: string;
  environment?: string;
  namespace: string;
  name: string;
  /** The version the user saw; actions send it back (optimistic concurrency). */
  resourceVersion: string;
  phase: string;
  message?: string;
  steps: RolloutStep[];
  canaryWeight: number;
  stableWeight: number;
  replicas: {
    desired: number;
    updated: number;
    ready: number;
    available: number;
  };
  canaryImage?: string;
  stableImage?: string;
  canaryHash?: string;
  stableHash?: string;
  analysisRuns: RolloutAnalysisRun[];
  /** Which actions are valid now, and why not when they are not. */
  actions: Record<RolloutAction, { allowed: boolean; reason?: string }>;
}

export interface ServiceRolloutsResponse {
  entityRef: string;
  rollouts: RolloutView[];
  /** Clusters that did not answer; the other clusters' rollouts still show. */
  errors: Array<{ cluster: string; message: string }>;
  /** Whether the signed-in user may act on these rollouts. */
  canControl: boolean;
}

export interface RolloutActionRequest {
  cluster: string;
  namespace: string;
  name: string;
  action: RolloutAction;
  /** The `metadata.resourceVersion` the user saw. */
  resourceVersion: string;
}

export interface RolloutActionResponse {
  rollout: RolloutView;
  record: RolloutActionRecord;
}

/** An audited canary action, as it appears in the timeline. */
export interface RolloutActionRecord {
  id: string;
  entityRef: string;
  environment?: string;
  cluster: string;
  namespace: string;
  rollout: string;
  action: RolloutAction;
  actor: string;
  at: string;
  stepBefore: number;
  stepAfter: number;
  phaseBefore: string;
  phaseAfter: string;
}

/**
 * Not allowed, for the reason of the first blocker that holds (in the order
 * given); allowed when none does.
 */
function unless(...blockers: Array<[blocked: boolean, reason: string]>): {
  allowed: boolean;
  reason?: string;
} {
  const blocker = blockers.find(([blocked]) => blocked);
  return blocker ? { allowed: false, reason: blocker[1] } : { allowed: true };
}

/**
 * Whether an action is valid in a state, following what the Rollouts
 * controller will do with the patch (../shared/specs/README.md):
 * nothing to promote, abort or pause once the rollout is complete, no
 * promote on an aborted rollout, retry only after an abort.
 */
export function rolloutActionAvailability(
  s: RolloutState,
): Record<RolloutAction, { allowed: boolean; reason?: string }> {
  const canary = s.strategy === 'canary';
  const pausedNow = s.paused || s.pauseReasons.length > 0;
  const idle = 'No update is rolling out';
  const abortedReason = 'The rollout was aborted; retry it first';
  return {
    promote: unless(
      [s.aborted, abortedReason],
      [!s.updating, idle],
      [!canary, 'Only canary rollouts have steps'],
    ),
    'promote-full': unless([s.aborted, abortedReason], [!s.updating, idle]),
    pause: unless(
      [s.aborted, 'The rollout was aborted'],
      [!s.updating, idle],
      [s.paused, 'Already paused'],
    ),
    resume: unless([s.aborted, abortedReason], [!pausedNow, 'Not paused']),
    abort: unless([s.aborted, 'Already aborted'], [!s.updating, idle]),
    retry: unless([!s.aborted, 'Only an aborted rollout can be retried']),
  };
}
