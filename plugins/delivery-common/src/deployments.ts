import type { RolloutActionRecord } from './rollouts';

/** How a deployment ended (or that it has not yet). */
export type DeploymentResult =
  | 'succeeded'
  | 'failed'
  | 'rolled-back'
  | 'canary-aborted'
  | 'in-progress';

export const DEPLOYMENT_RESULTS: readonly DeploymentResult[] = [
  'succeeded',
  'failed',
  'rolled-back',
  'canary-aborted',
  'in-progress',
];

/** One deployment of one service to one environment. */
export interface Deployment {
  id: string;
  entityRef: string;
  environment: string;
  cluster?: string;
  instance: string;
  app: string;
  historyId: number;
  revision: string;
  previousRevision?: string;
  commit?: { author?: string; message?: string; date?: string };
  startedAt: string;
  finishedAt?: string;
  result: DeploymentResult;
  initiator?: string;
}

/** A page of a deployment timeline, newest first. */
export interface DeploymentTimelinePage {
  items: Deployment[];
  /** Opaque; pass back as `cursor` for the next page. */
  nextCursor?: string;
  /** Canary actions taken through Portolan in the same time window. */
  actions?: RolloutActionRecord[];
  /** When ingestion last succeeded for every instance (oldest of them). */
  lastIngestedAt?: string;
}
