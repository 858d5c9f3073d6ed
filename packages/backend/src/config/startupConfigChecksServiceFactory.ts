import {
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { CustomErrorBase } from '@backstage/errors';
import { checkStartupConfig, StartupConfigReport } from './checkStartupConfig';

/** The config is unsafe to serve with; the message lists every key at fault. */
export class StartupConfigError extends CustomErrorBase {
  name = 'StartupConfigError' as const;
}

/** The outcome of the checks (root scoped, so it runs before any plugin). */
export const startupConfigChecksServiceRef =
  createServiceRef<StartupConfigReport>({
    id: 'portolan.startup-config-checks',
    scope: 'root',
  });

/**
 * Runs {@link checkStartupConfig} once at start-up. Root services are
 * initialised before any plugin, so a failing check stops the backend before
 * a single plugin route exists; warnings go to the log.
 */
export const startupConfigChecksServiceFactory = createServiceFactory({
  service: startupConfigChecksServiceRef,
  deps: { config: coreServices.rootConfig, logger: coreServices.rootLogger },
  factory({ config, logger }) {
    const report = checkStartupConfig(config);
    for (const warning of report.warnings) logger.warn(warning);
    if (report.errors.length > 0) {
      throw new StartupConfigError(
        `Portolan refuses to start with this config:\n${report.errors
          .map(e => `  - ${e}`)
          .join('\n')}`,
      );
    }
    logger.info('Start-up config checks passed');
    return report;
  },
});
