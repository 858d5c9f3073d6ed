import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { PortolanPermissionPolicy } from './PortolanPermissionPolicy';
import { permissionRulesFromConfig } from './permissionRules';

/** Installs {@link PortolanPermissionPolicy} in the permission backend. */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'portolan-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        policy: policyExtensionPoint,
      },
      async init({ config, logger, policy }) {
        policy.setPolicy(
          PortolanPermissionPolicy.fromConfig(config, {
            logger,
            rules: permissionRulesFromConfig(config),
          }),
        );
      },
    });
  },
});
