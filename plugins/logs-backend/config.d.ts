import { HumanDuration } from '@backstage/types';

export interface Config {
  logs?: {
    /**
     * Elasticsearch clusters holding logs, by name (services pick one with
     * the `portolan.dev/logs-cluster` annotation; default: the first).
     */
    clusters?: Array<{
      /** Lower-case name, shown in errors and the UI. */
      name: string;
      /** Base URL. https, except to this machine (localhost, 127.0.0.0/8, ::1). */
      url: string;
      /**
       * An API key, `base64(id:api_key)` as Elasticsearch's create-API-key answer's `encoded`.
       * @visibility secret
       */
      apiKey?: string;
      /** Basic auth user, instead of an API key. */
      username?: string;
      /**
       * @visibility secret
       */
      password?: string;
      /** PEM of the CA that signed the cluster's certificate, base64-encoded. */
      caData?: string;
      /** Path of a PEM file with that CA. */
      caFile?: string;
      /** Default index pattern of services' logs. Default `logs-*`. */
      index?: string;
      /** Field names, when the logs do not follow the Elastic Common Schema. */
      fields?: {
        timestamp?: string;
        message?: string;
        level?: string;
        service?: string;
        environment?: string;
        namespace?: string;
        pod?: string;
        traceId?: string;
      };
      /** How long a request may take before the cluster counts as down. Default 4 s. */
      timeout?: HumanDuration | string;
      /** Kibana in front of this cluster, for "Open in Kibana". */
      kibana?: {
        /** Kibana's base URL, e.g. https://kibana.example.com (with the space path if any). */
        url: string;
        /** The Discover data view of the logs (its id); default: Kibana's default data view. */
        dataViewId?: string;
      };
    }>;
    /** Secrets masked in every line before it leaves the backend, besides the built-in ones. */
    redaction?: {
      /** JavaScript regular expressions; every match becomes `[REDACTED]`. */
      patterns?: string[];
    };
    /** Most lines one export returns (default 10,000; at most 100,000). */
    exportLimit?: number;
    /**
     * Key signing result cursors; set the same value on every replica.
     * Default: a random key made at start (cursors then last until restart).
     * @visibility secret
     */
    cursorSecret?: string;
  };
}
