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
       * `guest` (embedded default only) or `github`.
       * @visibility frontend
       */
      providers?: Array<'guest' | 'github'>;
    };
  };
}
