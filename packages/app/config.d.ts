export interface Config {
  portolan?: {
    /**
     * Set when the portal talks to the local sandbox, so every page labels
     * its data as sandbox data.
     */
    sandbox?: {
      /** @visibility frontend */
      enabled?: boolean;
    };
    signIn?: {
      /**
       * Sign-in providers offered on the sign-in page, in order:
       * `guest` and `sandbox` (embedded default only), `github`, `oidc`.
       * @visibility frontend
       */
      providers?: Array<'guest' | 'github' | 'oidc' | 'sandbox'>;
      /**
       * Users offered on the sandbox "sign in as" card.
       * @deepVisibility frontend
       */
      sandboxUsers?: Array<{ name: string; title?: string }>;
    };
  };
}
