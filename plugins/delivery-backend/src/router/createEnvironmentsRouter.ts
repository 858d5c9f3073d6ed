import { HttpAuthService } from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { EnvironmentsService } from '../services/EnvironmentsService';
import {
  entityNamePart,
  entityParams,
  parseRequest,
} from '@portolan/portolan-node';

const clusterParams = z.object({
  namespace: entityNamePart,
  name: entityNamePart,
});
const parse = parseRequest;

/** Live environment and cluster views (read-only, any signed-in caller). */
export function createEnvironmentsRouter(deps: {
  environments: EnvironmentsService;
  httpAuth: HttpAuthService;
}): express.Router {
  const router = Router();

  router.get(
    '/entities/:kind/:namespace/:name/environments',
    async (req, res) => {
      const ref = parse(entityParams, req.params);
      const credentials = await deps.httpAuth.credentials(req, {
        allow: ['user', 'service'],
      });
      res.json(
        await deps.environments.getServiceEnvironments(ref, credentials),
      );
    },
  );

  router.get('/clusters/:namespace/:name/services', async (req, res) => {
    const { namespace, name: clusterName } = parse(clusterParams, req.params);
    const credentials = await deps.httpAuth.credentials(req, {
      allow: ['user', 'service'],
    });
    res.json(
      await deps.environments.getClusterServices(
        { kind: 'resource', namespace, name: clusterName },
        credentials,
      ),
    );
  });

  return router;
}
