import { HumanDuration } from '@backstage/types';

export interface Config {
  delivery?: {
    /**
     * How long deployments are kept, beyond Argo CD's own history limit.
     * Default: 400 days.
     */
    retention?: HumanDuration | string;
  };
}
