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
    };
  };
}
