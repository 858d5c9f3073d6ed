import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { scheduleCatalogTask } from '@portolan/portolan-node';
import { actionsRegistryServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import {
  ArgoCdClient,
  readArgoCdInstances,
  readClusterServerMap,
  readKubernetesClusters,
} from '@portolan/argocd-node';
import { compliancePermissions } from '@portolan/plugin-compliance-common';
import { createGetServiceChecksAction } from './actions/createGetServiceChecksAction';
import { createGetTeamSummaryAction } from './actions/createGetTeamSummaryAction';
import { readComplianceConfig } from './config/ComplianceConfig';
import { ComplianceStore } from './database/ComplianceStore';
import { DeliveryHistoryClient } from './facts/DeliveryHistoryClient';
import { FactCollector } from './facts/FactCollector';
import { KubernetesWorkloadsClient } from './facts/KubernetesWorkloadsClient';
import { RepositoryFilesReader } from './facts/RepositoryFilesReader';
import { createComplianceRouter } from './router';
import { ComplianceEvaluator } from './services/ComplianceEvaluator';
import { ComplianceService } from './services/ComplianceService';
import { WaiverService } from './services/WaiverService';

/** Compliance: checks per service, scores and trends per team, waivers, evidence. */
export const compliancePlugin = createBackendPlugin({
  pluginId: 'compliance',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        auth: coreServices.auth,
        discovery: coreServices.discovery,
        database: coreServices.database,
        scheduler: coreServices.scheduler,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        urlReader: coreServices.urlReader,
        userInfo: coreServices.userInfo,
        catalog: catalogServiceRef,
        actionsRegistry: actionsRegistryServiceRef,
      },
      async init(deps) {
        const { config, logger, scheduler } = deps;
        // Bad config stops start-up here, naming the key.
        const settings = readComplianceConfig(config);
        if (!settings.waiverApproverGroups.length) {
          logger.warn(
            'No waiver approver group (compliance.waivers.approverGroups or portolan.permissions.adminGroups): nobody can approve waivers',
          );
        }
        deps.permissionsRegistry.addPermissions(compliancePermissions);
        const store = await ComplianceStore.create({ database: deps.database });
        const compliance = ComplianceService.create({ store, settings });
        const waivers = WaiverService.create({
          store,
          compliance,
          permissions: deps.permissions,
          auditor: deps.auditor,
          userInfo: deps.userInfo,
          maxDays: settings.waiverMaxDays,
          approverGroups: settings.waiverApproverGroups,
        });
        const collector = FactCollector.create({
          catalog: deps.catalog,
          auth: deps.auth,
          logger,
          argocd: readArgoCdInstances(config).map(
            i => new ArgoCdClient(i, { timeoutMs: settings.timeoutMs }),
          ),
          clusters: readKubernetesClusters(config).map(
            c => new KubernetesWorkloadsClient(c, settings.timeoutMs),
          ),
          delivery: new DeliveryHistoryClient({
            discovery: deps.discovery,
            auth: deps.auth,
            timeoutMs: settings.timeoutMs,
          }),
          // Services' repositories through Backstage's integrations.
          repositories: RepositoryFilesReader.create({
            reader: deps.urlReader,
            timeoutMs: settings.timeoutMs,
          }),
          clusterServers: readClusterServerMap(config),
          prodEnvironment: settings.prodEnvironment,
        });
        const evaluator = ComplianceEvaluator.create({
          collector,
          store,
          service: compliance,
          settings,
          logger,
        });
        await scheduleCatalogTask({
          scheduler,
          config,
          id: 'compliance-evaluate',
          configKey: 'compliance.schedule',
          defaults: {
            frequency: { minutes: 10 },
            timeout: { minutes: 5 },
            initialDelay: { seconds: 20 },
          },
          retryAfterMs: 15_000,
          run: async () => {
            const summary = await evaluator.run();
            logger.info(
              `Evaluated ${summary.results} checks of ${
                summary.services
              } services in ${summary.durationMs} ms (${
                summary.unknown
              } unknown)${
                summary.stats.failures.length
                  ? `; sources failing: ${summary.stats.failures.join('; ')}`
                  : ''
              }`,
            );
            return { catalogEmpty: summary.services === 0 };
          },
        });
        createGetServiceChecksAction({
          actionsRegistry: deps.actionsRegistry,
          catalog: deps.catalog,
          compliance,
        });
        createGetTeamSummaryAction({
          actionsRegistry: deps.actionsRegistry,
          catalog: deps.catalog,
          compliance,
        });
        deps.httpRouter.use(
          createComplianceRouter({
            compliance,
            waivers,
            catalog: deps.catalog,
            httpAuth: deps.httpAuth,
            waiverMaxDays: settings.waiverMaxDays,
            waiverApproverGroups: settings.waiverApproverGroups,
          }),
        );
      },
    });
  },
});
