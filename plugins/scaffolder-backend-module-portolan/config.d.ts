export interface Config {
  portolan?: {
    /**
     * The Git smart-HTTP server `portolan:git:publish` pushes new
     * repositories to (the sandbox Git in the embedded default). Production
     * uses publish:github / publish:bitbucket instead. Argo CD apps created
     * by `argocd:app:create` may only deploy repositories under `url`, and
     * `portolan:catalog:register` only registers files from its host.
     */
    git?: {
      /** Base URL; a repository `name` is pushed to `<url>/<name>.git`. */
      url: string;
      username: string;
      /** @visibility secret */
      password: string;
    };
    /** Git onboarding (software templates) rules. */
    onboarding?: {
      /**
       * Environments where only members of the service's owning group or of
       * an admin group (`portolan.permissions.adminGroups`) may add a
       * service or an Argo CD app, whatever else the permission policy
       * allows. Default: [prod].
       */
      protectedEnvironments?: string[];
      /**
       * Sync policy of the Argo CD apps Git onboarding creates, per
       * environment name. An environment not listed gets automated sync
       * with prune and self-heal, unless it is protected: then it syncs by
       * hand. Templates cannot choose it.
       */
      syncPolicy?: {
        [environment: string]: {
          automated: boolean;
          /** With automated: delete what the repository no longer has. Default false. */
          prune?: boolean;
          /** With automated: undo changes made in the cluster. Default false. */
          selfHeal?: boolean;
        };
      };
    };
  };
}
