import { ServiceUnavailableError } from '@backstage/errors';
import * as k8s from '@kubernetes/client-node';
import type { KubernetesClusterConfig } from './clusterServers';

/**
 * The official client's config for one configured cluster: its server, the
 * CA from caData or caFile (verification off only where config says so),
 * and the service account token.
 */
export function kubeConfigFor(
  cluster: KubernetesClusterConfig,
): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: cluster.name,
        server: cluster.url,
        skipTLSVerify: cluster.skipTLSVerify,
        caData: cluster.caData,
        caFile: cluster.caFile,
      },
    ],
    users: [{ name: 'portolan', token: cluster.token }],
    contexts: [{ name: 'portolan', cluster: cluster.name, user: 'portolan' }],
    currentContext: 'portolan',
  });
  return kc;
}

/**
 * Runs one call to a cluster within `timeoutMs`: a cluster without a token
 * or that does not answer in time is a ServiceUnavailableError naming it;
 * any other failure is the call's own, for the caller to name.
 */
export async function callCluster<T>(
  cluster: KubernetesClusterConfig,
  options: { timeoutMs: number; what: string; missingToken?: string },
  fn: () => Promise<T>,
): Promise<T> {
  if (!cluster.token) {
    throw new ServiceUnavailableError(
      `Cluster ${cluster.name} has no serviceAccountToken configured${
        options.missingToken ? `; ${options.missingToken}` : ''
      }`,
    );
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ServiceUnavailableError(
            `Cluster ${cluster.name} gave no answer within ${
              options.timeoutMs / 1000
            } s (${options.what})`,
          ),
        ),
      options.timeoutMs,
    );
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
