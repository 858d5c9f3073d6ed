import {
  coreServices,
  createBackendModule,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  actionsRegistryServiceRef,
  actionsServiceRef,
} from '@backstage/backend-plugin-api/alpha';
import {
  catalogProcessingExtensionPoint,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import { notificationService } from '@backstage/plugin-notifications-node';
import { finopsPermissions } from '@portolan/plugin-finops-common';
import { BudgetAnnotationProcessor } from './catalog/BudgetAnnotationProcessor';
import { BudgetStore } from './database/BudgetStore';
import { CostStore } from './database/CostStore';
import { OpenCostClient } from './opencost/OpenCostClient';
import { createFinopsRouter } from './router';
import { BudgetService } from './services/BudgetService';
import { CostIngester } from './services/CostIngester';
import { CostService } from './services/CostService';
import { readFinopsConfig } from './services/FinopsConfig';
import { registerFinopsActions } from './actions';
import { PortalLinks, scheduleCatalogTask } from '@portolan/portolan-node';

/** FinOps: daily costs from OpenCost, forecasts, budgets and alerts, right-sizing. */
export const finopsPlugin = createBackendPlugin({
  pluginId: 'finops',
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
        notifications: notificationService,
        actionsRegistry: actionsRegistryServiceRef,
        actions: actionsServiceRef,
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
        notifications,
        actionsRegistry,
        actions,
      }) {
        permissionsRegistry.addPermissions(finopsPermissions);
        const settings = readFinopsConfig(config);
        const store = await CostStore.create({ database });
        const budgetStore = await BudgetStore.create({
          database,
          skipMigrations: true,
        });
        const clients = settings.clusters.map(
          c =>
            new OpenCostClient({
              cluster: c.name,
              url: c.url,
              timeoutMs: settings.timeoutMs,
            }),
        );
        const costs = CostService.create({
          store,
          budgets: budgetStore,
          currency: settings.currency,
          clusters: settings.clusters.map(c => c.name),
          rightsizing: settings.rightsizing,
        });
        const budgets = BudgetService.create({
          budgets: budgetStore,
          store,
          costs,
          permissions,
          auditor,
          notifications,
          logger,
          currency: settings.currency,
        });
        const ingester = CostIngester.create({
          clients,
          store,
          catalog,
          auth,
          logger,
          currency: settings.currency,
          backfillDays: settings.backfillDays,
          daysPerCall: settings.daysPerCall,
          environments: Object.fromEntries(
            settings.clusters.map(c => [c.name, c.environment]),
          ),
        });
        if (clients.length) {
          await scheduleCatalogTask({
            scheduler,
            config,
            id: 'finops-ingest-costs',
            configKey: 'finops.schedule',
            defaults: {
              frequency: { hours: 1 },
              timeout: { minutes: 10 },
              initialDelay: { seconds: 15 },
            },
            retryAfterMs: 15_000,
            run: async () => {
              const summary = await ingester.run();
              const alerts = await budgets.checkAlerts().catch(error => {
                logger.warn(
                  `Budget alerts failed: ${(error as Error).message}`,
                );
                return [];
              });
              logger.info(
                `Ingested costs for ${
                  summary.entities
                } services: ${summary.clusters
                  .map(
                    c =>
                      `${c.cluster} ${
                        c.ok
                          ? `${c.days} days in ${c.calls} calls, ${c.rows} rows, ${c.unallocated} unallocated`
                          : `failed (${c.error})`
                      }`,
                  )
                  .join('; ')}${
                  alerts.length ? `; ${alerts.length} budget alerts sent` : ''
                }`,
              );
              return { catalogEmpty: summary.entities === 0 };
            },
          });
        } else {
          logger.info(
            'No finops.opencost.clusters configured: cost ingestion is off',
          );
        }
        registerFinopsActions({
          actionsRegistry,
          actions,
          catalog,
          permissions,
          costs,
          links: PortalLinks.fromConfig(config),
          costJumpThresholdPercent: settings.costJumpThresholdPercent,
        });
        httpRouter.use(
          createFinopsRouter({
            costs,
            budgets,
            catalog,
            httpAuth,
            permissions,
            costJumpThresholdPercent: settings.costJumpThresholdPercent,
          }),
        );
      },
    });
  },
});

/** Budget annotations checked when the catalog processes an entity. */
export const catalogModuleFinopsBudgets = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'finops-budgets',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
      },
      async init({ catalog, config }) {
        catalog.addProcessor(
          new BudgetAnnotationProcessor(readFinopsConfig(config).currency),
        );
      },
    });
  },
});
