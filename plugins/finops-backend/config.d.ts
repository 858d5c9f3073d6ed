import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import { HumanDuration } from '@backstage/types';

export interface Config {
  finops?: {
    /**
     * ISO 4217 currency OpenCost reports in; budgets are in it too.
     * Default: USD.
     * @visibility frontend
     */
    currency?: string;
    opencost?: {
      /**
       * One OpenCost per cluster (its allocation API, e.g.
       * http://opencost.opencost:9003). `name` is the cluster's name: the
       * name of its `kubernetes-cluster` Resource, whose
       * `portolan.dev/environment` annotation gives the environment.
       */
      clusters?: Array<{
        name: string;
        url: string;
        /** Used when the catalog has no Resource for the cluster. */
        environment?: string;
      }>;
      /** Timeout of one OpenCost call. Default: 30 seconds. */
      timeout?: HumanDuration | string;
    };
    /** Days fetched on first start. Default: 90. */
    backfillDays?: number;
    /** Days per OpenCost call during a backfill (at most one call per day). Default: 15. */
    daysPerCall?: number;
    /** When ingestion runs. Default: hourly, 10 min timeout, 15 s after start. */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
    rightsizing?: {
      /** Percentile of daily usage recommended requests start from. Default: 95. */
      percentile?: number;
      /** Headroom on top of it, as a fraction. Default: 0.2. */
      headroom?: number;
      /** Days of usage looked at. Default: 14. */
      days?: number;
    };
    /** A deploy that changes an environment's daily cost by more than this (percent) is called out. Default: 25. */
    costJumpThresholdPercent?: number;
  };
}
