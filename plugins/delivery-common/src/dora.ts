/** The four DORA figures over some span of time. */
export interface DoraFigures {
  /** Deploys of changes started in the span (rollbacks are not changes). */
  deployments: number;
  /** Deploys that restored an earlier state: a sync to an earlier revision, or a revert commit. */
  rollbacks: number;
  /** Change failures among the finished deploys of changes. */
  changeFailures: number;
  /** Median commit → deployed, seconds, of changes deployed successfully; absent without data. */
  leadTimeSeconds?: number;
  /** changeFailures over finished deploys of changes, 0..1; absent when none finished. */
  changeFailureRate?: number;
  /** Median failing deploy → deploy that restored service, seconds, for the failures of the span. */
  timeToRestoreSeconds?: number;
}

/** DORA figures for one week, Monday 00:00 in the requested time zone. */
export interface DoraWeek extends DoraFigures {
  weekStart: string;
}

export interface DoraMetrics {
  /** What the figures cover: an entity ref or a group ref. */
  subject: string;
  environment: string;
  /** The IANA time zone weeks start in (Monday 00:00 there). */
  timeZone: string;
  /**
   * Full weeks, oldest first: the trend. The week in progress is never one
   * of them (on a Monday it would read as a bad week).
   */
  weeks: DoraWeek[];
  /** The same figures over those full weeks, and deploys per week. */
  total: DoraFigures & { deploymentsPerWeek: number };
  /** The week in progress so far: shown as such, never part of a trend. */
  weekInProgress: DoraWeek;
}

/**
 * What each figure means, as DORA (dora.dev) defines the four keys, applied
 * to GitOps deploys from Argo CD history. One text for the tiles' tooltips,
 * the API and the README.
 */
export const DORA_DEFINITIONS = {
  deploymentFrequency:
    'How often changes reach the environment: deploys of changes per week, over full weeks only (the week in progress is not a trend). A rollback is not a change and is not counted.',
  leadTime:
    'Change lead time: median time from the commit to its successful deploy.',
  changeFailureRate:
    'Change fail rate: share of finished deploys of changes that failed, whose canary was aborted or failed analysis, or that were followed by a rollback or revert deploy in the same environment.',
  timeToRestore:
    'Failed deployment recovery time: median time from a failing deploy to the deploy that restored service (the rollback or revert, or the next good deploy). A rollback is the restore, not a failure.',
} as const;
