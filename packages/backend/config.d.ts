export interface Config {
  /** Portolan's own settings. */
  portolan?: {
    catalog?: {
      /**
       * Directories whose YAML files are registered in the catalog, one
       * Location per file. Relative paths resolve from the backend's
       * working directory.
       */
      directories?: string[];
    };
    signIn?: {
      github?: {
        /**
         * GitHub organisations whose active members may sign in with GitHub
         * (checked with the user's token at every sign-in, read:org scope);
         * required when auth.providers.github is configured. The user must
         * also exist in the catalog.
         */
        organizations?: string[];
      };
    };
    permissions?: {
      /**
       * Groups (entity refs, e.g. group:default/portolan-admins) whose
       * members may perform every write in the portal.
       */
      adminGroups?: string[];
      /**
       * Overrides of the policy's rule for a permission (see
       * packages/backend/src/permissions/permissionRules.ts), e.g.
       * `{ permission: logs.read, rule: owner }` so only a service's team
       * reads its logs.
       */
      rules?: Array<{
        permission: string;
        rule: 'everyone' | 'owner' | 'taskOwner' | 'admin' | 'nobody';
      }>;
    };
    rateLimit?: {
      /**
       * Rate limit of write routes (canary actions, template runs, catalog
       * registrations), per client address. Default: 60 per minute.
       */
      writes?: {
        window?: { minutes?: number; seconds?: number; hours?: number };
        limit?: number;
      };
    };
  };
}
