import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import express from 'express';
import Router from 'express-promise-router';
import { z } from 'zod';
import { EnvironmentsService } from './EnvironmentsService';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/);
const entityParams = z.object({ kind: name, namespace: name, name });
const clusterParams = z.object({ namespace: name, name });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new InputError(`Invalid parameter '${issue.path.join('.')}': ${issue.message}`);
  }
  return result.data;
}

/** Live environment and cluster views (read-only, any signed-in caller). */
export function createEnvironmentsRouter(deps: {
  environments: EnvironmentsService;
  httpAuth: HttpAuthService;
}): express.Router {
  const router = Router();

  router.get('/entities/:kind/:namespace/:name/environments', async (req, res) => {
    const ref = parse(entityParams, req.params);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(await deps.environments.getServiceEnvironments(ref, credentials));
  });

  router.get('/clusters/:namespace/:name/services', async (req, res) => {
    const { namespace, name: clusterName } = parse(clusterParams, req.params);
    const credentials = await deps.httpAuth.credentials(req, { allow: ['user', 'service'] });
    res.json(
      await deps.environments.getClusterServices(
        { kind: 'resource', namespace, name: clusterName },
        credentials,
      ),
    );
  });

  return router;
}
