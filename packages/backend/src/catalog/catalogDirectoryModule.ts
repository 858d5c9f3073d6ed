import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { CatalogDirectoryEntityProvider } from './CatalogDirectoryEntityProvider';

/** Adds {@link CatalogDirectoryEntityProvider} to the catalog. */
export default createBackendModule({
  pluginId: 'catalog',
  moduleId: 'portolan-catalog-directory',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ config, logger, scheduler, catalog }) {
        catalog.addEntityProvider(
          CatalogDirectoryEntityProvider.fromConfig(config, {
            logger,
            scheduler,
          }),
        );
      },
    });
  },
});
