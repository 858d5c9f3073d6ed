import express, { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { Clock } from '../world/clock';
import {
  AGGREGATED_DISCOVERY,
  aggregatedDiscovery,
  apiGroupList,
  apiResourceList,
  apiVersions,
  wantsAggregated,
} from './discovery';
import { KubernetesStore } from './KubernetesStore';
import { decodeSelfSubjectAccessReview } from './protobuf';
import {
  RESOURCE_TYPES,
  Obj,
  ResourceType,
  VIRTUAL_RESOURCES,
} from './resources';
import { StatusError } from './StatusError';
import { IncludeObject, negotiate, toTable } from './table';

export interface KubernetesApiServerOptions {
  cluster: string;
  token: string;
  store: KubernetesStore;
  clock: Clock;
  podLog(pod: Obj): string[];
  /** A client wrote through the API: the controller's watch would see it. */
  onWrite?(type: ResourceType, obj: Obj): void;
}

const ssarSchema = z.object({
  apiVersion: z.literal('authorization.k8s.io/v1').optional(),
  kind: z.literal('SelfSubjectAccessReview').optional(),
  spec: z
    .object({
      resourceAttributes: z
        .object({
          namespace: z.string().optional(),
          verb: z.string().optional(),
          group: z.string().optional(),
          version: z.string().optional(),
          resource: z.string().optional(),
          subresource: z.string().optional(),
          name: z.string().optional(),
        })
        .optional(),
      nonResourceAttributes: z
        .object({ path: z.string().optional(), verb: z.string().optional() })
        .optional(),
    })
    .refine(s => !!s.resourceAttributes !== !!s.nonResourceAttributes, {
      message:
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
    }),
});

const PUBLIC_PATHS = new Set(['/version', '/healthz', '/livez', '/readyz']);
const MERGE_PATCH = 'application/merge-patch+json';
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * The HTTP face of one cluster's API server: bearer-token authentication,
 * discovery (legacy and aggregated), server-side Tables, list/get/create
 * and merge-patch on resources and their status subresource, pod logs,
 * SelfSubjectAccessReview, and `Status` objects for every failure. It
 * stores what clients send and answers at once; controllers react later.
 *
 * Not served: /openapi/v2 and /v3 (404, as a server with OpenAPI disabled
 * answers). kubectl get, describe, patch, logs and auth can-i never ask for
 * them (checked with kubectl 1.32 -v=6); `kubectl explain` and client-side
 * apply validation would. Nor watch, update (PUT), delete, JSON patch or
 * strategic merge patch: the stand-in answers 405 / 415 for those.
 */
export class KubernetesApiServer {
  constructor(private readonly options: KubernetesApiServerOptions) {}

  router(): express.Express {
    const { store, token } = this.options;
    const app = express();
    app.disable('x-powered-by');
    app.disable('etag');
    app.use(
      express.json({
        // application/json stays accepted on PATCH for clients that send
        // merge patches with it (some proxies do); see patch() below.
        type: ['application/json', MERGE_PATCH, 'application/*+json'],
        limit: '3mb',
      }),
    );
    app.use((req, _res, next) => {
      // As system:public-info-viewer allows: version and health without credentials.
      if (PUBLIC_PATHS.has(req.path)) return next();
      if (req.headers.authorization !== `Bearer ${token}`) {
        return next(new StatusError(401, 'Unauthorized', 'Unauthorized'));
      }
      return next();
    });

    app.get('/version', (_req, res) =>
      res.json({
        major: '1',
        minor: '32',
        gitVersion: 'v1.32.0-portolan-sandbox',
        gitCommit: '0000000000000000000000000000000000000000',
        gitTreeState: 'clean',
        buildDate: '2026-01-01T00:00:00Z',
        goVersion: 'go1.23.4',
        compiler: 'gc',
        platform: 'linux/amd64',
      }),
    );
    for (const path of ['/healthz', '/livez', '/readyz'])
      app.get(path, (_req, res) => res.type('text/plain').send('ok'));

    // The media type is sent exactly as kube-apiserver sends it (client-go
    // reads its g, v and as parameters to tell aggregated discovery apart).
    const aggregated = (res: Response, body: object) =>
      res
        .setHeader('Content-Type', AGGREGATED_DISCOVERY)
        .end(JSON.stringify(body));
    app.get('/api', (req, res) => {
      if (wantsAggregated(req.headers.accept))
        return aggregated(res, aggregatedDiscovery(true));
      return res.json(apiVersions());
    });
    app.get('/apis', (req, res) => {
      if (wantsAggregated(req.headers.accept))
        return aggregated(res, aggregatedDiscovery(false));
      return res.json(apiGroupList());
    });
    app.get('/api/v1', (_req, res) => res.json(apiResourceList('', 'v1')));
    app.get('/apis/:group/:version', (req, res) => {
      const list = apiResourceList(req.params.group, req.params.version);
      if (!list) throw notFound();
      res.json(list);
    });
    app.get('/apis/:group', (req, res) => {
      const group = apiGroupList().groups.find(
        g => g.name === req.params.group,
      );
      if (!group) throw notFound();
      res.json({ kind: 'APIGroup', apiVersion: 'v1', ...group });
    });

    app.post(
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      express.raw({ type: PROTOBUF, limit: '64kb' }),
      (req, res) => {
        const body = Buffer.isBuffer(req.body)
          ? decodeSelfSubjectAccessReview(req.body)
          : req.body;
        // Answered as JSON, which typed clients accept next to protobuf.
        res.status(201).json(this.accessReview(body));
      },
    );

    app.get('/api/v1/namespaces/:ns/pods/:name/log', (req, res) => {
      const pod = store.get(store.type('pods'), req.params.ns, req.params.name);
      const container = req.query.container;
      const names: string[] = (pod.spec?.containers ?? []).map(
        (c: any) => c.name,
      );
      if (container === undefined && names.length > 1) {
        throw new StatusError(
          400,
          'BadRequest',
          `a container name must be specified for pod ${
            pod.metadata.name
          }, choose one of: [${names.join(' ')}]`,
        );
      }
      if (typeof container === 'string' && !names.includes(container)) {
        throw new StatusError(
          400,
          'BadRequest',
          `container ${container} is not valid for pod ${pod.metadata.name}`,
        );
      }
      let lines = this.options.podLog(pod);
      const tail = Number(req.query.tailLines);
      if (Number.isInteger(tail) && tail >= 0)
        lines = tail === 0 ? [] : lines.slice(-tail);
      res.type('text/plain').send(lines.map(l => `${l}\n`).join(''));
    });

    const handler = (req: Request, res: Response) => this.resource(req, res);
    app.all(/^\/api\/v1\/.+/, handler);
    app.all(/^\/apis\/[^/]+\/[^/]+\/.+/, handler);
    app.use((_req, _res, next) => next(notFound()));
    app.use((error: any, _req: Request, res: Response, _next: NextFunction) => {
      let e: StatusError;
      if (error instanceof StatusError) e = error;
      else if (error?.type === 'entity.parse.failed')
        e = new StatusError(
          400,
          'BadRequest',
          `the body of the request was invalid: ${error.message}`,
        );
      else if (error?.type === 'entity.too.large')
        e = new StatusError(
          413,
          'RequestEntityTooLarge',
          'Request entity too large',
        );
      else
        e = new StatusError(
          500,
          'InternalError',
          `Internal error occurred: ${error?.message ?? error}`,
        );
      res.status(e.code).json(e.toStatus());
    });
    return app;
  }

  /** /api/v1/... and /apis/<g>/<v>/...: [namespaces/<ns>/]<plural>[/<name>[/status]] */
  private resource(req: Request, res: Response) {
    const { store, clock } = this.options;
    const m =
      /^\/api\/v1\/(.*)$/.exec(req.path) ??
      /^\/apis\/([^/]+)\/([^/]+)\/(.*)$/.exec(req.path)!;
    const [group, version, rest] =
      m.length === 2 ? ['', 'v1', m[1]] : [m[1], m[2], m[3]];
    const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
    let namespace: string | undefined;
    // namespaces/<ns>/<plural>... is a namespaced path; namespaces/<ns>[/status] is the Namespace itself.
    if (
      parts[0] === 'namespaces' &&
      parts.length >= 3 &&
      parts[2] !== 'status'
    ) {
      namespace = parts[1];
      parts.splice(0, 2);
    }
    const [plural, name, subresource] = parts;
    const type = RESOURCE_TYPES.find(
      t => t.group === group && t.version === version && t.plural === plural,
    );
    if (
      !type ||
      parts.length > 3 ||
      (namespace !== undefined && !type.namespaced)
    )
      throw notFound();
    if (subresource && !(type.subresources as string[]).includes(subresource))
      throw notFound();
    if (subresource === 'log') throw notFound(); // only pods/log, routed above

    if (req.method === 'GET') {
      const accept = negotiate(req.headers.accept);
      if (!accept) {
        throw new StatusError(
          406,
          'NotAcceptable',
          'only the following media types are accepted: application/json, application/json;as=Table;v=v1;g=meta.k8s.io',
        );
      }
      if (req.query.watch === 'true' || req.query.watch === '1') {
        throw new StatusError(
          405,
          'MethodNotAllowed',
          'the sandbox API server does not serve watch',
        );
      }
      const items = name ? [store.get(type, namespace, name)] : undefined;
      const body =
        items ??
        store.list(
          type,
          namespace,
          stringQuery(req.query, ['labelSelector', 'fieldSelector']),
        );
      if (accept.table) {
        const include = String(req.query.includeObject ?? 'Metadata');
        if (!['None', 'Metadata', 'Object'].includes(include)) {
          throw new StatusError(
            400,
            'BadRequest',
            `includeObject: Unsupported value: "${include}": supported values: "Metadata", "None", "Object"`,
          );
        }
        return res.json(
          toTable(type, items ?? (body as { items: Obj[] }).items, {
            now: clock.now(),
            includeObject: include as IncludeObject,
            resourceVersion: store.resourceVersion,
            apiVersion: `meta.k8s.io/${accept.table}`,
          }),
        );
      }
      return res.json(items ? items[0] : body);
    }
    if (req.method === 'POST' && !name) {
      const created = store.create(type, namespace, req.body);
      this.options.onWrite?.(type, created);
      return res.status(201).json(created);
    }
    if (
      req.method === 'PATCH' &&
      name &&
      (!subresource || subresource === 'status')
    ) {
      const contentType = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        .trim();
      if (contentType !== MERGE_PATCH && contentType !== 'application/json') {
        throw new StatusError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${MERGE_PATCH}`,
        );
      }
      const patched = store.patch(
        type,
        namespace,
        name,
        req.body,
        subresource as 'status' | undefined,
      );
      this.options.onWrite?.(type, patched);
      return res.json(patched);
    }
    throw new StatusError(
      405,
      'MethodNotAllowed',
      'the server does not allow this method on the requested resource',
    );
  }

  /**
   * SelfSubjectAccessReview: the token's service account may do what the
   * stand-in serves (the verbs discovery lists), nothing else.
   */
  private accessReview(body: unknown) {
    const parsed = ssarSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StatusError(
        422,
        'Invalid',
        `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec${
          issue.path.length ? `.${issue.path.join('.')}` : ''
        }: Invalid value: ${issue.message}`,
      );
    }
    const { spec } = parsed.data;
    let allowed = false;
    let reason = '';
    if (spec.resourceAttributes) {
      const a = spec.resourceAttributes;
      const type = [...RESOURCE_TYPES, ...VIRTUAL_RESOURCES].find(
        t =>
          t.group === (a.group ?? '') &&
          t.plural === a.resource &&
          (!a.version || a.version === '*' || t.version === a.version),
      );
      const subresourceVerbs: Record<string, string[]> = {
        log: ['get'],
        status: ['get', 'patch'],
      };
      const verbs = a.subresource
        ? subresourceVerbs[a.subresource] ?? []
        : type?.verbs ?? [];
      allowed =
        !!type && (a.verb === '*' ? false : verbs.includes(a.verb ?? ''));
      reason = allowed
        ? `the service account of ${this.options.cluster} may ${a.verb} ${a.resource}`
        : '';
    } else {
      const a = spec.nonResourceAttributes!;
      allowed =
        a.verb === 'get' &&
        /^\/(api|apis|version|openapi|healthz|livez|readyz)(\/|$)/.test(
          a.path ?? '',
        );
    }
    return {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed, ...(reason ? { reason } : {}) },
    };
  }
}

function notFound() {
  return new StatusError(
    404,
    'NotFound',
    'the server could not find the requested resource',
    {},
  );
}

function stringQuery(
  query: Request['query'],
  keys: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys)
    if (typeof query[k] === 'string') out[k] = query[k] as string;
  return out;
}
