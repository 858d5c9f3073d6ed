import {
  SchedulerService,
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';

/**
 * Schedules a plugin's task over the catalog, in global scope (one replica
 * runs it at a time): its schedule from `configKey` when set, else
 * `defaults`. A run that found no catalog entities yet (a fresh start)
 * asks for another run after `retryAfterMs`, a few times at most, instead
 * of waiting a whole period.
 */
export async function scheduleCatalogTask(options: {
  scheduler: SchedulerService;
  config: Config;
  id: string;
  configKey: string;
  defaults: SchedulerServiceTaskScheduleDefinition;
  retryAfterMs: number;
  /** One run; resolves to whether it found the catalog empty. */
  run: () => Promise<{ catalogEmpty: boolean }>;
}): Promise<void> {
  const { scheduler, config, id } = options;
  let earlyRetries = 6;
  await scheduler.scheduleTask({
    id,
    ...(config.has(options.configKey)
      ? readSchedulerServiceTaskScheduleDefinitionFromConfig(
          config.getConfig(options.configKey),
        )
      : options.defaults),
    fn: async () => {
      const { catalogEmpty } = await options.run();
      if (catalogEmpty && earlyRetries-- > 0) {
        setTimeout(
          () => scheduler.triggerTask(id).catch(() => {}),
          options.retryAfterMs,
        ).unref();
      }
    },
  });
}
