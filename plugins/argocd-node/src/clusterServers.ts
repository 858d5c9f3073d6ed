import { Config } from '@backstage/config';
import fs from 'node:fs';
import { isLoopbackHost as isLoopback } from './loopback';

/** The config key the Kubernetes backend reads its clusters from. */
export const KUBERNETES_CLUSTERS_CONFIG_KEY =
  'kubernetes.clusterLocatorMethods';

/** A cluster from `kubernetes.clusterLocatorMethods` (type `config`). */
export interface KubernetesClusterConfig {
  name: string;
  /** The API server URL, without a trailing slash. */
  url: string;
  /** Service account token (`authProvider: serviceAccount`). */
  token?: string;
  /** Only as configured: TLS verification is never switched off implicitly. */
  skipTLSVerify: boolean;
  /** Base64 PEM of the CA that signed the API server's certificate (kubeconfig `certificate-authority-data`). */
  caData?: string;
  /** Path of a PEM file with that CA. */
  caFile?: string;
}

/**
 * Reads the clusters of `kubernetes.clusterLocatorMethods` once, the way
 * the Kubernetes backend reads them, so every Portolan client (canary
 * controls, Argo CD destination → cluster) sees the same clusters:
 * names unique, URLs http(s); `http:` only for loopback hosts and only with
 * `skipTLSVerify: true` said out loud (there is no TLS to verify); `caData`
 * a base64 PEM certificate and `caFile` a readable file. Errors name the
 * config key.
 */
export function readKubernetesClusters(
  config: Config,
): KubernetesClusterConfig[] {
  const clusters: KubernetesClusterConfig[] = [];
  const methods =
    config.getOptionalConfigArray(KUBERNETES_CLUSTERS_CONFIG_KEY) ?? [];
  methods.forEach((method, m) => {
    if (method.getOptionalString('type') !== 'config') return;
    (method.getOptionalConfigArray('clusters') ?? []).forEach((cluster, c) => {
      const at = `${KUBERNETES_CLUSTERS_CONFIG_KEY}[${m}].clusters[${c}]`;
      const invalid = (key: string, why: string) =>
        new Error(`Invalid config value at '${at}.${key}': ${why}`);
      const name = cluster.getString('name');
      const url = cluster.getString('url');
      const skipTLSVerify =
        cluster.getOptionalBoolean('skipTLSVerify') ?? false;
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw invalid('url', `'${url}' is not a URL`);
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
        throw invalid('url', `'${url}' is not an http(s) URL`);
      }
      if (parsed.protocol === 'http:') {
        if (!isLoopback(parsed.hostname)) {
          throw invalid(
            'url',
            `'${url}' uses http:, which is allowed only for loopback hosts (127.0.0.1, ::1, localhost); use https:`,
          );
        }
        if (!skipTLSVerify) {
          throw invalid(
            'url',
            `'${url}' uses http:, which has no TLS to verify: set skipTLSVerify: true to say so, or use https:`,
          );
        }
      }
      if (clusters.some(x => x.name === name)) {
        throw invalid('name', `cluster '${name}' is configured twice`);
      }
      const caData = cluster.getOptionalString('caData');
      if (
        caData !== undefined &&
        !/-----BEGIN CERTIFICATE-----/.test(
          Buffer.from(caData, 'base64').toString('utf8'),
        )
      ) {
        throw invalid(
          'caData',
          'not a base64-encoded PEM certificate (kubeconfig certificate-authority-data)',
        );
      }
      const caFile = cluster.getOptionalString('caFile');
      if (caFile !== undefined) {
        try {
          fs.accessSync(caFile, fs.constants.R_OK);
        } catch {
          throw invalid('caFile', `cannot read '${caFile}'`);
        }
      }
      clusters.push({
        name,
        url: normalizeServer(url),
        token: cluster.getOptionalString('serviceAccountToken'),
        skipTLSVerify,
        caData,
        caFile,
      });
    });
  });
  return clusters;
}

/**
 * Argo CD destinations name clusters by API server URL; the Kubernetes
 * config (`kubernetes.clusterLocatorMethods`) says which cluster a URL is,
 * so clusters are configured in one place.
 */
export function readClusterServerMap(config: Config): Map<string, string> {
  return new Map(readKubernetesClusters(config).map(c => [c.url, c.name]));
}

export function normalizeServer(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The cluster an app deploys to: destination.name, else by server URL. */
export function clusterOfDestination(
  destination: { name?: string; server?: string },
  clusterByServer: Map<string, string>,
): string | undefined {
  if (destination.name && destination.name !== 'in-cluster')
    return destination.name;
  if (destination.server)
    return clusterByServer.get(normalizeServer(destination.server));
  return undefined;
}
