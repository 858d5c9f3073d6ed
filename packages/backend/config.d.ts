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
    permissions?: {
      /**
       * Groups (entity refs, e.g. group:default/portolan-admins) whose
       * members may perform every write in the portal.
       */
      adminGroups?: string[];
    };
  };
}
