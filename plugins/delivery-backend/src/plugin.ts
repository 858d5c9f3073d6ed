import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
} from '@portolan/argocd-node';
import { createEnvironmentsRouter } from './environments/createEnvironmentsRouter';
import { EnvironmentsService } from './environments/EnvironmentsService';

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
        catalog: catalogServiceRef,
      },
      async init({ config, logger, httpRouter, httpAuth, catalog }) {
        const clients = readArgoCdInstances(config).map(i => new ArgoCdClient(i));
        const environments = EnvironmentsService.create({
          clients,
          catalog,
          clusterByServer: readClusterServerMap(config),
          logger,
        });
        httpRouter.use(createEnvironmentsRouter({ environments, httpAuth }));
      },
    });
  },
});
