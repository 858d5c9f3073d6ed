export interface Config {
  portolan?: {
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
