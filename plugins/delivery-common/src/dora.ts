/** DORA metrics for one ISO week (Monday 00:00 UTC). */
export interface DoraWeek {
  weekStart: string;
  deployments: number;
  /** Median commit → deployed, seconds; absent without data. */
  leadTimeSeconds?: number;
  /** Failed, rolled back or aborted share of finished deploys, 0..1. */
  changeFailureRate?: number;
  /** Median failed deploy → next success in the same app, seconds. */
  timeToRestoreSeconds?: number;
}

export interface DoraMetrics {
  /** What the figures cover: an entity ref or a group ref. */
  subject: string;
  environment: string;
  weeks: DoraWeek[];
  /** The same figures over the whole window. */
  total: Omit<DoraWeek, 'weekStart'>;
}
