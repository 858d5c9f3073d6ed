import type { Workload } from './KubernetesWorkloadsClient';
import type { DeliveryRecord } from './DeliveryHistoryClient';
import type { RepositoryFacts } from './RepositoryFilesReader';

/** What a source said, or why it could not be read. */
export type SourceFacts<T> =
  | { ok: true; value: T }
  | { ok: false; reason: string };

/** An Argo CD application claimed by a service. */
export interface AppFact {
  instance: string;
  name: string;
  cluster?: string;
  environment?: string;
  automated: boolean;
  selfHeal: boolean;
  targetRevision?: string;
}

/** Everything the checks read about one service, gathered in one cycle. */
export interface ServiceFacts {
  entityRef: string;
  title?: string;
  owner?: string;
  ownerIsGroup: boolean;
  system?: string;
  description?: string;
  lifecycle?: string;
  links: Array<{ url: string; title?: string; type?: string }>;
  /** Environments it should run in (of the clusters it depends on). */
  environments: string[];
  argocd: SourceFacts<AppFact[]>;
  workloads: SourceFacts<Array<Workload & { environment?: string }>>;
  deliveries: SourceFacts<DeliveryRecord[]>;
  /**
   * Its repository (backstage.io/source-location), read through the
   * configured integration; `undefined` when it names no URL location.
   */
  repository?: SourceFacts<RepositoryFacts>;
  /** The source-location annotation as written, when it is not a URL. */
  sourceLocation?: string;
}
