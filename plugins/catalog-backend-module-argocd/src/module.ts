import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  ARGOCD_APPLICATIONS_TOPIC,
  argoCdPermissions,
  argoCdReportReadPermission,
} from '@portolan/argocd-common';
import {
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
} from '@portolan/argocd-node';
import Router from 'express-promise-router';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';
import { ArgoCdDeploymentProcessor } from './ArgoCdDeploymentProcessor';
import { ANNOTATED_ENTITIES_FILTER, buildArgoCdReport } from './ArgoCdReport';
import { CLAIMING_ENTITIES_FILTER, ServiceClaims } from './ServiceClaims';

/**
 * Catalog module: services ↔ clusters from Argo CD, and a report of apps and
 * annotations that do not match (`GET /api/catalog/portolan/argocd-report`).
 */
export const catalogModuleArgoCd = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'portolan-argocd',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        catalogProcessing: catalogProcessingExtensionPoint,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
      },
      async init({
        config,
        logger,
        scheduler,
        httpRouter,
        httpAuth,
        auth,
        permissions,
        permissionsRegistry,
        catalogProcessing,
        catalog,
        events,
      }) {
        permissionsRegistry.addPermissions(argoCdPermissions);
        const instances = readArgoCdInstances(config);
        if (instances.length === 0) {
          logger.info(
            'No Argo CD instances configured; Argo CD catalog module is idle',
          );
          return;
        }
        const clusterByServer = readClusterServerMap(config);
        const index = new ArgoCdAppIndex(
          instances.map(i => new ArgoCdClient(i)),
          clusterByServer,
          logger,
        );
        const claims = new ServiceClaims();
        catalogProcessing.addProcessor(
          new ArgoCdDeploymentProcessor(index, claims),
        );
        // Who claims what, from the catalog as it stands (one query), after
        // each index refresh: processing then flags colliding claims.
        const refresh = async () => {
          await index.refresh();
          try {
            const { items } = await catalog.getEntities(
              { filter: CLAIMING_ENTITIES_FILTER },
              { credentials: await auth.getOwnServiceCredentials() },
            );
            claims.update(index, items);
          } catch (error) {
            // At start-up the catalog may not answer yet: next round.
            logger.warn(
              `Could not read the catalog's Argo CD claims: ${
                (error as Error).message
              }`,
            );
          }
        };
        await scheduler.scheduleTask({
          id: 'portolan-argocd-app-index',
          frequency: { minutes: 1 },
          timeout: { seconds: 30 },
          initialDelay: { seconds: 0 },
          // Every replica keeps its own in-memory index.
          scope: 'local',
          fn: refresh,
        });

        // Apps Portolan just created (templates): refresh now, not in a minute.
        await events.subscribe({
          id: 'portolan-argocd-app-index',
          topics: [ARGOCD_APPLICATIONS_TOPIC],
          onEvent: () => index.refreshIfOlderThan(0),
        });

        const router = Router();
        router.get('/portolan/argocd-report', async (req, res) => {
          const credentials = await httpAuth.credentials(req, {
            allow: ['user', 'service'],
          });
          const [decision] = await permissions.authorize(
            [{ permission: argoCdReportReadPermission }],
            { credentials },
          );
          if (decision.result !== AuthorizeResult.ALLOW) {
            throw new NotAllowedError(
              'The Argo CD report is for portal admins',
            );
          }
          const { items } = await catalog.getEntities(
            { filter: ANNOTATED_ENTITIES_FILTER },
            { credentials },
          );
          res.json(buildArgoCdReport(index, items, claims));
        });
        httpRouter.use(router);
      },
    });
  },
});
