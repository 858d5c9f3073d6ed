import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { ArgoCdClient, readArgoCdInstances, readClusterServerMap } from '@portolan/argocd-node';
import { createArgoCdAppAction } from './actions/createArgoCdAppAction';
import { createGitPublishAction } from './actions/createGitPublishAction';
import { createPreflightAction } from './actions/createPreflightAction';
import { readGitRemote } from './gitRemote';

/** Portolan's Git onboarding actions for the scaffolder. */
export const scaffolderModulePortolan = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'portolan',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
      },
      async init({ scaffolder, config, catalog, events }) {
        const argocd = readArgoCdInstances(config).map(i => new ArgoCdClient(i, { timeoutMs: 10_000 }));
        const clusterServers = new Map([...readClusterServerMap(config)].map(([server, name]) => [name, server]));
        const git = readGitRemote(config);
        scaffolder.addActions(
          createPreflightAction({ catalog, argocd, git }),
          createGitPublishAction({ git }),
          createArgoCdAppAction({ argocd, clusterServers, events }),
        );
      },
    });
  },
});
