import { HttpAuthService } from '@backstage/backend-plugin-api';
import { serializeError } from '@backstage/errors';
import {
  ROLLOUT_ACTIONS,
  RolloutAction,
} from '@portolan/plugin-delivery-common';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { entityParams, parseRequest } from '@portolan/portolan-node';
import { RolloutService, StaleRolloutError } from '../services/RolloutService';

const k8sName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/,
    'must be a Kubernetes object name',
  );
const actionBody = z
  .object({
    cluster: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be a cluster name'),
    namespace: k8sName,
    name: k8sName,
    action: z.enum(ROLLOUT_ACTIONS as [RolloutAction, ...RolloutAction[]]),
    resourceVersion: z
      .string()
      .regex(/^[0-9A-Za-z._-]{1,64}$/, 'must be the resourceVersion you read'),
  })
  .strict();

/** Canary status and actions for a service's Argo Rollouts. */
export function createRolloutsRouter(deps: {
  rollouts: RolloutService;
  httpAuth: HttpAuthService;
}): express.Router {
  const router = Router();
  router.use(express.json({ limit: '16kb' }));

  router.get('/entities/:kind/:namespace/:name/rollouts', async (req, res) => {
    const ref = parseRequest(entityParams, req.params);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(await deps.rollouts.getServiceRollouts(ref, credentials));
  });

  router.post(
    '/entities/:kind/:namespace/:name/rollouts/actions',
    async (req, res) => {
      const ref = parseRequest(entityParams, req.params);
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user'],
      });
      const body = parseRequest(actionBody, req.body);
      try {
        res.json(await deps.rollouts.act(ref, body, credentials, req));
      } catch (error) {
        // A 409 says what the rollout looks like now, so the UI can show it.
        if (error instanceof StaleRolloutError) {
          res
            .status(409)
            .json({ error: serializeError(error), rollout: error.rollout });
          return;
        }
        throw error;
      }
    },
  );

  return router;
}
