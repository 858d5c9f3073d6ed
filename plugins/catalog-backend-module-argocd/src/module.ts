import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint, catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import {
  ARGOCD_APPLICATIONS_TOPIC,
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
} from '@portolan/argocd-node';
import Router from 'express-promise-router';
import { ArgoCdAppIndex } from './ArgoCdAppIndex';
import { ArgoCdDeploymentProcessor } from './ArgoCdDeploymentProcessor';
import { ANNOTATED_ENTITIES_FILTER, buildArgoCdReport } from './ArgoCdReport';

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
        catalogProcessing: catalogProcessingExtensionPoint,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
      },
      async init({ config, logger, scheduler, httpRouter, httpAuth, catalogProcessing, catalog, events }) {
        const instances = readArgoCdInstances(config);
        if (instances.length === 0) {
          logger.info('No Argo CD instances configured; Argo CD catalog module is idle');
          return;
        }
        const clusterByServer = readClusterServerMap(config);
        const index = new ArgoCdAppIndex(
          instances.map(i => new ArgoCdClient(i)),
          clusterByServer,
          logger,
        );
        catalogProcessing.addProcessor(new ArgoCdDeploymentProcessor(index));
        await scheduler.scheduleTask({
          id: 'portolan-argocd-app-index',
          frequency: { minutes: 1 },
          timeout: { seconds: 30 },
          initialDelay: { seconds: 0 },
          // Every replica keeps its own in-memory index.
          scope: 'local',
          fn: () => index.refresh(),
        });

        // Apps Portolan just created (templates): refresh now, not in a minute.
        await events.subscribe({
          id: 'portolan-argocd-app-index',
          topics: [ARGOCD_APPLICATIONS_TOPIC],
          onEvent: () => index.refreshIfOlderThan(0),
        });

        const router = Router();
        router.get('/portolan/argocd-report', async (req, res) => {
          const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
          const { items } = await catalog.getEntities(
            { filter: ANNOTATED_ENTITIES_FILTER },
            { credentials },
          );
          res.json(buildArgoCdReport(index, items));
        });
        httpRouter.use(router);
      },
    });
  },
});
