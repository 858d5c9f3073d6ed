import { Client, errors, estypes } from '@elastic/elasticsearch';
import { InputError, ServiceUnavailableError } from '@backstage/errors';
import { LogClusterConfig } from '../config/readLogsConfig';

/** What the client sends, counted per cluster (tests and the benchmark read it). */
export interface LogClusterRequestCounts {
  search: number;
  openPointInTime: number;
  closePointInTime: number;
  fieldCaps: number;
}

/** A search body without the index (the client takes it apart), as `client.search` accepts it. */
export type SearchBody = Omit<estypes.SearchRequest, 'index'>;

/** The position a query error names, when Elasticsearch gives one ("line 1, column 7"). */
function describeRefusal(cause: estypes.ErrorCause | undefined): string {
  const parts: string[] = [];
  let c: estypes.ErrorCause | undefined = cause;
  // The innermost reason is the plain one ("For input string", "Encountered ... at column 7").
  while (c) {
    if (c.reason) parts.push(String(c.reason));
    c = c.caused_by;
  }
  return parts.length ? parts[parts.length - 1] : 'no reason given';
}

/**
 * The cluster refused the portal's own credentials: a configuration
 * problem, answered as 503 (a 401 would tell the browser its user is
 * signed out).
 */
export class LogClusterAuthError extends ServiceUnavailableError {}

/**
 * One Elasticsearch cluster, through the official client: a timeout on
 * every call, no retries (a slow cluster answers within the timeout, with
 * an error naming it), and errors that name the cluster but carry no URL
 * or credential.
 */
export class LogClusterClient {
  readonly requests: LogClusterRequestCounts = {
    search: 0,
    openPointInTime: 0,
    closePointInTime: 0,
    fieldCaps: 0,
  };
  private readonly client: Client;

  constructor(readonly config: LogClusterConfig) {
    this.client = new Client({
      node: config.url,
      auth: config.auth,
      tls: config.ca ? { ca: config.ca } : undefined,
      requestTimeout: config.timeoutMs,
      maxRetries: 0,
      name: config.name,
    });
  }

  get name(): string {
    return this.config.name;
  }

  async search(
    index: string | undefined,
    body: SearchBody,
  ): Promise<estypes.SearchResponse<Record<string, unknown>>> {
    this.requests.search++;
    return this.call(() =>
      this.client.search<Record<string, unknown>>({
        ...(index ? { index } : {}),
        ...body,
      }),
    );
  }

  async openPointInTime(index: string, keepAlive: string): Promise<string> {
    this.requests.openPointInTime++;
    const res = await this.call(() =>
      this.client.openPointInTime({ index, keep_alive: keepAlive }),
    );
    return res.id;
  }

  async closePointInTime(id: string): Promise<void> {
    this.requests.closePointInTime++;
    await this.call(() => this.client.closePointInTime({ id })).catch(
      () => undefined,
    );
  }

  async fieldCaps(index: string): Promise<estypes.FieldCapsResponse> {
    this.requests.fieldCaps++;
    return this.call(() => this.client.fieldCaps({ index, fields: '*' }));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Runs a call, turning the client's errors into ones that say which cluster and why. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw this.translate(e);
    }
  }

  private translate(e: unknown): Error {
    const cluster = `Elasticsearch cluster '${this.name}'`;
    if (e instanceof errors.ResponseError) {
      const status = e.meta.statusCode ?? 0;
      const body = e.meta.body as estypes.ErrorResponseBase | undefined;
      const type = body?.error?.type;
      if (status === 401 || status === 403) {
        return new LogClusterAuthError(
          `${cluster} refused the portal's credentials (${status} ${
            type ?? 'security_exception'
          }): check logs.clusters' apiKey or username/password for '${
            this.name
          }'`,
        );
      }
      if (status === 404 && type === 'search_context_missing_exception') {
        return new InputError(
          `Invalid parameter 'cursor': the result set expired on ${cluster}; search again`,
        );
      }
      if (status === 404 && type === 'index_not_found_exception') {
        return new InputError(
          `${cluster} has no index matching the service's log index pattern (${describeRefusal(
            body?.error,
          )})`,
        );
      }
      if (status === 400) {
        return new InputError(
          `${cluster} refused the query: ${describeRefusal(body?.error)}`,
        );
      }
      return new ServiceUnavailableError(
        `${cluster} failed (${status} ${type ?? 'error'}): ${describeRefusal(
          body?.error,
        )}`,
      );
    }
    if (e instanceof errors.TimeoutError) {
      return new ServiceUnavailableError(
        `${cluster} did not answer within ${this.config.timeoutMs / 1000} s`,
      );
    }
    if (e instanceof errors.ProductNotSupportedError) {
      return new ServiceUnavailableError(
        `${cluster} is not Elasticsearch (the answer lacks the x-elastic-product header)`,
      );
    }
    if (e instanceof errors.ConnectionError) {
      const code =
        /ECONNREFUSED|ENOTFOUND|ECONNRESET|EHOSTUNREACH|ETIMEDOUT|CERT|certificate|self[- ]signed/i.exec(
          String(e.message),
        )?.[0];
      return new ServiceUnavailableError(
        `${cluster} is unreachable${code ? ` (${code})` : ''}`,
      );
    }
    if (e instanceof errors.ElasticsearchClientError) {
      return new ServiceUnavailableError(`${cluster} failed: ${e.name}`);
    }
    return e as Error;
  }
}
