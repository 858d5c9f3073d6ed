import YAML from 'yaml';

/**
 * A kubeconfig for the sandbox's clusters, as a cluster's admin would hand
 * one out: https server, certificate-authority-data (the sandbox CA), a
 * bearer token, one context per cluster (current: the first).
 */
export function sandboxKubeconfig(
  clusters: Array<{ name: string; url: string; token: string }>,
  caPem: string,
): string {
  const caData = Buffer.from(caPem).toString('base64');
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map(c => ({
      name: c.name,
      cluster: { server: c.url, 'certificate-authority-data': caData },
    })),
    users: clusters.map(c => ({
      name: `${c.name}-sandbox`,
      user: { token: c.token },
    })),
    contexts: clusters.map(c => ({
      name: c.name,
      context: { cluster: c.name, user: `${c.name}-sandbox` },
    })),
    'current-context': clusters[0]?.name ?? '',
  });
}
