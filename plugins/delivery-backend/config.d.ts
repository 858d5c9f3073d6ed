import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import { HumanDuration } from '@backstage/types';

export interface Config {
  delivery?: {
    /**
     * How long deployments are kept, beyond Argo CD's own history limit.
     * Default: 400 days.
     */
    retention?: HumanDuration | string;
    /**
     * When ingestion reads Argo CD (a task schedule: frequency, timeout,
     * initialDelay). Default: every minute, 5 min timeout, 5 s after start.
     */
    schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
  };
}
