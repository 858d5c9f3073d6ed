export { ArgoCdClient, ArgoCdError } from './ArgoCdClient';
export type { ArgoCdApplicationSpecInput, ArgoCdClientOptions } from './ArgoCdClient';
export { readArgoCdInstances, ARGOCD_INSTANCES_CONFIG_KEY } from './ArgoCdConfig';
export type { ArgoCdInstanceConfig } from './ArgoCdConfig';
export { matchesSelector, parseSelector } from './selector';
export * from './types';
export { readClusterServerMap, clusterOfDestination, normalizeServer } from './clusterServers';

/**
 * Events topic: Portolan created or changed Argo CD applications (payload
 * `{ instance, name }`). The catalog module's app index refreshes on it, so
 * a service registered right after its apps were created finds them.
 */
export const ARGOCD_APPLICATIONS_TOPIC = 'portolan.argocd.applications';
