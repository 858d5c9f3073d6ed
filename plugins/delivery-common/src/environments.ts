/** Sync status of an Argo CD application (Argo CD's own values). */
export type SyncStatus = 'Synced' | 'OutOfSync' | 'Unknown';

/** Health of an Argo CD application (Argo CD's own values). */
export type HealthStatus =
  | 'Healthy'
  | 'Progressing'
  | 'Degraded'
  | 'Suspended'
  | 'Missing'
  | 'Unknown';

/** A failure of one upstream system, named so the UI can say which and why. */
export interface UpstreamError {
  /** e.g. "Argo CD instance argocd-prod" or "cluster prod-eu" */
  system: string;
  message: string;
}

/** One row of a service's Environments card. */
export interface ServiceEnvironment {
  environment: string;
  cluster: { entityRef: string; name: string };
  instance: string;
  /** Absent when the app was not found (see `error`). */
  app?: {
    name: string;
    project: string;
    namespace: string;
    /** Link to the app in the Argo CD UI. */
    url: string;
    sync: SyncStatus;
    health: HealthStatus;
    revision?: string;
    lastSyncedAt?: string;
    images: string[];
    commit?: { author: string; message: string; date: string };
  };
  error?: UpstreamError;
}

export interface ServiceEnvironmentsResponse {
  entityRef: string;
  environments: ServiceEnvironment[];
  /** Apps matched by the annotation but on no known cluster. */
  unplacedApps: string[];
}

/** One service running on a cluster, for the cluster page. */
export interface ClusterService {
  entityRef?: string;
  app: string;
  project: string;
  namespace: string;
  url: string;
  sync: SyncStatus;
  health: HealthStatus;
  revision?: string;
  lastSyncedAt?: string;
}

export interface ClusterServicesResponse {
  cluster: string;
  environment?: string;
  instance?: string;
  summary: {
    total: number;
    healthy: number;
    degraded: number;
    progressing: number;
    outOfSync: number;
  };
  services: ClusterService[];
  error?: UpstreamError;
}
