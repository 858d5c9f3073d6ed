import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { logsPermissions } from '@portolan/plugin-logs-common';
import { readLogsConfig } from './config/readLogsConfig';
import { LogClusterClient } from './elasticsearch/LogClusterClient';
import { createRouter } from './router';
import { LogScopeResolver } from './scope/LogScopeResolver';
import { CursorCodec } from './search/CursorCodec';
import { LogSearchService } from './search/LogSearchService';
import { Redactor } from '@portolan/portolan-node';
import { registerLogsActions } from './actions';
import { LogReadAccess } from './scope/LogReadAccess';
import { PortalLinks } from '@portolan/portolan-node';

/** The logs backend: a service's log lines from Elasticsearch, scoped, permission-checked and redacted. */
export const logsPlugin = createBackendPlugin({
  pluginId: 'logs',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
        actions: actionsServiceRef,
      },
      async init({
        config,
        logger,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        lifecycle,
        catalog,
        actionsRegistry,
        actions,
      }) {
        permissionsRegistry.addPermissions(logsPermissions);
        const logsConfig = readLogsConfig(config);
        const clients = logsConfig.clusters.map(c => new LogClusterClient(c));
        if (clients.length === 0)
          logger.warn(
            'No Elasticsearch cluster in logs.clusters: the Logs tab will say so',
          );
        if (!logsConfig.cursorSecret && clients.length) {
          logger.info(
            'logs.cursorSecret is not set: result cursors are signed with a key made at start (one replica only)',
          );
        }
        lifecycle.addShutdownHook(() =>
          Promise.all(clients.map(c => c.close())).then(() => undefined),
        );
        const scopes = new LogScopeResolver(clients);
        const search = LogSearchService.create({
          redactor: new Redactor(logsConfig.redactionPatterns),
          cursors: new CursorCodec(logsConfig.cursorSecret),
        });
        // One for the API and the actions, so both share its kept grants.
        const access = new LogReadAccess({ permissions, catalog, scopes });
        httpRouter.use(
          createRouter({
            httpAuth,
            permissions,
            catalog,
            scopes,
            search,
            config: logsConfig,
            access,
          }),
        );
        registerLogsActions({
          actionsRegistry,
          actions,
          access,
          search,
          links: PortalLinks.fromConfig(config),
        });
      },
    });
  },
});
