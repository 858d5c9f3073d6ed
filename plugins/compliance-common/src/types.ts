import type { CheckGroup } from './checks';

/**
 * A check's outcome for one service. `waived`: failing, under an approved
 * waiver (it does not count as passed); `unknown`: its source could not
 * be read (the reason says why), never counted as a failure.
 */
export type CheckStatus = 'pass' | 'fail' | 'waived' | 'unknown';

export const CHECK_STATUSES: readonly CheckStatus[] = [
  'pass',
  'fail',
  'waived',
  'unknown',
];

/** A fact a result rests on and where it came from. */
export interface Evidence {
  /** e.g. `catalog`, `argocd:prod-argocd`, `kubernetes:prod-eu`, `delivery`. */
  source: string;
  /** The fact in plain words. */
  fact: string;
}

export interface CheckResult {
  checkId: string;
  status: CheckStatus;
  /** Why, in plain words. */
  reason: string;
  evidence: Evidence[];
}

export interface CheckResultView extends CheckResult {
  title: string;
  group: CheckGroup;
  fix: string;
  controls: string[];
  /** When the check last changed to this status. */
  since: string;
  waiver?: Waiver;
  /** A waiver asked for and not yet decided. */
  pendingWaiver?: Waiver;
}

export type WaiverStatus = 'pending' | 'approved' | 'rejected' | 'expired';

export interface Waiver {
  id: string;
  entityRef: string;
  checkId: string;
  reason: string;
  expiresAt: string;
  status: WaiverStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

export interface StatusCounts {
  pass: number;
  fail: number;
  waived: number;
  unknown: number;
}

/** A service's compliance: level, score and each check. */
export interface ServiceCompliance {
  entityRef: string;
  title?: string;
  owner?: string;
  system?: string;
  lifecycle?: string;
  /** Share of decided checks that pass, 0–100 (waived and unknown excluded); null: nothing decided. */
  score: number | null;
  level: string;
  counts: StatusCounts;
  evaluatedAt?: string;
  checks: CheckResultView[];
  /** Weekly score, oldest first, up to 52 weeks. */
  history: Array<{ week: string; score: number | null; level: string }>;
}

/** KPIs of a set of services at one point in time. */
export interface KpiSnapshot {
  /** Monday (UTC) of the ISO week, YYYY-MM-DD. */
  week: string;
  services: number;
  averageScore: number | null;
  levels: Record<string, number>;
  counts: StatusCounts;
  /** Per check: how many services pass, fail, are waived or unknown. */
  checks: Record<string, StatusCounts>;
}

export interface ComplianceSummary {
  /** `organisation` or a group ref. */
  scope: string;
  current: KpiSnapshot;
  /** Weekly KPIs, oldest first (stored snapshots, up to 52 weeks). */
  trend: KpiSnapshot[];
  worstOffenders: Array<{
    entityRef: string;
    title?: string;
    owner?: string;
    score: number | null;
    level: string;
    failing: string[];
    unknown: number;
  }>;
  /** Checks by how many services fail them, most first. */
  checks: Array<{
    checkId: string;
    title: string;
    group: CheckGroup;
    passShare: number | null;
    counts: StatusCounts;
  }>;
  /** Teams and their current KPIs (organisation scope only). */
  teams?: Array<{
    team: string;
    services: number;
    averageScore: number | null;
    levels: Record<string, number>;
  }>;
  levelNames: string[];
  evaluatedAt?: string;
}
