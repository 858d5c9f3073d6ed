import { z } from 'zod';
import { ArgoCdInstanceConfig } from './ArgoCdConfig';
import {
  ArgoCdApplication,
  ArgoCdApplicationTree,
  ArgoCdRevisionMetadata,
  applicationListSchema,
  applicationSchema,
  applicationTreeSchema,
  projectSchema,
  revisionMetadataSchema,
  runtimeErrorSchema,
} from './types';

/**
 * An Argo CD call that failed. The message names the instance and why, and
 * may reach users: it never carries the instance's URL, a token, or any URL
 * from Argo CD's own message (which can name internal cluster servers).
 */
export class ArgoCdError extends Error {
  readonly name = 'ArgoCdError';
  constructor(
    readonly instance: string,
    readonly reason:
      | 'unreachable'
      | 'timeout'
      | 'unauthenticated'
      | 'forbidden'
      | 'not-found'
      | 'upstream'
      | 'invalid-response',
    message: string,
    readonly status?: number,
    /** Argo CD's gRPC status code, when it answered with one. */
    readonly grpcCode?: number,
  ) {
    super(`Argo CD instance ${instance}: ${redactUrls(message)}`);
  }
}

/** URLs in upstream text become `<url>`: they may name internal servers or carry credentials. */
function redactUrls(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '<url>');
}

/** What Portolan sends to create an application. */
export interface ArgoCdApplicationSpecInput {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
  };
  spec: {
    project: string;
    source: { repoURL: string; path: string; targetRevision: string };
    destination: { server?: string; name?: string; namespace: string };
    syncPolicy?: Record<string, unknown>;
  };
}

export interface ArgoCdClientOptions {
  /** Per-call timeout. Default 5 s: cards must say what failed within 5 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A typed client for the Argo CD REST API, one instance per configured
 * Argo CD. Every call has a timeout; every failure names the instance;
 * session tokens are cached and renewed once on a 401.
 */
export class ArgoCdClient {
  private sessionToken?: Promise<string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  /** Calls made, by kind: benchmarks and tests assert "no N+1". */
  readonly calls = {
    list: 0,
    get: 0,
    tree: 0,
    metadata: 0,
    session: 0,
    write: 0,
  };

  constructor(
    readonly instance: ArgoCdInstanceConfig,
    options: ArgoCdClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  get name(): string {
    return this.instance.name;
  }

  /** Link to an app in the Argo CD UI. */
  appUrl(app: string): string {
    return `${this.instance.url}/applications/${encodeURIComponent(app)}`;
  }

  /** All applications, or those matching a label selector: one call. */
  async listApplications(
    options: { selector?: string } = {},
  ): Promise<ArgoCdApplication[]> {
    this.calls.list++;
    const query = options.selector
      ? `?selector=${encodeURIComponent(options.selector)}`
      : '';
    const body = await this.request('GET', `/api/v1/applications${query}`);
    return this.parse(applicationListSchema, body).items ?? [];
  }

  /**
   * One application, or undefined when Argo CD has none by that name (or,
   * as Argo CD will not say which, none this account may read). Since 3.0
   * its status.resources carry health only as Get infers it from the tree.
   */
  async getApplication(
    name: string,
    options: { project?: string } = {},
  ): Promise<ArgoCdApplication | undefined> {
    this.calls.get++;
    return this.unlessMissing(async () =>
      this.parse(
        applicationSchema,
        await this.request('GET', this.appPath(name, '', options.project)),
      ),
    );
  }

  /**
   * The live objects of an application with their health (where Argo CD
   * 3.x keeps per-resource health), or undefined as for getApplication.
   */
  async getResourceTree(
    app: string,
    options: { project?: string } = {},
  ): Promise<ArgoCdApplicationTree | undefined> {
    this.calls.tree++;
    return this.unlessMissing(async () =>
      this.parse(
        applicationTreeSchema,
        await this.request(
          'GET',
          this.appPath(app, '/resource-tree', options.project),
        ),
      ),
    );
  }

  /** Creates an application; Argo CD refuses a different spec under an existing name. */
  async createApplication(
    app: ArgoCdApplicationSpecInput,
  ): Promise<ArgoCdApplication> {
    this.calls.write++;
    return this.parse(
      applicationSchema,
      await this.request('POST', '/api/v1/applications', app),
    );
  }

  /** One project, or undefined when there is none by that name. */
  async getProject(
    name: string,
  ): Promise<{ metadata: { name: string } } | undefined> {
    this.calls.get++;
    return this.unlessMissing(async () =>
      this.parse(
        projectSchema,
        await this.request(
          'GET',
          `/api/v1/projects/${encodeURIComponent(name)}`,
        ),
      ),
    );
  }

  async createProject(project: {
    metadata: { name: string };
    spec: Record<string, unknown>;
  }) {
    this.calls.write++;
    return this.parse(
      projectSchema,
      await this.request('POST', '/api/v1/projects', { project }),
    );
  }

  /** Replaces a project's spec; Argo CD refuses it if the project changed since `metadata.resourceVersion`. */
  async updateProject(project: {
    metadata: { name: string; resourceVersion?: string };
    spec: Record<string, unknown>;
  }) {
    this.calls.write++;
    const path = `/api/v1/projects/${encodeURIComponent(
      project.metadata.name,
    )}`;
    return this.parse(
      projectSchema,
      await this.request('PUT', path, { project }),
    );
  }

  /** Commit author, date and message of a revision of an app's source. */
  async getRevisionMetadata(
    app: string,
    revision: string,
  ): Promise<ArgoCdRevisionMetadata> {
    this.calls.metadata++;
    const body = await this.request(
      'GET',
      `/api/v1/applications/${encodeURIComponent(
        app,
      )}/revisions/${encodeURIComponent(revision)}/metadata`,
    );
    return this.parse(revisionMetadataSchema, body);
  }

  private appPath(name: string, suffix: string, project?: string): string {
    const query = project ? `?project=${encodeURIComponent(project)}` : '';
    return `/api/v1/applications/${encodeURIComponent(name)}${suffix}${query}`;
  }

  /**
   * Undefined for what does not exist: NotFound, or PermissionDenied, which
   * Argo CD answers for a missing app rather than disclose existence
   * (server/application getAppEnforceRBAC).
   */
  private async unlessMissing<T>(
    read: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (
        error instanceof ArgoCdError &&
        (error.reason === 'not-found' || error.reason === 'forbidden')
      )
        return undefined;
      throw error;
    }
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown): T {
    const result = schema.safeParse(body);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new ArgoCdError(
        this.name,
        'invalid-response',
        `unexpected response (${issue.path.join('.') || 'body'}: ${
          issue.message
        })`,
      );
    }
    return result.data;
  }

  private async token(forceRenew = false): Promise<string> {
    if (this.instance.token) return this.instance.token;
    if (!this.sessionToken || forceRenew) {
      this.calls.session++;
      this.sessionToken = this.send('POST', '/api/v1/session', undefined, {
        username: this.instance.username,
        password: this.instance.password,
      }).then(async res => {
        if (!res.ok) {
          throw await this.errorFrom(res, 'signing in');
        }
        const token = (await res.json())?.token;
        if (typeof token !== 'string' || !token) {
          throw new ArgoCdError(
            this.name,
            'invalid-response',
            'session answer had no token',
          );
        }
        return token;
      });
      this.sessionToken.catch(() => {
        this.sessionToken = undefined;
      });
    }
    return this.sessionToken;
  }

  private async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<unknown> {
    let res = await this.send(method, path, await this.token(), body);
    if (res.status === 401 && !this.instance.token) {
      res = await this.send(method, path, await this.token(true), body);
    }
    if (!res.ok) {
      throw await this.errorFrom(res, `${method} ${path.split('?')[0]}`);
    }
    try {
      return await res.json();
    } catch {
      throw new ArgoCdError(
        this.name,
        'invalid-response',
        'answer was not JSON',
      );
    }
  }

  private async send(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ) {
    try {
      return await this.fetchImpl(`${this.instance.url}${path}`, {
        method,
        headers: {
          Accept: 'application/json',
          ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new ArgoCdError(
          this.name,
          'timeout',
          `no answer within ${this.timeoutMs / 1000} s`,
        );
      }
      // The code (ECONNREFUSED, CERT_HAS_EXPIRED, ...) says why; the URL
      // stays out of a message users may see.
      const code = e.cause?.code ? ` (${e.cause.code})` : '';
      throw new ArgoCdError(this.name, 'unreachable', `unreachable${code}`);
    }
  }

  private async errorFrom(res: Response, what: string): Promise<ArgoCdError> {
    let body: z.infer<typeof runtimeErrorSchema> = {};
    try {
      const parsed = runtimeErrorSchema.safeParse(await res.json());
      if (parsed.success) body = parsed.data;
    } catch {
      // not JSON
    }
    const detail = body.message || body.error || '';
    const withDetail = `${res.status}${detail ? `: ${detail}` : ''}`;
    if (res.status === 401) {
      return new ArgoCdError(
        this.name,
        'unauthenticated',
        `authentication failed while ${what} (${withDetail}); check the instance's token or password`,
        res.status,
        body.code,
      );
    }
    if (res.status === 403) {
      return new ArgoCdError(
        this.name,
        'forbidden',
        `permission denied while ${what} (${withDetail}): it does not exist, or the instance's account may not do this`,
        res.status,
        body.code,
      );
    }
    if (res.status === 404) {
      return new ArgoCdError(
        this.name,
        'not-found',
        detail || `${what}: not found`,
        404,
        body.code,
      );
    }
    return new ArgoCdError(
      this.name,
      'upstream',
      `${what} answered ${withDetail}`,
      res.status,
      body.code,
    );
  }
}
