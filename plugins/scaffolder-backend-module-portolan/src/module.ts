import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { eventsServiceRef } from '@backstage/plugin-events-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import {
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
} from '@portolan/argocd-node';
import { ServiceAccess } from './access/ServiceAccess';
import { createArgoCdAppAction } from './actions/createArgoCdAppAction';
import { createCatalogRegisterAction } from './actions/createCatalogRegisterAction';
import { createGitPublishAction } from './actions/createGitPublishAction';
import { createPreflightAction } from './actions/createPreflightAction';
import { readGitRemote } from './gitRemote';
import { readOnboardingConfig } from './onboardingConfig';
import { scaffolderPortolanPermissions } from './permissions';

/** Portolan's Git onboarding actions for the scaffolder. */
export const scaffolderModulePortolan = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'portolan',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        events: eventsServiceRef,
      },
      async init({
        scaffolder,
        config,
        auth,
        permissions,
        permissionsRegistry,
        userInfo,
        catalog,
        events,
      }) {
        permissionsRegistry.addPermissions(scaffolderPortolanPermissions);
        const argocd = readArgoCdInstances(config).map(
          i => new ArgoCdClient(i, { timeoutMs: 10_000 }),
        );
        const clusterServers = new Map(
          [...readClusterServerMap(config)].map(([server, name]) => [
            name,
            server,
          ]),
        );
        const git = readGitRemote(config);
        const access = ServiceAccess.create({
          catalog,
          auth,
          permissions,
          userInfo,
          config: readOnboardingConfig(config),
        });
        scaffolder.addActions(
          createPreflightAction({ catalog, argocd, git, access }),
          createGitPublishAction({ git, access }),
          createArgoCdAppAction({
            argocd,
            clusterServers,
            catalog,
            auth,
            access,
            git,
            events,
          }),
          createCatalogRegisterAction({ catalog, auth, access, git }),
        );
      },
    });
  },
});
