/**
 * What the FinOps plugin's actions return (actions registry and MCP): the
 * backend's output schemas are typed against these, and readers such as the
 * assistant's offline brief read them through these types.
 */

/** A deploy after which an environment's daily cost moved past the threshold. */
export interface CostJumpView {
  environment: string;
  day: string;
  revision: string;
  before: number;
  after: number;
  changePercent: number;
  message?: string;
}

/** The output of `finops:get-service-cost`. */
export interface ServiceCostActionOutput {
  entityRef: string;
  currency: string;
  /** The last complete day the figures run to (UTC). */
  asOfDay?: string;
  freshness: string;
  last30Days: {
    total: number;
    previous: number;
    changePercent?: number;
    byEnvironment: Record<string, number>;
  };
  monthToDate: {
    month: string;
    total: number;
    days: number;
    daysInMonth: number;
  };
  forecast?: { month: string; monthEnd: number; low: number; high: number };
  budget?: {
    amount: number;
    source: string;
    forecastBreaks: boolean;
    forecastMayBreak: boolean;
  };
  /** At most 5, largest first. */
  costJumps: CostJumpView[];
  costJumpThresholdPercent: number;
  deployLookupError?: string;
  costsTabUrl: string;
}
