export { ArgoCdClient, ArgoCdError } from './ArgoCdClient';
export type {
  ArgoCdApplicationSpecInput,
  ArgoCdClientOptions,
} from './ArgoCdClient';
export {
  readArgoCdInstances,
  ARGOCD_INSTANCES_CONFIG_KEY,
} from './ArgoCdConfig';
export type { ArgoCdInstanceConfig } from './ArgoCdConfig';
export { isLoopbackHost, isLoopbackUrl } from './loopback';
export { matchesSelector, parseSelector } from './selector';
export * from './types';
export {
  readClusterServerMap,
  clusterOfDestination,
  normalizeServer,
  readKubernetesClusters,
  KUBERNETES_CLUSTERS_CONFIG_KEY,
} from './clusterServers';
export type { KubernetesClusterConfig } from './clusterServers';
export { callCluster, kubeConfigFor } from './clusterClient';

// Kept here for existing importers; the topic lives in argocd-common.
export { ARGOCD_APPLICATIONS_TOPIC } from '@portolan/argocd-common';
