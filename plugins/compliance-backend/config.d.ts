export interface Config {
  /** Compliance checks, levels and waivers (README, Compliance). */
  compliance?: {
    /** How often facts are gathered and checks evaluated (a task schedule). */
    schedule?: {
      frequency: { minutes?: number; hours?: number } | string;
      timeout: { minutes?: number; seconds?: number } | string;
      initialDelay?: { minutes?: number; seconds?: number } | string;
    };
    /**
     * Per check, nested by its id (`kubernetes.prod-replicas` is
     * checks.kubernetes.prod-replicas): off, its threshold, and the
     * lifecycles it applies to.
     */
    checks?: {
      [group: string]: {
        [name: string]: {
          enabled?: boolean;
          threshold?: number;
          /** Lifecycles (spec.lifecycle) the check applies to; default all. */
          lifecycles?: string[];
        };
      };
    };
    /** Levels by minimum score (0–100), best first. */
    levels?: Array<{ name: string; minScore: number }>;
    /** Registries images may come from (host, or host/path prefix). */
    allowedRegistries?: string[];
    /** The environment whose workloads the prod checks read. Default `prod`. */
    prodEnvironment?: string;
    waivers?: {
      /** The longest a waiver may run, in days. Default 90. */
      maxDays?: number;
      /**
       * Groups whose members approve or reject waivers (never their own),
       * e.g. `group:default/security`. Default: the admin groups
       * (portolan.permissions.adminGroups). Set, it must name at least one
       * Group; a bad entry stops start-up naming it.
       */
      approverGroups?: string[];
    };
    /** Per upstream call, in milliseconds. Default 10000. */
    timeoutMs?: number;
  };
}
