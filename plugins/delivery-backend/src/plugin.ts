import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
} from '@portolan/argocd-node';
import { readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { deliveryPermissions } from '@portolan/plugin-delivery-common';
import { DeploymentStore } from './database/DeploymentStore';
import { RolloutActionStore } from './database/RolloutActionStore';
import { createRolloutsRouter } from './router/createRolloutsRouter';
import { createPodsRouter } from './router/createPodsRouter';
import { PodReadService } from './services/PodReadService';
import { readKubernetesClusters } from './clients/KubernetesClusters';
import { RolloutsClient } from './clients/RolloutsClient';
import { RolloutService } from './services/RolloutService';
import { createEnvironmentsRouter } from './router/createEnvironmentsRouter';
import { EnvironmentsService } from './services/EnvironmentsService';
import { CommitLinks } from './services/CommitLinks';
import { DeploymentIngester } from './services/DeploymentIngester';
import { createTimelineRouter } from './router/createTimelineRouter';
import { registerDeliveryActions } from './actions';
import { DeploymentMetricsService } from './services/DeploymentMetricsService';
import { DeploymentTimelineService } from './services/DeploymentTimelineService';
import { PortalLinks, scheduleCatalogTask } from '@portolan/portolan-node';

/** The delivery backend: environments, deployment timelines, canaries. */
export const deliveryPlugin = createBackendPlugin({
  pluginId: 'delivery',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        auth,
        database,
        scheduler,
        permissions,
        permissionsRegistry,
        auditor,
        catalog,
        actionsRegistry,
      }) {
        permissionsRegistry.addPermissions(deliveryPermissions);
        const clients = readArgoCdInstances(config).map(
          i => new ArgoCdClient(i),
        );
        const clusterByServer = readClusterServerMap(config);
        const store = await DeploymentStore.create({ database });
        const environments = EnvironmentsService.create({
          clients,
          catalog,
          clusterByServer,
          logger,
          revisions: store,
        });
        const commitLinks = CommitLinks.fromConfig(config);
        const retentionMs = config.has('delivery.retention')
          ? durationToMilliseconds(
              readDurationFromConfig(config, { key: 'delivery.retention' }),
            )
          : 400 * 86_400_000;
        // One client per cluster, shared: canary controls, and the Rollouts
        // list ingestion reads canary outcomes from.
        const rolloutClients = readKubernetesClusters(config).map(
          c => new RolloutsClient(c),
        );
        const ingester = DeploymentIngester.create({
          clients,
          rollouts: rolloutClients,
          store,
          catalog,
          auth,
          logger,
          clusterByServer,
        });
        await scheduleCatalogTask({
          scheduler,
          config,
          id: 'delivery-ingest-deployments',
          configKey: 'delivery.schedule',
          defaults: {
            frequency: { minutes: 1 },
            timeout: { minutes: 5 },
            initialDelay: { seconds: 5 },
          },
          retryAfterMs: 10_000,
          run: async () => {
            const summary = await ingester.run();
            const removed = await store.deleteOlderThan(
              new Date(Date.now() - retentionMs),
            );
            logger.info(
              `Ingested deployments of ${
                summary.services
              } services: ${summary.instances
                .map(
                  i =>
                    `${i.instance} ${
                      i.ok
                        ? `${i.deployments} rows, ${i.metadataCalls} new revisions`
                        : `failed (${i.error})`
                    }`,
                )
                .join('; ')}${
                removed ? `; ${removed} past retention removed` : ''
              }`,
            );
            return { catalogEmpty: summary.services === 0 };
          },
        });
        httpRouter.use(createEnvironmentsRouter({ environments, httpAuth }));
        const rolloutActions = await RolloutActionStore.create({ database });
        const rollouts = RolloutService.create({
          clients: rolloutClients,
          catalog,
          permissions,
          auditor,
          store: rolloutActions,
          deployments: store,
          logger,
          auth,
        });
        httpRouter.use(
          createTimelineRouter({
            store,
            rolloutActions,
            catalog,
            httpAuth,
            appUrl: (instance, app) =>
              clients.find(c => c.name === instance)?.appUrl(app),
            commitUrl: (repoUrl, revision) =>
              commitLinks.commitUrl(repoUrl, revision),
          }),
        );
        httpRouter.use(createRolloutsRouter({ rollouts, httpAuth }));
        const metrics = DeploymentMetricsService.create({ store });
        registerDeliveryActions({
          actionsRegistry,
          catalog,
          rollouts,
          metrics,
          links: PortalLinks.fromConfig(config),
          timeline: DeploymentTimelineService.create({
            store,
            rolloutActions,
            metrics,
            appUrl: (instance, app) =>
              clients.find(c => c.name === instance)?.appUrl(app),
            commitUrl: (repoUrl, revision) =>
              commitLinks.commitUrl(repoUrl, revision),
          }),
        });
        httpRouter.use(
          createPodsRouter({
            pods: PodReadService.create({
              clients: rolloutClients,
              catalog,
              permissions,
            }),
            httpAuth,
          }),
        );
      },
    });
  },
});
