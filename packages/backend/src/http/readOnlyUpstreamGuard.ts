import { NotAllowedError } from '@backstage/errors';
import { RequestHandler } from 'express';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Makes a third-party plugin's routes read-only.
 *
 * Roadie's Argo CD backend also exposes create/sync/delete routes that do no
 * permission check of their own. Portolan's writes to Argo CD go through its
 * own plugins (delivery, scaffolder), which check permissions and audit, so
 * the third-party write routes are closed here.
 */
export function readOnlyUpstreamGuard(pluginName: string): RequestHandler {
  return (req, _res, next) => {
    if (READ_METHODS.has(req.method)) {
      next();
      return;
    }
    next(
      new NotAllowedError(
        `${req.method} is not allowed on the ${pluginName} API in Portolan; ` +
          'changes go through the permission-checked Portolan actions',
      ),
    );
  };
}
