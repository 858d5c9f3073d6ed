/** What crosses the wire between the FinOps backend and its UI. */

/** The resources OpenCost prices, as Portolan shows them. */
export const COST_RESOURCES = [
  'cpu',
  'memory',
  'storage',
  'network',
  'loadBalancer',
  'other',
] as const;
export type CostResource = (typeof COST_RESOURCES)[number];

/** A calendar day in UTC: `YYYY-MM-DD`. */
export type Day = string;

/** How fresh the data is, per cluster and overall. */
export interface CostFreshness {
  /** The last complete day ingested from every cluster (UTC), if any. */
  lastDay?: Day;
  status: 'ok' | 'stale' | 'never';
  /** Why the data is stale: the last ingestion error of a cluster. */
  reason?: string;
  clusters: Array<{
    cluster: string;
    lastDay?: Day;
    lastSuccessAt?: string;
    lastAttemptAt?: string;
    lastError?: string;
  }>;
}

export interface PeriodComparison {
  total: number;
  previous: number;
  change: number;
  /** Undefined when the previous period cost nothing. */
  changePercent?: number;
  from: Day;
  to: Day;
}

export interface DailyCost {
  day: Day;
  total: number;
  byEnvironment: Record<string, number>;
  byResource: Record<CostResource, number>;
}

/** Requested CPU and memory per day and environment (for explaining jumps). */
export interface DailyRequests {
  day: Day;
  environment: string;
  cpuCores: number;
  ramBytes: number;
}

export interface ForecastPoint {
  day: Day;
  value: number;
  low: number;
  high: number;
}

export interface MonthForecast {
  month: string;
  /** Month-to-date actual plus the forecast for the rest of the month. */
  monthEnd: number;
  low: number;
  high: number;
  /** Central probability of [low, high], e.g. 0.8. */
  interval: number;
  method: string;
  daily: ForecastPoint[];
}

export interface BudgetView {
  amount: number;
  currency: string;
  /** Where it comes from: set in Portolan, the entity's annotation, or its team's. */
  source: 'portolan' | 'annotation' | 'team';
  /** The team whose budget applies (source `team`). */
  teamRef?: string;
  setBy?: string;
  setAt?: string;
  /** The month-end forecast is above the budget. */
  forecastBreaks: boolean;
  /** Its upper bound is above the budget. */
  forecastMayBreak: boolean;
}

export interface EntityCostResponse {
  entityRef: string;
  currency: string;
  freshness: CostFreshness;
  /** The day the figures run to (inclusive): the last ingested day. */
  asOfDay?: Day;
  last30Days: PeriodComparison;
  monthToDate: {
    month: string;
    total: number;
    days: number;
    daysInMonth: number;
  };
  daily: DailyCost[];
  requests: DailyRequests[];
  environments: string[];
  forecast?: MonthForecast;
  budget?: BudgetView;
  /** A deploy changing an environment's daily cost by more than this (percent) is called out. */
  costJumpThresholdPercent?: number;
}

export interface RightsizingRow {
  entityRef?: string;
  environment: string;
  cluster: string;
  namespace: string;
  workload: string;
  cpu: { requested: number; used: number; recommended: number };
  memory: { requested: number; used: number; recommended: number };
  monthlyCost: number;
  monthlySaving: number;
}

export interface IdleEnvironment {
  entityRef?: string;
  environment: string;
  cluster: string;
  /** Mean CPU used / requested over the period. */
  cpuUtilisation: number;
  /** What it cost over the period. */
  cost: number;
  /** The weekend's share of it (nobody uses it then). */
  weekendCost: number;
  days: number;
}

export interface RightsizingResponse {
  currency: string;
  /** How recommendations are made, for the table's footnote. */
  method: { percentile: number; headroom: number; days: number };
  rows: RightsizingRow[];
  idle: IdleEnvironment[];
  totalMonthlySaving: number;
}

export interface ServiceCostSummary {
  entityRef: string;
  title?: string;
  ownerRef?: string;
  systemRef?: string;
  last30Days: number;
  previous30Days: number;
  change: number;
  changePercent?: number;
  budget?: { amount: number; source: BudgetView['source'] };
  /** Month-end forecast for services with a budget. */
  forecast?: number;
  forecastBreaks?: boolean;
}

export interface GroupCostSummary {
  ref: string;
  last30Days: number;
  previous30Days: number;
  change: number;
  changePercent?: number;
}

export interface UnallocatedWorkload {
  cluster: string;
  environment: string;
  namespace: string;
  workload: string;
  cost: number;
}

export interface TeamCostResponse {
  teamRef: string;
  currency: string;
  freshness: CostFreshness;
  asOfDay?: Day;
  last30Days: PeriodComparison;
  daily: Array<{ day: Day; total: number }>;
  forecast?: MonthForecast;
  budget?: { amount: number; currency: string; forecastBreaks: boolean };
  services: ServiceCostSummary[];
  bySystem: GroupCostSummary[];
  topMovers: ServiceCostSummary[];
}

export interface OrganisationCostResponse {
  currency: string;
  freshness: CostFreshness;
  asOfDay?: Day;
  last30Days: PeriodComparison;
  daily: Array<{
    day: Day;
    total: number;
    allocated: number;
    unallocated: number;
    idle: number;
  }>;
  forecast?: MonthForecast;
  byTeam: Array<
    GroupCostSummary & {
      budget?: number;
      forecast?: number;
      forecastBreaks?: boolean;
    }
  >;
  bySystem: GroupCostSummary[];
  services: ServiceCostSummary[];
  topMovers: ServiceCostSummary[];
  unallocated: { cost: number; workloads: UnallocatedWorkload[] };
  idle: {
    cost: number;
    byCluster: Array<{ cluster: string; environment: string; cost: number }>;
  };
  idleEnvironments: IdleEnvironment[];
}

export interface SetBudgetRequest {
  /** Monthly amount in the configured currency; null removes Portolan's budget. */
  amount: number | null;
}

export interface SetBudgetResponse {
  entityRef: string;
  budget?: BudgetView;
}
