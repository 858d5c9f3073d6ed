import { HttpAuthService } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { parseRequest } from '@portolan/portolan-node';
import { PodReadService } from '../services/PodReadService';

const k8sName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
    'must be a Kubernetes object name',
  );
const podParams = z.object({
  cluster: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be a cluster name'),
  namespace: k8sName,
  pod: k8sName,
});
const logQuery = z
  .object({
    container: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a container name')
      .optional(),
    // The Kubernetes tab sends `previous` with no value to mean true.
    previous: z
      .enum(['', 'true', 'false'])
      .optional()
      .transform(v => v === '' || v === 'true'),
    tailLines: z.coerce.number().int().min(1).max(10_000).optional(),
  })
  .strict();

/**
 * Read-only Kubernetes reads the Kubernetes tab needs (pod logs, events),
 * bound to services the caller can read; replaces the closed proxy.
 */
export function createPodsRouter(deps: {
  pods: PodReadService;
  httpAuth: HttpAuthService;
}): express.Router {
  const router = Router();

  router.get(
    '/clusters/:cluster/namespaces/:namespace/pods/:pod/log',
    async (req, res) => {
      const ref = parseRequest(podParams, req.params);
      const query = parseRequest(logQuery, req.query);
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user'],
      });
      const { text } = await deps.pods.podLog(ref, query, credentials);
      res.type('text/plain').send(text);
    },
  );

  router.get(
    '/clusters/:cluster/namespaces/:namespace/objects/:pod/events',
    async (req, res) => {
      const ref = parseRequest(podParams, req.params);
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user'],
      });
      res.json({ items: await deps.pods.events(ref, credentials) });
    },
  );

  return router;
}
