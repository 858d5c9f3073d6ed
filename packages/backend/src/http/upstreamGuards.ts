import { NotAllowedError } from '@backstage/errors';
import { RequestHandler } from 'express';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The Kubernetes backend's routes that read with POST (the entity or query
 * travels in the body). Everything else that is not a GET is refused, and
 * its proxy (`/proxy/...`, which forwards any request with the cluster's
 * service-account token) is refused whatever the method: reads go through
 * the plugin's own routes, and the policy denies `kubernetes.proxy` too.
 */
const KUBERNETES_READ_POSTS = [
  /^\/services\/[^/]+\/?$/,
  /^\/resources\/workloads\/query\/?$/,
  /^\/resources\/custom\/query\/?$/,
];

export function kubernetesReadOnlyGuard(): RequestHandler {
  return (req, _res, next) => {
    const path = req.path;
    if (path === '/proxy' || path.startsWith('/proxy/')) {
      next(
        new NotAllowedError(
          'The Kubernetes proxy is closed in Portolan: it would forward writes with the cluster credentials',
        ),
      );
      return;
    }
    if (READ_METHODS.has(req.method)) {
      next();
      return;
    }
    if (
      req.method === 'POST' &&
      KUBERNETES_READ_POSTS.some(r => r.test(path))
    ) {
      next();
      return;
    }
    next(
      new NotAllowedError(
        `${req.method} ${path} is not allowed on the Kubernetes API in Portolan`,
      ),
    );
  };
}
