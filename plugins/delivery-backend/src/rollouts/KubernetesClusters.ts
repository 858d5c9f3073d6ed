import { Config } from '@backstage/config';

/** A cluster Portolan may talk to, from the Kubernetes plugin's config. */
export interface KubernetesClusterConfig {
  name: string;
  url: string;
  /** Service account token (`authProvider: serviceAccount`). */
  token?: string;
  skipTLSVerify: boolean;
  caData?: string;
}

const KEY = 'kubernetes.clusterLocatorMethods';

/**
 * Reads clusters from `kubernetes.clusterLocatorMethods` (type `config`),
 * the same place the Kubernetes backend reads them, so clusters are
 * configured once. Canary actions need a service account token: a cluster
 * without one is listed with no token and its actions fail with a clear
 * message rather than silently.
 */
export function readKubernetesClusters(config: Config): KubernetesClusterConfig[] {
  const clusters: KubernetesClusterConfig[] = [];
  const methods = config.getOptionalConfigArray(KEY) ?? [];
  methods.forEach((method, m) => {
    if (method.getOptionalString('type') !== 'config') return;
    (method.getOptionalConfigArray('clusters') ?? []).forEach((cluster, c) => {
      const at = `${KEY}[${m}].clusters[${c}]`;
      const name = cluster.getString('name');
      const url = cluster.getString('url');
      try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error();
      } catch {
        throw new Error(`Invalid config value at '${at}.url': '${url}' is not an http(s) URL`);
      }
      if (clusters.some(x => x.name === name)) {
        throw new Error(`Invalid config value at '${at}.name': cluster '${name}' is configured twice`);
      }
      clusters.push({
        name,
        url: url.replace(/\/+$/, ''),
        token: cluster.getOptionalString('serviceAccountToken'),
        skipTLSVerify: cluster.getOptionalBoolean('skipTLSVerify') ?? false,
        caData: cluster.getOptionalString('caData'),
      });
    });
  });
  return clusters;
}
