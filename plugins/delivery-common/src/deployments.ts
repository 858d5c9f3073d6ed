import type { RolloutActionRecord } from './rollouts';

/**
 * How a deployment ended (or that it has not yet). `rolled-back` marks a
 * deploy that rolled back to an earlier state (a sync to a revision live
 * before, or a revert commit): it restored service. `canary-aborted`: Argo
 * CD synced it, and its canary was then aborted (by hand or by a failed
 * analysis). Decided once, when the deploy is first ingested.
 */
export type DeploymentResult =
  | 'succeeded'
  | 'failed'
  | 'rolled-back'
  | 'canary-aborted'
  | 'in-progress';

export const DEPLOYMENT_RESULTS: readonly DeploymentResult[] = [
  'succeeded',
  'failed',
  'rolled-back',
  'canary-aborted',
  'in-progress',
];

/** One deployment of one service to one environment. */
export interface Deployment {
  id: string;
  entityRef: string;
  environment: string;
  cluster?: string;
  instance: string;
  app: string;
  historyId: number;
  revision: string;
  previousRevision?: string;
  commit?: { author?: string; message?: string; date?: string };
  startedAt: string;
  finishedAt?: string;
  result: DeploymentResult;
  initiator?: string;
  /**
   * The commit in its forge: the backend builds it from the repository URL
   * and the SCM integrations it is configured with.
   */
  commitUrl?: string;
  /** The app in the Argo CD UI. */
  argoCdUrl?: string;
}

/**
 * Deploys started today and this (ISO) week, in the caller's time zone, and
 * in the last seven days (a figure that does not reset on Mondays).
 */
export interface DeploymentSummary {
  today: number;
  thisWeek: number;
  lastSevenDays: number;
  since: { today: string; thisWeek: string; lastSevenDays: string };
  /** The IANA time zone "today" and "this week" are counted in. */
  timeZone: string;
  lastIngestedAt?: string;
}

/** A page of a deployment timeline, newest first. */
export interface DeploymentTimelinePage {
  items: Deployment[];
  /** Opaque; pass back as `cursor` for the next page. */
  nextCursor?: string;
  /** Canary actions taken through Portolan in the same time window. */
  actions?: RolloutActionRecord[];
  /** When ingestion last succeeded for every instance (oldest of them). */
  lastIngestedAt?: string;
}

/**
 * Whether a commit message is a revert: git's own (`Revert "…"` with "This
 * reverts commit <sha>."), or a forge's revert pull request merged with
 * that title. Under GitOps a revert commit is the usual rollback.
 */
export function isRevertMessage(message: string | undefined): boolean {
  if (!message) return false;
  return (
    /^Revert "/.test(message.trimStart()) ||
    /This reverts commit [0-9a-f]{7,64}\b/i.test(message)
  );
}

/** The commit a revert undoes, when its message names it. */
export function revertedCommitOf(
  message: string | undefined,
): string | undefined {
  return message
    ? /This reverts commit ([0-9a-f]{7,64})\b/i
        .exec(message)?.[1]
        ?.toLowerCase()
    : undefined;
}
