import { Entity } from '@backstage/catalog-model';
import { clusterOfDestination } from '@portolan/argocd-node';
import {
  ENVIRONMENT_ANNOTATION,
  isKubernetesCluster,
} from '@portolan/plugin-delivery-common';

/**
 * The environment a deploy went to, from one source for the whole portal:
 * the app's destination (server URL, named through the Kubernetes config,
 * or cluster name) is a cluster; the cluster's Resource in the catalog says
 * its environment (`portolan.dev/environment`, else the cluster's name).
 * Labels on Argo CD apps play no part: real apps do not carry Portolan's.
 */
export class ClusterEnvironments {
  static fromEntities(
    entities: Entity[],
    clusterByServer: Map<string, string>,
  ): ClusterEnvironments {
    const byCluster = new Map<string, string>();
    // The default namespace wins when two namespaces have the same cluster name.
    const clusters = entities
      .filter(isKubernetesCluster)
      .sort(
        (a, b) =>
          Number(b.metadata.namespace === 'default') -
          Number(a.metadata.namespace === 'default'),
      );
    for (const cluster of clusters) {
      const name = cluster.metadata.name;
      if (!byCluster.has(name)) {
        byCluster.set(
          name,
          cluster.metadata.annotations?.[ENVIRONMENT_ANNOTATION] || name,
        );
      }
    }
    return new ClusterEnvironments(byCluster, clusterByServer);
  }

  private constructor(
    private readonly byCluster: Map<string, string>,
    private readonly clusterByServer: Map<string, string>,
  ) {}

  /** How many cluster Resources the catalog had. */
  get size(): number {
    return this.byCluster.size;
  }

  of(destination: { name?: string; server?: string }): {
    cluster?: string;
    environment: string;
  } {
    const cluster = clusterOfDestination(destination, this.clusterByServer);
    return {
      cluster,
      environment:
        (cluster && this.byCluster.get(cluster)) || cluster || 'unknown',
    };
  }
}
