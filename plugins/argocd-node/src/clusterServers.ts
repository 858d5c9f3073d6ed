import { Config } from '@backstage/config';

/**
 * Argo CD destinations name clusters by API server URL; the Kubernetes
 * config (`kubernetes.clusterLocatorMethods`) says which cluster a URL is,
 * so clusters are configured in one place.
 */
export function readClusterServerMap(config: Config): Map<string, string> {
  const map = new Map<string, string>();
  for (const method of config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? []) {
    for (const cluster of method.getOptionalConfigArray('clusters') ?? []) {
      map.set(normalizeServer(cluster.getString('url')), cluster.getString('name'));
    }
  }
  return map;
}

export function normalizeServer(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The cluster an app deploys to: destination.name, else by server URL. */
export function clusterOfDestination(
  destination: { name?: string; server?: string },
  clusterByServer: Map<string, string>,
): string | undefined {
  if (destination.name && destination.name !== 'in-cluster') return destination.name;
  if (destination.server) return clusterByServer.get(normalizeServer(destination.server));
  return undefined;
}
