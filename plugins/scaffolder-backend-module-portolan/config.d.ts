export interface Config {
  portolan?: {
    /**
     * The Git smart-HTTP server `portolan:git:publish` pushes new
     * repositories to (the sandbox Git in the embedded default). Production
     * uses publish:github / publish:bitbucket instead.
     */
    git?: {
      /** Base URL; a repository `name` is pushed to `<url>/<name>.git`. */
      url: string;
      username: string;
      /** @visibility secret */
      password: string;
    };
  };
}
